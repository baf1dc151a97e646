//! Every job runs in a fresh copy of its submit-time context: with one worker
//! (so every job runs on the same thread), nothing a job sets is seen by the
//! next job, by the submitter, or by the worker thread itself.

use std::thread::{self, ThreadId};

use context_core::{ContextLocal, ContextPreservingExecutor};

static CTX: ContextLocal = ContextLocal::named("executor_isolation");

#[test]
fn a_jobs_changes_are_invisible_to_the_next_job_on_the_same_worker() {
    let executor = ContextPreservingExecutor::new(1);
    CTX.set("shared", 1_u32);

    let first = executor.submit(|| {
        CTX.set("shared", 2_u32);
        CTX.set("leak", true);
        assert!(CTX.remove("shared"));
        thread::current().id()
    });
    let second = executor.submit(|| {
        (
            thread::current().id(),
            CTX.get::<u32>("shared"),
            CTX.contains("leak"),
        )
    });

    let first_thread: ThreadId = first.join().unwrap();
    let (second_thread, shared, leak) = second.join().unwrap();
    assert_eq!(
        first_thread, second_thread,
        "one worker: both jobs on one thread"
    );
    assert_eq!(shared, Some(1), "the second job sees the submit-time value");
    assert!(!leak, "the first job's new key did not survive it");
}

#[test]
fn a_jobs_changes_are_invisible_to_the_submitter() {
    let executor = ContextPreservingExecutor::new(1);
    CTX.set("owner", "submitter");
    let job = executor.submit(|| {
        CTX.set("owner", "job");
        CTX.set("extra", 1_u8);
        CTX.get::<&str>("owner")
    });
    assert_eq!(job.join(), Ok(Some("job")));
    assert_eq!(CTX.get::<&str>("owner"), Some("submitter"));
    assert!(!CTX.contains("extra"));
}

#[test]
fn jobs_from_different_submitters_see_their_own_submitters_context() {
    let executor = ContextPreservingExecutor::new(1);
    let jobs: Vec<_> = thread::scope(|scope| {
        (0..4_u32)
            .map(|i| {
                let executor = &executor;
                scope.spawn(move || {
                    CTX.set("submitter", i);
                    executor.submit(|| CTX.get::<u32>("submitter"))
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect()
    });
    for (i, job) in (0..4_u32).zip(jobs) {
        assert_eq!(job.join(), Ok(Some(i)));
    }
}

#[test]
fn a_plain_thread_submitter_with_an_empty_context_gives_an_empty_job_context() {
    let executor = ContextPreservingExecutor::new(1);
    CTX.set("main_only", 1_u8);
    let job = executor.submit(|| CTX.set("from_job", 1_u8));
    job.join().unwrap();
    let seen = thread::spawn(move || executor.submit(|| CTX.keys()).join())
        .join()
        .unwrap();
    assert_eq!(seen, Ok(Vec::<String>::new()));
}
