//! Panics in executor jobs become `ExecutorError::Panicked` and leave the
//! pool working; panics in spawned tasks, blocking jobs and threads never
//! poison the spawner's context or the next unit on the same thread.

use std::panic::panic_any;

use context_core::{ContextLocal, ContextPreservingExecutor, ExecutorError, task, thread};

static CTX: ContextLocal = ContextLocal::named("panics");

#[test]
fn a_panicking_job_is_an_error_with_its_message_and_the_pool_keeps_working() {
    let executor = ContextPreservingExecutor::new(1);
    let static_str = executor.submit(|| -> u32 { panic!("static message") });
    let formatted = executor.submit(|| -> u32 {
        // Not a literal argument, so the payload is a `String`, not a `&str`.
        let n = std::hint::black_box(42);
        panic!("formatted {n}")
    });
    let other = executor.submit(|| -> u32 { panic_any(7_i32) });
    let after = executor.submit(|| 5_u32);

    assert_eq!(
        static_str.join(),
        Err(ExecutorError::Panicked("static message".into()))
    );
    assert_eq!(
        formatted.join(),
        Err(ExecutorError::Panicked("formatted 42".into()))
    );
    assert!(matches!(other.join(), Err(ExecutorError::Panicked(_))));
    assert_eq!(
        after.join(),
        Ok(5),
        "the single worker survived three panics"
    );
}

#[tokio::test]
async fn an_awaited_panicking_job_is_an_error() {
    let executor = ContextPreservingExecutor::new(1);
    let res = executor.submit(|| -> () { panic!("async boom") }).await;
    assert_eq!(res, Err(ExecutorError::Panicked("async boom".into())));
}

#[test]
fn a_panicking_job_leaves_nothing_for_the_next_job_on_its_worker() {
    let executor = ContextPreservingExecutor::new(1);
    CTX.set("v", "submitter");
    let failed = executor.submit(|| {
        CTX.set("v", "panicker");
        let _frame = CTX.enter();
        CTX.set("nested", true);
        panic!("after setting values");
    });
    let next = executor.submit(|| (CTX.get::<&str>("v"), CTX.contains("nested")));
    assert!(failed.join().is_err());
    assert_eq!(next.join(), Ok((Some("submitter"), false)));
    assert_eq!(CTX.get::<&str>("v"), Some("submitter"));
}

#[test]
fn a_panicking_spawned_task_does_not_poison_the_spawner() {
    // Current-thread runtime: the child is polled on the spawner's thread.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        CTX.set("v", "spawner");
        let child = task::spawn(async {
            CTX.set("v", "child");
            tokio::task::yield_now().await;
            panic!("child task");
        });
        assert!(child.await.unwrap_err().is_panic());
        assert_eq!(CTX.get::<&str>("v"), Some("spawner"));
        let sibling = task::spawn(async { CTX.get::<&str>("v") });
        assert_eq!(sibling.await.unwrap(), Some("spawner"));
    });
}

#[test]
fn a_panicking_blocking_job_does_not_poison_the_spawner_or_its_thread() {
    // One blocking thread: the second job reuses the panicked job's thread.
    let rt = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .build()
        .unwrap();
    rt.block_on(async {
        CTX.set("v", "spawner");
        let failed = task::spawn_blocking(|| -> std::thread::ThreadId {
            CTX.set("v", "blocking");
            CTX.set("leak", true);
            panic!("blocking job");
        });
        assert!(failed.await.unwrap_err().is_panic());
        let next = task::spawn_blocking(|| (CTX.get::<&str>("v"), CTX.contains("leak")));
        assert_eq!(next.await.unwrap(), (Some("spawner"), false));
        assert_eq!(CTX.get::<&str>("v"), Some("spawner"));
    });
}

#[test]
fn a_panicking_thread_does_not_poison_the_spawner() {
    CTX.set("v", "spawner");
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = thread::spawn(move || {
        tx.send(CTX.get::<&str>("v")).unwrap();
        CTX.set("v", "thread");
        panic!("thread");
    });
    assert!(handle.join().is_err());
    assert_eq!(
        rx.recv().unwrap(),
        Some("spawner"),
        "the thread saw the spawner's value"
    );
    assert_eq!(CTX.get::<&str>("v"), Some("spawner"));
}

#[test]
fn a_panicking_local_task_does_not_poison_the_spawner() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        CTX.set("v", "spawner");
        let child = task::spawn_local(async {
            CTX.set("v", "local child");
            panic!("local task");
        });
        assert!(child.await.unwrap_err().is_panic());
        assert_eq!(CTX.get::<&str>("v"), Some("spawner"));
    });
}
