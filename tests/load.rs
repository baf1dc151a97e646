//! Load: 100,000 isolated tasks on a multi-thread tokio runtime, with random
//! yields and nested spawns, each checking after every resumption that it
//! sees exactly its own values (and, at its start, its spawner's). Zero
//! cross-task observations are allowed; the whole run is bounded in time and
//! the number of completed tasks is checked exactly.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use context_core::{ContextKey, ContextLocal, ContextMap, IsolatedFuture, isolated};

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
                children.push(tokio::spawn(child_task(TOP + id * CHILDREN + c, id)));
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
                // Half through `#[isolated]`, half through the wrapper.
                let handle = if id % 2 == 0 {
                    tokio::spawn(isolated_top_task(id))
                } else {
                    tokio::spawn(IsolatedFuture::new(top_task(id)))
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
