//! The four shapes of `#[isolated]`, each changing the context only inside
//! its own frame. Run with `cargo run --example shapes`.

use std::future::Future;

use context_core::{ContextLocal, isolated};
use futures::executor::block_on;
use futures::stream::{self, Stream, StreamExt};

static REQUEST: ContextLocal = ContextLocal::named("request");

fn id() -> String {
    REQUEST.get::<String>("id").unwrap_or_else(|| "-".into())
}

/// plain: the body runs in a new frame.
#[isolated(REQUEST)]
fn handle(request: &str) -> String {
    REQUEST.set("id", request.to_string());
    format!("plain    handled {}", id())
}

/// future: the context is captured at call time; every poll runs in the
/// call's frame, so values survive `.await`s.
#[isolated(REQUEST)]
async fn fetch(request: &str) -> String {
    REQUEST.set("id", request.to_string());
    futures::future::ready(()).await;
    format!("future   fetched {} after an .await", id())
}

/// future (non-async): building the future runs in the frame too.
#[isolated(REQUEST)]
fn later() -> impl Future<Output = String> {
    let at_call = id();
    REQUEST.set("id", "built".to_string());
    async move { format!("future   saw {at_call} at call time, {} when polled", id()) }
}

/// iterator: each iterator keeps its own frame between `next` calls.
#[isolated(REQUEST)]
fn rows(name: &'static str) -> impl Iterator<Item = String> {
    REQUEST.set("id", name.to_string());
    (1..=2).map(|row| format!("iterator {} row {row}", id()))
}

/// stream: as iterator, per `poll_next`.
#[isolated(REQUEST)]
fn events(name: &'static str) -> impl Stream<Item = String> {
    REQUEST.set("id", name.to_string());
    stream::iter(1..=2).map(|n| format!("stream   {} event {n}", id()))
}

fn main() {
    REQUEST.set("id", "main".to_string());

    println!("{}", handle("req-1"));
    println!("{}", block_on(fetch("req-2")));
    let fut = later();
    REQUEST.set("id", "main-changed".to_string());
    println!("{}", block_on(fut));
    REQUEST.set("id", "main".to_string());

    // Interleaved iterators each see their own value.
    let (mut a, mut b) = (rows("a"), rows("b"));
    for _ in 0..2 {
        println!("{}", a.next().unwrap());
        println!("{}", b.next().unwrap());
    }
    block_on(events("s").for_each(|e| async move { println!("{e}") }));

    println!("caller   still sees {}", id());
}
