//! Stress: 10,000 tasks on a two-worker multi-thread runtime, each with its
//! own value, each spawning a child task, a blocking job and an executor job,
//! with random yields in between. Every unit must see exactly its own
//! lineage's value, and every unit must finish in bounded time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use context_core::{ContextKey, ContextLocal, ContextPreservingExecutor, task};

static CTX: ContextLocal = ContextLocal::named("stress");
static ROLE: ContextKey<&'static str> = ContextKey::new("role");

const TASKS: u64 = 10_000;
/// Root task, child task, blocking job, executor job.
const UNITS_PER_TASK: usize = 4;

/// xorshift64*: cheap, seeded, good enough to scatter yields.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

async fn random_yields(rng: &mut Rng) {
    for _ in 0..rng.below(4) {
        tokio::task::yield_now().await;
    }
}

/// Asserts the unit sees its lineage's id and its own role.
fn check(id: u64, role: &str) {
    assert_eq!(CTX.get::<u64>("id"), Some(id), "{role} of task {id}");
    assert_eq!(ROLE.get(), Some(role), "role in task {id}");
}

async fn lineage(id: u64, executor: Arc<ContextPreservingExecutor>, done: Arc<AtomicUsize>) {
    let mut rng = Rng::new(id);
    CTX.set("id", id);
    ROLE.set("root");
    random_yields(&mut rng).await;

    let child_done = Arc::clone(&done);
    let child = task::spawn(async move {
        let mut rng = Rng::new(!id);
        check(id, "root");
        ROLE.set("child");
        random_yields(&mut rng).await;
        check(id, "child");
        child_done.fetch_add(1, Ordering::Relaxed);
    });
    random_yields(&mut rng).await;

    let blocking_done = Arc::clone(&done);
    let blocking = task::spawn_blocking(move || {
        check(id, "root");
        ROLE.set("blocking");
        check(id, "blocking");
        blocking_done.fetch_add(1, Ordering::Relaxed);
    });
    random_yields(&mut rng).await;

    let job_done = Arc::clone(&done);
    let job = executor.submit(move || {
        check(id, "root");
        ROLE.set("job");
        check(id, "job");
        job_done.fetch_add(1, Ordering::Relaxed);
    });
    random_yields(&mut rng).await;
    check(id, "root");

    child.await.unwrap();
    blocking.await.unwrap();
    job.await.unwrap();
    check(id, "root");
    done.fetch_add(1, Ordering::Relaxed);
}

#[test]
fn ten_thousand_lineages_each_see_only_their_own_value() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let executor = Arc::new(ContextPreservingExecutor::new(2));
    let done = Arc::new(AtomicUsize::new(0));

    rt.block_on(async {
        let all = async {
            let roots: Vec<_> = (0..TASKS)
                .map(|id| task::spawn(lineage(id, Arc::clone(&executor), Arc::clone(&done))))
                .collect();
            for root in roots {
                root.await.unwrap();
            }
        };
        tokio::time::timeout(Duration::from_secs(120), all)
            .await
            .expect("stress run did not finish in time");
        // The test's own context was never touched by any unit.
        assert_eq!(CTX.get::<u64>("id"), None);
        assert_eq!(ROLE.get(), None);
    });
    assert_eq!(
        done.load(Ordering::Relaxed),
        TASKS as usize * UNITS_PER_TASK
    );
}
