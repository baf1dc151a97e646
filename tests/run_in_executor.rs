//! Python's `loop.run_in_executor` story: an async task sets a value, awaits
//! a job on the executor, and the job sees exactly that task's value.

use std::sync::Arc;

use context_core::{ContextLocal, ContextPreservingExecutor, task};

static CTX: ContextLocal = ContextLocal::named("run_in_executor");

#[tokio::test]
async fn awaited_job_sees_the_submitting_tasks_value() {
    let executor = ContextPreservingExecutor::new(1);
    CTX.set("user", "ann");
    let seen = executor.submit(|| CTX.get::<&str>("user")).await;
    assert_eq!(seen, Ok(Some("ann")));
}

#[tokio::test]
async fn joined_job_sees_the_submitting_tasks_value_inside_a_current_thread_runtime() {
    let executor = ContextPreservingExecutor::new(1);
    CTX.set("user", "bob");
    // Blocking join on the runtime's only thread must not panic or hang.
    assert_eq!(
        executor.submit(|| CTX.get::<&str>("user")).join(),
        Ok(Some("bob"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_each_see_their_own_value_in_their_job() {
    let executor = Arc::new(ContextPreservingExecutor::new(2));
    let tasks: Vec<_> = (0..50_u32)
        .map(|id| {
            let executor = Arc::clone(&executor);
            task::spawn(async move {
                CTX.set("id", id);
                tokio::task::yield_now().await;
                let seen = executor.submit(|| CTX.get::<u32>("id")).await;
                (id, seen, CTX.get::<u32>("id"))
            })
        })
        .collect();
    for t in tasks {
        let (id, seen, after) = t.await.unwrap();
        assert_eq!(seen, Ok(Some(id)), "job of task {id}");
        assert_eq!(after, Some(id), "task {id} after its job");
    }
    assert_eq!(CTX.get::<u32>("id"), None);
}

#[tokio::test]
async fn the_job_sees_the_context_at_submit_time_not_at_await_time() {
    let executor = ContextPreservingExecutor::new(1);
    CTX.set("stage", 1_u8);
    let job = executor.submit(|| CTX.get::<u8>("stage"));
    CTX.set("stage", 2_u8);
    assert_eq!(job.await, Ok(Some(1)));
}
