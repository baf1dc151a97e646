//! `shutdown` and `Drop` wait for every queued job; a submit after shutdown
//! is refused with `ExecutorError::ShutDown` and never hangs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};

use context_core::{ContextPreservingExecutor, ExecutorError};

const QUEUED: usize = 100;

/// One worker, blocked until `release` is sent, with `QUEUED` counting jobs
/// queued behind it.
fn blocked_executor_with_queue(
    done: &Arc<AtomicUsize>,
) -> (ContextPreservingExecutor, mpsc::Sender<()>) {
    let executor = ContextPreservingExecutor::new(1);
    let (release, gate) = mpsc::channel::<()>();
    drop(executor.submit(move || gate.recv().unwrap()));
    for _ in 0..QUEUED {
        let done = Arc::clone(done);
        drop(executor.submit(move || done.fetch_add(1, Ordering::SeqCst)));
    }
    (executor, release)
}

#[test]
fn shutdown_waits_for_queued_jobs() {
    let done = Arc::new(AtomicUsize::new(0));
    let (executor, release) = blocked_executor_with_queue(&done);
    assert_eq!(done.load(Ordering::SeqCst), 0, "the queue is held back");
    release.send(()).unwrap();
    executor.shutdown();
    assert_eq!(done.load(Ordering::SeqCst), QUEUED);
}

#[test]
fn drop_waits_for_queued_jobs() {
    /// Releases the blocked worker when dropped; declared before the executor
    /// so that it is dropped first, i.e. as the executor's drop begins.
    struct ReleaseOnDrop(mpsc::Sender<()>);
    impl Drop for ReleaseOnDrop {
        fn drop(&mut self) {
            self.0.send(()).unwrap();
        }
    }
    struct Owner {
        _release: ReleaseOnDrop,
        _executor: ContextPreservingExecutor,
    }

    let done = Arc::new(AtomicUsize::new(0));
    let (executor, release) = blocked_executor_with_queue(&done);
    let owner = Owner {
        _release: ReleaseOnDrop(release),
        _executor: executor,
    };
    assert_eq!(done.load(Ordering::SeqCst), 0, "the queue is held back");
    drop(owner);
    assert_eq!(done.load(Ordering::SeqCst), QUEUED);
}

#[test]
fn submit_after_shutdown_is_refused_and_never_runs() {
    let executor = ContextPreservingExecutor::new(1);
    assert_eq!(executor.submit(|| 1).join(), Ok(1));
    executor.shutdown();
    let ran = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&ran);
    let refused = executor.submit(move || counter.fetch_add(1, Ordering::SeqCst));
    assert_eq!(refused.join(), Err(ExecutorError::ShutDown));
    assert_eq!(
        executor.map([1, 2], |x| x),
        [Err(ExecutorError::ShutDown), Err(ExecutorError::ShutDown)]
    );
    executor.shutdown(); // idempotent
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn awaiting_a_job_submitted_after_shutdown_is_refused() {
    let executor = ContextPreservingExecutor::new(1);
    executor.shutdown();
    assert_eq!(executor.submit(|| 1).await, Err(ExecutorError::ShutDown));
}

#[test]
fn results_of_jobs_finished_before_shutdown_stay_available() {
    let executor = ContextPreservingExecutor::new(2);
    let jobs: Vec<_> = (0..10).map(|i| executor.submit(move || i * 2)).collect();
    executor.shutdown();
    let results: Vec<_> = jobs.into_iter().map(|j| j.join()).collect();
    assert_eq!(results, (0..10).map(|i| Ok(i * 2)).collect::<Vec<_>>());
}

#[test]
fn shutdown_from_inside_one_of_its_own_jobs_does_not_deadlock() {
    let executor = Arc::new(ContextPreservingExecutor::new(1));
    let inner = Arc::clone(&executor);
    let job = executor.submit(move || {
        inner.shutdown();
        inner.submit(|| ()).join()
    });
    assert_eq!(job.join(), Ok(Err(ExecutorError::ShutDown)));
    executor.shutdown();
}

#[test]
fn debug_shows_workers_and_state() {
    let executor = ContextPreservingExecutor::new(3);
    executor.shutdown();
    assert_eq!(
        format!("{executor:?}"),
        "ContextPreservingExecutor { workers: 3, pending: 0, shut_down: true }"
    );
    let job = executor.submit(|| ());
    assert_eq!(format!("{job:?}"), "Job { .. }");
    let _ = job.join();
}
