//! Context travels through every hop — task → `task::spawn` →
//! `thread::spawn` → executor job — and each level's own changes stay at that
//! level.

use std::sync::Arc;

use context_core::{ContextLocal, ContextPreservingExecutor, task, thread};

static CTX: ContextLocal = ContextLocal::named("nested");

/// What one level saw on entry: the root value and the level above it.
type Seen = (Option<&'static str>, Option<&'static str>);

fn seen() -> Seen {
    (CTX.get("root"), CTX.get("level"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_root_value_reaches_an_executor_job_through_task_and_thread() {
    let executor = Arc::new(ContextPreservingExecutor::new(1));
    CTX.set("root", "root value");
    CTX.set("level", "root");

    let ex = Arc::clone(&executor);
    let (task_seen, thread_seen, job_seen) = task::spawn(async move {
        let task_seen = seen();
        CTX.set("level", "task");

        let (thread_seen, job_seen) = thread::spawn(move || {
            let thread_seen = seen();
            CTX.set("level", "thread");

            let job_seen = ex
                .submit(|| {
                    let job_seen = seen();
                    CTX.set("level", "job");
                    CTX.set("root", "changed by job");
                    job_seen
                })
                .join()
                .unwrap();
            assert_eq!(
                seen(),
                (Some("root value"), Some("thread")),
                "thread after job"
            );
            (thread_seen, job_seen)
        })
        .join()
        .unwrap();

        tokio::task::yield_now().await;
        assert_eq!(
            seen(),
            (Some("root value"), Some("task")),
            "task after thread"
        );
        (task_seen, thread_seen, job_seen)
    })
    .await
    .unwrap();

    assert_eq!(task_seen, (Some("root value"), Some("root")));
    assert_eq!(thread_seen, (Some("root value"), Some("task")));
    assert_eq!(job_seen, (Some("root value"), Some("thread")));
    assert_eq!(
        seen(),
        (Some("root value"), Some("root")),
        "root after everything"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_job_inside_a_spawned_task_sees_the_tasks_value() {
    CTX.set("root", "r");
    CTX.set("level", "root");
    let inner = task::spawn(async {
        CTX.set("level", "task");
        let blocking = task::spawn_blocking(|| {
            let s = seen();
            CTX.set("level", "blocking");
            s
        });
        let s = blocking.await.unwrap();
        (s, seen())
    });
    let (blocking_seen, task_after) = inner.await.unwrap();
    assert_eq!(blocking_seen, (Some("r"), Some("task")));
    assert_eq!(task_after, (Some("r"), Some("task")));
    assert_eq!(seen(), (Some("r"), Some("root")));
}
