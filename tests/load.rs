//! Load: 100,000 isolated tasks on a multi-thread tokio runtime, with random
//! yields and nested spawns, and 100,000 jobs (with nested submits) on a
//! two-worker `ContextPreservingExecutor`, each checking after every resumption that it
//! sees exactly its own values (and, at its start, its spawner's). Zero
//! cross-task observations are allowed; the whole run is bounded in time and
//! the number of completed tasks is checked exactly.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use context_core::{
    ContextKey, ContextLocal, ContextMap, ContextPreservingExecutor, IsolatedFuture, Job, isolated,
};

static TASK: ContextKey<u64> = ContextKey::new("task");
static CTX: ContextLocal = ContextLocal::named("load");
static MAP: ContextMap<u64> = ContextMap::new();

/// Top-level tasks; each spawns `CHILDREN` nested tasks: 100,000 in all.
const TOP: u64 = 20_000;
const CHILDREN: u64 = 4;

static MISMATCHES: AtomicUsize = AtomicUsize::new(0);
static COMPLETED: AtomicUsize = AtomicUsize::new(0);

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Records a mismatch unless the three namespaces all show `expected`.
fn check(expected: Option<u64>) {
    let seen = (TASK.get(), CTX.get::<u64>("id"), MAP.get("id"));
    if seen != (expected, expected, expected) {
        MISMATCHES.fetch_add(1, Ordering::Relaxed);
    }
}

/// Starts in a copy of the spawner's context (`parent` set), sets its own
/// id everywhere.
fn start(id: u64, parent: Option<u64>) {
    check(parent);
    TASK.set(id);
    CTX.set("id", id);
    MAP.insert("id", id);
}

/// A top-level task: yields a random number of times and spawns `CHILDREN`
/// nested tasks in between.
async fn top_task(id: u64) {
    start(id, Some(0));
    let yields = splitmix(id) % 4;
    let mut children = Vec::new();
    for i in 0..=yields {
        if i == yields / 2 {
            for c in 0..CHILDREN {
                // Called here, in this task's frame: the child starts with a
                // copy of it (and runs on any worker thread).
                let child = child_task(TOP + id * CHILDREN + c, id);
                children.push(if c % 2 == 0 {
                    tokio::spawn(child)
                } else {
                    context_core::task::spawn(child)
                });
            }
        }
        tokio::task::yield_now().await;
        check(Some(id));
    }
    for child in children {
        child.await.expect("child task panicked");
        check(Some(id));
    }
    COMPLETED.fetch_add(1, Ordering::Relaxed);
}

#[isolated(TASK, CTX, MAP)]
async fn isolated_top_task(id: u64) {
    top_task(id).await;
}

/// A nested task: yields a random number of times.
#[isolated(TASK, CTX, MAP)]
async fn child_task(id: u64, parent: u64) {
    start(id, Some(parent));
    for _ in 0..splitmix(id) % 4 {
        tokio::task::yield_now().await;
        check(Some(id));
    }
    COMPLETED.fetch_add(1, Ordering::Relaxed);
}

#[test]
fn a_hundred_thousand_isolated_tasks_never_see_each_other() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        TASK.set(0);
        CTX.set("id", 0_u64);
        MAP.insert("id", 0);
        let all = async {
            let mut handles = Vec::with_capacity(TOP as usize);
            for id in 1..=TOP {
                // Through `#[isolated]`, the wrapper, or `task::spawn`.
                let handle = match id % 3 {
                    0 => tokio::spawn(isolated_top_task(id)),
                    1 => tokio::spawn(IsolatedFuture::new(top_task(id))),
                    _ => context_core::task::spawn(top_task(id)),
                };
                handles.push(handle);
            }
            for handle in handles {
                handle.await.expect("task panicked");
                check(Some(0));
            }
        };
        tokio::time::timeout(Duration::from_secs(60), all)
            .await
            .expect("100,000 tasks did not finish within 60 s");
        check(Some(0));
    });
    assert_eq!(
        MISMATCHES.load(Ordering::Relaxed),
        0,
        "cross-task observations"
    );
    assert_eq!(
        COMPLETED.load(Ordering::Relaxed) as u64,
        TOP * (1 + CHILDREN)
    );
}

/// One job on the executor: starts in a copy of its submitter's context,
/// sets its own id, submits `CHILDREN` nested jobs (when top-level) and
/// hands them back to be joined.
fn job(executor: &Arc<ContextPreservingExecutor>, id: u64, parent: u64) -> Vec<Job<Vec<Job<()>>>> {
    start(id, Some(parent));
    let mut children = Vec::new();
    if parent == 0 {
        for c in 0..CHILDREN {
            let ex = Arc::clone(executor);
            let child = TOP + id * CHILDREN + c;
            children.push(executor.submit(move || {
                let nested = job(&ex, child, id);
                assert!(nested.is_empty());
                Vec::new()
            }));
        }
    }
    // Work in a nested frame between the submissions and the end.
    CTX.run(|| CTX.set("id", u64::MAX));
    check(Some(id));
    EXECUTOR_COMPLETED.fetch_add(1, Ordering::Relaxed);
    children
}

static EXECUTOR_COMPLETED: AtomicUsize = AtomicUsize::new(0);

#[test]
fn a_hundred_thousand_executor_jobs_never_see_each_other() {
    let executor = Arc::new(ContextPreservingExecutor::new(2));
    // The bound in time: the run happens on another thread, watched by a
    // timeout on a channel (a hang fails the test instead of hanging it).
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let ex = Arc::clone(&executor);
    std::thread::spawn(move || {
        TASK.set(0);
        CTX.set("id", 0_u64);
        MAP.insert("id", 0);
        let top: Vec<_> = (1..=TOP)
            .map(|id| {
                let inner = Arc::clone(&ex);
                ex.submit(move || job(&inner, id, 0))
            })
            .collect();
        for t in top {
            for child in t.join().expect("job panicked") {
                assert!(child.join().expect("job panicked").is_empty());
            }
            check(Some(0));
        }
        done_tx.send(()).unwrap();
    });
    done_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("100,000 executor jobs did not finish within 60 s (or one panicked)");
    executor.shutdown();
    assert_eq!(
        EXECUTOR_COMPLETED.load(Ordering::Relaxed) as u64,
        TOP * (1 + CHILDREN)
    );
    // Shared with the tokio test: zero in total is what both require.
    assert_eq!(
        MISMATCHES.load(Ordering::Relaxed),
        0,
        "cross-job observations"
    );
}
