//! `#[isolated]` on futures: the context is captured when the function is
//! called; the body and every poll run in the call's own frame.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use context_core::{ContextLocal, isolated};
use context_core_tests::YieldOnce;

static CTX: ContextLocal = ContextLocal::new();

fn poll_once<F: Future + ?Sized>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(Waker::noop()))
}

/// Reports what it sees before and after each of two suspensions.
#[isolated(CTX)]
async fn steps(x: u32) -> Vec<Option<u32>> {
    let mut seen = vec![CTX.get("value")];
    CTX.set("value", x);
    YieldOnce::default().await;
    seen.push(CTX.get("value"));
    CTX.set("value", x + 1);
    YieldOnce::default().await;
    seen.push(CTX.get("value"));
    seen
}

/// A non-async function returning a future: building it runs in the frame.
#[isolated(CTX)]
fn built(x: u32) -> impl Future<Output = (Option<u32>, Option<u32>)> {
    let at_build = CTX.get("value");
    CTX.set("value", x);
    async move {
        YieldOnce::default().await;
        (at_build, CTX.get("value"))
    }
}

#[isolated(CTX)]
fn boxed(x: u32) -> Pin<Box<dyn Future<Output = Option<u32>> + Send>> {
    CTX.set("value", x);
    Box::pin(async move {
        YieldOnce::default().await;
        CTX.get("value")
    })
}

#[isolated(CTX)]
async fn panics_after_yield() {
    CTX.set("value", 2_u32);
    YieldOnce::default().await;
    panic!("boom");
}

struct Probe(Arc<Mutex<Option<u32>>>);

impl Drop for Probe {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = CTX.get("value");
    }
}

#[isolated(CTX)]
async fn never_finishes(_probe: Probe) {
    CTX.set("value", 7_u32);
    std::future::pending::<()>().await;
}

#[test]
fn context_is_captured_at_call_time_and_each_poll_runs_in_the_frame() {
    CTX.set("value", 1_u32);
    let mut fut = pin!(steps(10));
    // Changes the caller makes after the call are not seen by the future...
    CTX.set("value", 2_u32);
    assert_eq!(poll_once(fut.as_mut()), Poll::Pending);
    // ...and the future's changes are not seen by the caller between polls.
    assert_eq!(CTX.get::<u32>("value"), Some(2));
    CTX.set("value", 3_u32);
    assert_eq!(poll_once(fut.as_mut()), Poll::Pending);
    assert_eq!(CTX.get::<u32>("value"), Some(3));
    assert_eq!(
        poll_once(fut.as_mut()),
        Poll::Ready(vec![Some(1), Some(10), Some(11)])
    );
    assert_eq!(CTX.get::<u32>("value"), Some(3));
}

#[test]
fn a_non_async_fn_builds_its_future_in_the_frame() {
    CTX.set("value", 1_u32);
    let mut fut = pin!(built(5));
    assert_eq!(CTX.get::<u32>("value"), Some(1));
    CTX.set("value", 2_u32);
    assert_eq!(poll_once(fut.as_mut()), Poll::Pending);
    assert_eq!(poll_once(fut.as_mut()), Poll::Ready((Some(1), Some(5))));
    assert_eq!(CTX.get::<u32>("value"), Some(2));

    let mut fut = boxed(6);
    assert_eq!(CTX.get::<u32>("value"), Some(2));
    assert_eq!(poll_once(fut.as_mut()), Poll::Pending);
    assert_eq!(poll_once(fut.as_mut()), Poll::Ready(Some(6)));
}

#[test]
fn a_panic_while_polling_restores_the_callers_context() {
    CTX.set("value", 1_u32);
    let mut fut = pin!(panics_after_yield());
    assert_eq!(poll_once(fut.as_mut()), Poll::Pending);
    assert!(catch_unwind(AssertUnwindSafe(|| poll_once(fut.as_mut()))).is_err());
    assert_eq!(CTX.get::<u32>("value"), Some(1));
}

#[test]
fn dropping_an_unfinished_future_runs_its_drops_in_its_frame() {
    CTX.set("value", 1_u32);
    let seen = Arc::new(Mutex::new(None));
    let mut fut = Box::pin(never_finishes(Probe(seen.clone())));
    assert_eq!(poll_once(fut.as_mut()), Poll::Pending);
    drop(fut);
    assert_eq!(*seen.lock().unwrap(), Some(7));
    assert_eq!(CTX.get::<u32>("value"), Some(1));
}

#[test]
fn an_unpolled_future_is_dropped_in_its_frame_too() {
    CTX.set("value", 1_u32);
    let seen = Arc::new(Mutex::new(Some(0)));
    drop(never_finishes(Probe(seen.clone())));
    // The argument was moved into the future and dropped in the frame
    // captured at call time (which saw value = 1).
    assert_eq!(*seen.lock().unwrap(), Some(1));
}

#[isolated(CTX)]
async fn task(id: usize, seed: u64) -> bool {
    let mut rng = seed;
    let mut ok = CTX.get::<usize>("id").is_none();
    CTX.set("id", id);
    for _ in 0..8 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        for _ in 0..rng % 4 {
            tokio::task::yield_now().await;
        }
        ok &= CTX.get::<usize>("id") == Some(id);
        CTX.set("id", id);
    }
    ok
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_calls_never_see_each_other() {
    let handles: Vec<_> = (0..1000)
        .map(|id| tokio::spawn(task(id, 0x9E37_79B9_7F4A_7C15 ^ (id as u64 + 1))))
        .collect();
    for handle in handles {
        assert!(handle.await.unwrap());
    }
    assert_eq!(CTX.get::<usize>("id"), None);
}

#[isolated(CTX)]
async fn reads_value() -> Option<u32> {
    YieldOnce::default().await;
    CTX.get("value")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawning_the_future_carries_the_callers_context() {
    CTX.set("value", 42_u32);
    let fut = reads_value();
    CTX.set("value", 0_u32);
    assert_eq!(tokio::spawn(fut).await.unwrap(), Some(42));
}
