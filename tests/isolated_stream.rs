//! `#[isolated]` on functions returning streams: building the stream and
//! every `poll_next` run in the stream's own frame.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use context_core::{ContextLocal, isolated};
use futures::stream::{self, BoxStream, Stream, StreamExt};

static CTX: ContextLocal = ContextLocal::new();

fn poll_next<S: Stream + Unpin>(s: &mut S) -> Poll<Option<S::Item>> {
    s.poll_next_unpin(&mut Context::from_waker(Waker::noop()))
}

/// extracontext's generator example, as a stream.
#[isolated(CTX)]
fn contexted(value: u32) -> impl Stream<Item = Option<u32>> {
    stream::unfold(0, move |step| async move {
        match step {
            0 => {
                CTX.set("value", value);
                Some((None, 1))
            }
            1 | 2 => Some((CTX.get("value"), step + 1)),
            _ => None,
        }
    })
}

#[isolated(CTX)]
fn boxed(value: u32) -> BoxStream<'static, Option<u32>> {
    CTX.set("value", value);
    stream::repeat_with(|| CTX.get("value")).take(2).boxed()
}

/// Pending (with a wake) between items, to check per-poll behaviour.
#[isolated(CTX)]
fn with_pending(value: u32) -> impl Stream<Item = Option<u32>> {
    let mut step = 0;
    stream::poll_fn(move |cx| {
        step += 1;
        match step {
            1 => {
                CTX.set("value", value);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            2 => Poll::Ready(Some(CTX.get("value"))),
            _ => Poll::Ready(None),
        }
    })
}

#[isolated(CTX)]
fn panics_on_second() -> impl Stream<Item = u32> {
    stream::iter(1..).inspect(|&i| {
        CTX.set("value", i);
        assert!(i < 2, "boom");
    })
}

struct Probe(Arc<Mutex<Option<u32>>>);

impl Drop for Probe {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = CTX.get("value");
    }
}

#[isolated(CTX)]
fn with_probe(probe: Probe) -> impl Stream<Item = u32> {
    CTX.set("value", 7_u32);
    stream::iter(0..10).inspect(move |_| {
        let _ = &probe;
    })
}

#[test]
fn interleaved_streams_keep_their_own_values() {
    CTX.set("value", 100_u32);
    let mut s1 = pin!(contexted(1));
    let mut s2 = pin!(contexted(2));
    assert_eq!(poll_next(&mut s1), Poll::Ready(Some(None)));
    assert_eq!(poll_next(&mut s2), Poll::Ready(Some(None)));
    assert_eq!(CTX.get::<u32>("value"), Some(100));
    assert_eq!(poll_next(&mut s1), Poll::Ready(Some(Some(1))));
    assert_eq!(poll_next(&mut s2), Poll::Ready(Some(Some(2))));
    assert_eq!(poll_next(&mut s2), Poll::Ready(Some(Some(2))));
    assert_eq!(poll_next(&mut s1), Poll::Ready(Some(Some(1))));
    assert_eq!(poll_next(&mut s1), Poll::Ready(None));
    assert_eq!(CTX.get::<u32>("value"), Some(100));
}

#[test]
fn changes_persist_across_pending_polls_and_stay_inside() {
    CTX.set("value", 100_u32);
    let mut s = pin!(with_pending(5));
    assert_eq!(poll_next(&mut s), Poll::Pending);
    assert_eq!(CTX.get::<u32>("value"), Some(100));
    assert_eq!(poll_next(&mut s), Poll::Ready(Some(Some(5))));
    assert_eq!(poll_next(&mut s), Poll::Ready(None));
}

#[test]
fn the_body_runs_in_the_streams_frame() {
    let s = boxed(3);
    assert_eq!(CTX.get::<u32>("value"), None);
    assert_eq!(
        futures::executor::block_on(s.collect::<Vec<_>>()),
        [Some(3), Some(3)]
    );
}

#[test]
fn a_panic_in_poll_next_restores_the_callers_context() {
    CTX.set("value", 100_u32);
    let mut s = pin!(panics_on_second());
    assert_eq!(poll_next(&mut s), Poll::Ready(Some(1)));
    assert!(catch_unwind(AssertUnwindSafe(|| poll_next(&mut s))).is_err());
    assert_eq!(CTX.get::<u32>("value"), Some(100));
}

#[test]
fn dropping_an_unfinished_stream_runs_its_drops_in_its_frame() {
    CTX.set("value", 100_u32);
    let seen = Arc::new(Mutex::new(None));
    let mut s = Box::pin(with_probe(Probe(seen.clone())));
    assert_eq!(poll_next(&mut s), Poll::Ready(Some(0)));
    drop(s);
    assert_eq!(*seen.lock().unwrap(), Some(7));
    assert_eq!(CTX.get::<u32>("value"), Some(100));
}
