//! Python's `loop.run_in_executor`, with the context carried along.
//!
//! Ten async tasks each set their own request id, then hand blocking work to
//! a thread pool. Each job sees exactly the id of the task that submitted it,
//! although two worker threads serve all ten tasks.
//!
//! ```text
//! cargo run --example executor
//! ```

use std::sync::Arc;

use context_core::{ContextLocal, ContextPreservingExecutor, task};

static REQUEST: ContextLocal = ContextLocal::named("request");

/// Blocking work that knows nothing of its caller, yet finds the request id.
fn render_report() -> String {
    let id: u32 = REQUEST.get("id").unwrap_or_default();
    let worker = std::thread::current();
    format!("request {id} rendered on {}", worker.name().unwrap_or("?"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let executor = Arc::new(ContextPreservingExecutor::new(2));

    let handles: Vec<_> = (1..=10_u32)
        .map(|id| {
            let executor = Arc::clone(&executor);
            task::spawn(async move {
                REQUEST.set("id", id);
                tokio::task::yield_now().await; // let the other tasks interleave
                let report = executor.submit(render_report).await.expect("job panicked");
                assert_eq!(report.split(' ').nth(1), Some(id.to_string().as_str()));
                report
            })
        })
        .collect();

    for handle in handles {
        println!("{}", handle.await.expect("task panicked"));
    }
    // The main task never set an id: the tasks' values stayed in the tasks.
    assert_eq!(REQUEST.get::<u32>("id"), None);
}
