//! A tour of context-core: `cargo run --example quickstart`.

use context_core::{ContextKey, ContextLocal, ContextMap};

/// String keys, values of any type; the name shows up in errors.
static REQUEST: ContextLocal = ContextLocal::named("request");
/// One typed slot: the fast path.
static USER: ContextKey<String> = ContextKey::new("user");

fn describe() -> String {
    // Deep in the call stack: no parameters threaded through.
    let id: u64 = REQUEST.get("id").unwrap_or(0);
    let user = USER.get().unwrap_or_else(|| "anonymous".into());
    format!("request {id} by {user}")
}

fn main() {
    REQUEST.set("id", 1_u64);
    USER.set("ann".into());
    println!("outside:          {}", describe());

    // `run` executes the closure in a new frame: a copy of the context whose
    // changes are discarded when it ends.
    REQUEST.run(|| {
        REQUEST.set("id", 2_u64);
        USER.set("bob".into());
        println!("inside run:       {}", describe());

        // `remove` hides a key for the rest of this frame only.
        REQUEST.remove("id");
        println!("after remove:     {}", describe());
    });
    println!("after run:        {}", describe());

    // A missing key or a wrong type is a `ContextError` naming the key.
    match REQUEST.try_get::<String>("id") {
        Ok(id) => println!("id as a string:   {id}"),
        Err(err) => println!("try_get error:    {err}"),
    }

    // `ContextMap`: one value type, defaults visible everywhere until
    // overridden or removed in a frame.
    let limits = ContextMap::with_defaults([("rps", 100), ("burst", 10)]);
    {
        let _frame = limits.enter();
        limits.insert("rps", 5);
        limits.remove("burst");
        println!("limits in frame:  {:?}", limits.entries());
    }
    println!("limits after:     {:?}", limits.entries());

    // A new thread starts with an empty context.
    let on_thread = std::thread::spawn(describe).join().unwrap();
    println!("on a new thread:  {on_thread}");
}
