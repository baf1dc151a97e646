//! Fault tests: panics at every point, out-of-order guard drops, user `Drop`
//! impls that use the context while the library drops them, thread-local
//! teardown, very deep nesting and very large frames.
//!
//! Planned panics use `resume_unwind` (no panic hook, so no noise); any other
//! panic is a failed assertion.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskCx, Poll, Waker};

use context_core::prelude::*;
use context_core::{
    Backend, ContextKey, ContextLocal, ContextMap, IsolatedFuture, IsolatedIter, IsolatedStream,
    Snapshot,
};
use futures::Stream;

static CTX: ContextLocal = ContextLocal::named("faults");
static COPY: ContextLocal = ContextLocal::with_backend(Backend::Copying);
static MAP: ContextMap<u32> = ContextMap::new();
static KEY: ContextKey<u32> = ContextKey::new("key");

struct Planned;

fn planned() -> ! {
    resume_unwind(Box::new(Planned))
}

/// Runs `f`, which must end by a planned panic.
fn expect_panic<R>(f: impl FnOnce() -> R) {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(_) => panic!("expected a panic"),
        Err(payload) if payload.is::<Planned>() => {}
        Err(payload) => resume_unwind(payload),
    }
}

type State = (
    Vec<(String, Option<u32>)>,
    Vec<(String, Option<u32>)>,
    Vec<(String, u32)>,
    Option<u32>,
);

/// Everything the four namespaces show.
fn state() -> State {
    let dump = |l: &ContextLocal| {
        l.keys()
            .into_iter()
            .map(|k| {
                let v = l.get::<u32>(&k);
                (k, v)
            })
            .collect()
    };
    (dump(&CTX), dump(&COPY), MAP.entries(), KEY.get())
}

fn set_all(v: u32) {
    CTX.set("a", v);
    CTX.set(&format!("only{v}"), v);
    COPY.set("a", v);
    MAP.insert("a", v);
    KEY.set(v);
}

fn remove_all() {
    CTX.remove("a");
    COPY.remove("a");
    MAP.remove("a");
    KEY.remove();
}

/// Proves the thread's frame stack is intact: a frame entered now still ends
/// properly.
fn assert_frames_work() {
    let before = state();
    {
        let _g = CTX.enter();
        set_all(999);
        assert_ne!(state(), before);
    }
    assert_eq!(state(), before);
}

/// Nested `run`s of every kind, `depth` deep, changing everything at each
/// level; panics at the innermost level.
fn nested_panic(depth: usize, kind: usize) {
    set_all(depth as u32 + 10);
    if depth == 0 {
        remove_all();
        planned();
    }
    let next = || nested_panic(depth - 1, kind + 1);
    match kind % 8 {
        0 => CTX.run(next),
        1 => COPY.run(next),
        2 => MAP.run(next),
        3 => KEY.run(next),
        4 => Snapshot::current().run(next),
        5 => Snapshot::current().bind(next)(),
        6 => {
            let _g = Snapshot::empty().enter();
            next()
        }
        _ => {
            let _g = MAP.enter();
            next()
        }
    }
}

#[test]
fn panic_inside_run_restores_the_context_at_every_depth_and_kind() {
    set_all(1);
    for depth in 0..10 {
        for kind in 0..8 {
            let before = state();
            expect_panic(|| {
                let _outer = CTX.enter();
                CTX.run(|| nested_panic(depth, kind))
            });
            assert_eq!(state(), before, "depth {depth}, kind {kind}");
            assert_frames_work();
        }
    }
    // bind_fn: each call panics, each call is undone.
    let before = state();
    let f = Snapshot::current().bind_fn(|| {
        set_all(5);
        planned()
    });
    expect_panic(&f);
    expect_panic(&f);
    assert_eq!(state(), before);
}

/// A future that changes everything, returns `Pending` once, changes
/// everything again (with a guard open) and panics.
struct PanickyFuture(u8);

impl Future for PanickyFuture {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskCx<'_>) -> Poll<()> {
        set_all(50 + u32::from(self.0));
        self.0 += 1;
        if self.0 == 1 {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let _g = CTX.enter();
        remove_all();
        planned()
    }
}

#[test]
fn panic_inside_poll_restores_the_polling_context() {
    set_all(1);
    let mut cx = TaskCx::from_waker(Waker::noop());
    let mut fut = Box::pin(IsolatedFuture::new(PanickyFuture(0)));
    let before = state();
    {
        let _driver_frame = CTX.enter();
        set_all(2);
        let inside = state();
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        assert_eq!(state(), inside);
        expect_panic(|| fut.as_mut().poll(&mut cx));
        assert_eq!(state(), inside);
        assert_frames_work();
    }
    assert_eq!(state(), before);
    // The `__private` builder behind `#[isolated]` futures: a panic while
    // building the future.
    expect_panic(|| {
        context_core::__private::future(|| {
            set_all(3);
            planned();
            #[allow(unreachable_code)]
            async {}
        })
    });
    assert_eq!(state(), before);
    assert_frames_work();
}

#[test]
fn panic_inside_next_restores_the_context() {
    set_all(1);
    let before = state();
    let mut n = 0;
    let mut it = IsolatedIter::new(std::iter::from_fn(move || {
        n += 1;
        set_all(n);
        if n == 2 {
            let _g = COPY.enter();
            planned();
        }
        Some(n)
    }));
    assert_eq!(it.next(), Some(1));
    assert_eq!(state(), before);
    expect_panic(|| it.next());
    assert_eq!(state(), before);
    // The iterator kept the changes of its first step, and its own frame
    // stack is consistent after the panic.
    assert_eq!(it.next(), Some(3));
    assert_eq!(state(), before);

    let mut back = (0..4_u32)
        .inspect(|x| set_all(*x))
        .rev()
        .map(|x| if x == 2 { planned() } else { x })
        .isolate_iter();
    assert_eq!(back.next_back(), Some(0));
    assert_eq!(back.next(), Some(3));
    expect_panic(|| back.next());
    assert_eq!(state(), before);
    expect_panic(|| {
        context_core::__private::iter(|| -> Vec<u32> {
            set_all(9);
            planned()
        })
    });
    assert_eq!(state(), before);
    assert_frames_work();
}

#[test]
fn panic_inside_poll_next_restores_the_context() {
    set_all(1);
    let before = state();
    let mut cx = TaskCx::from_waker(Waker::noop());
    let mut n = 0;
    let mut s = Box::pin(IsolatedStream::new(futures::stream::poll_fn(move |_| {
        n += 1;
        set_all(n + 100);
        if n == 2 {
            planned();
        }
        Poll::Ready(Some(n))
    })));
    assert_eq!(s.as_mut().poll_next(&mut cx), Poll::Ready(Some(1)));
    expect_panic(|| s.as_mut().poll_next(&mut cx));
    assert_eq!(state(), before);
    assert_frames_work();
    expect_panic(|| {
        context_core::__private::stream(|| -> futures::stream::Empty<u8> {
            set_all(9);
            planned()
        })
    });
    assert_eq!(state(), before);
}

/// Panics when dropped.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        planned();
    }
}

/// Panics when cloned.
struct PanicOnClone;

impl Clone for PanicOnClone {
    fn clone(&self) -> Self {
        planned()
    }
}

#[test]
fn panic_inside_a_values_drop_or_clone_leaves_the_context_consistent() {
    set_all(1);
    let before = state();
    // Dropped when the frame ends: the frame has already been restored.
    expect_panic(|| {
        CTX.run(|| {
            set_all(2);
            CTX.set("bomb", PanicOnDrop);
        })
    });
    assert_eq!(state(), before);
    assert_frames_work();
    // Dropped when a guard ends.
    expect_panic(|| {
        let _g = Snapshot::empty().enter();
        COPY.set("bomb", PanicOnDrop);
    });
    assert_eq!(state(), before);
    // Dropped when replaced by `set`: the new value is in place.
    CTX.set("bomb", PanicOnDrop);
    expect_panic(|| CTX.set("bomb", 7_u32));
    assert_eq!(CTX.get::<u32>("bomb"), Some(7));
    // Dropped by `remove`, `clear`, `ContextKey::remove`.
    COPY.set("bomb", PanicOnDrop);
    expect_panic(|| COPY.remove("bomb"));
    assert!(!COPY.contains("bomb"));
    let bombs: ContextMap<Arc<PanicOnDrop>> = ContextMap::new();
    bombs.insert("x", Arc::new(PanicOnDrop));
    expect_panic(|| bombs.clear());
    assert!(bombs.is_empty());
    static BOMB: ContextKey<PanicOnDrop> = ContextKey::new("bomb");
    BOMB.set(PanicOnDrop);
    expect_panic(|| BOMB.remove());
    assert!(!BOMB.contains());
    CTX.remove("bomb");
    assert_eq!(state(), before);
    // Dropped with an isolated iterator, inside its frame.
    let it = IsolatedIter::new(std::iter::once(PanicOnDrop).inspect(|_| set_all(3)));
    expect_panic(move || drop(it));
    assert_eq!(state(), before);
    // A panicking `Clone` in `get`: no borrow is left held.
    CTX.set("clone", PanicOnClone);
    expect_panic(|| CTX.get::<PanicOnClone>("clone"));
    CTX.remove("clone");
    assert_eq!(state(), before);
    assert_frames_work();
}

#[test]
fn guards_dropped_out_of_order_restore_the_outermost_and_ignore_stale_ones() {
    set_all(1);
    let base = state();
    let g1 = CTX.enter();
    set_all(2);
    let in_g1 = state();
    let g2 = MAP.enter();
    set_all(3);
    let g3 = Snapshot::empty().enter();
    set_all(4);
    drop(g2); // ends g2 and g3
    assert_eq!(state(), in_g1);
    drop(g3); // already ended: nothing
    assert_eq!(state(), in_g1);
    let g4 = KEY.enter(); // takes the place g2 had
    set_all(5);
    drop(g1); // ends g1 and g4
    assert_eq!(state(), base);
    set_all(6);
    let after = state();
    drop(g4); // already ended: nothing, the later write stays
    assert_eq!(state(), after);
}

/// Records what its `Drop` saw, and reads, writes and runs frames while
/// being dropped.
struct Nosy(Arc<Mutex<Vec<Option<u32>>>>);

impl Drop for Nosy {
    fn drop(&mut self) {
        let seen = CTX.get::<u32>("who");
        CTX.run(|| {
            CTX.set("who", 1000_u32);
            MAP.insert("nosy", 1);
            let _g = KEY.enter();
            KEY.set(1);
        });
        let _ = Snapshot::current();
        assert_eq!(CTX.get::<u32>("who"), seen, "the frame in a Drop leaked");
        self.0.lock().unwrap().push(seen);
    }
}

#[test]
fn a_drop_that_uses_the_context_while_the_library_drops_it() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    CTX.set("who", 1_u32);
    let before = state();
    // Frame end: the value is dropped after the outer context is back.
    CTX.run(|| {
        CTX.set("who", 2_u32);
        CTX.set("nosy", Nosy(seen.clone()));
    });
    // Replaced by `set`: dropped after the write.
    CTX.set("nosy", Nosy(seen.clone()));
    CTX.set("nosy", 0_u32);
    CTX.remove("nosy");
    // Dropped with an isolated iterator: inside the iterator's frame.
    let nosy = Nosy(seen.clone());
    let mut it = IsolatedIter::new(std::iter::from_fn(move || {
        let _keep = &nosy;
        CTX.set("who", 3_u32);
        Some(())
    }));
    it.next();
    drop(it);
    // Dropped with a future that never completed.
    let nosy = Nosy(seen.clone());
    let mut fut = Box::pin(
        async move {
            let _keep = nosy;
            CTX.set("who", 4_u32);
            std::future::pending::<()>().await;
        }
        .isolate(),
    );
    assert!(
        fut.as_mut()
            .poll(&mut TaskCx::from_waker(Waker::noop()))
            .is_pending()
    );
    drop(fut);
    assert_eq!(*seen.lock().unwrap(), [Some(1), Some(1), Some(3), Some(4)]);
    assert_eq!(state(), before);
}

#[test]
fn thread_local_teardown_never_panics() {
    thread_local! {
        static LATE: std::cell::RefCell<Late> = const { std::cell::RefCell::new(Late(None)) };
    }
    /// Uses the context from another thread-local's destructor.
    struct Late(Option<Arc<Mutex<Vec<Option<u32>>>>>);
    impl Drop for Late {
        fn drop(&mut self) {
            let seen = CTX.get::<u32>("who");
            CTX.set("who", 5_u32);
            CTX.run(|| CTX.set("who", 6_u32));
            drop(CTX.enter());
            let _ = Snapshot::current();
            let _ = IsolatedIter::new(0..2).count();
            if let Some(log) = &self.0 {
                log.lock().unwrap().push(seen);
            }
        }
    }
    thread_local! {
        static HELD: std::cell::RefCell<Vec<Box<dyn std::any::Any>>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    for context_first in [true, false] {
        let log = Arc::new(Mutex::new(Vec::new()));
        let log2 = log.clone();
        std::thread::spawn(move || {
            if context_first {
                CTX.set("who", 1_u32);
            }
            LATE.with(|_| {});
            HELD.with(|h| {
                let mut h = h.borrow_mut();
                // A guard and a half-run isolated future, dropped at teardown.
                h.push(Box::new(CTX.enter()));
                let mut fut = Box::pin(IsolatedFuture::new(async {
                    CTX.set("who", 9_u32);
                    std::future::pending::<()>().await;
                }));
                let _ = fut.as_mut().poll(&mut TaskCx::from_waker(Waker::noop()));
                h.push(Box::new(fut));
            });
            CTX.set("who", 2_u32);
            // A value whose `Drop` uses the context, dropped with the context.
            CTX.set("nosy", Nosy(log2.clone()));
            LATE.with(|l| l.borrow_mut().0 = Some(log2));
        })
        .join()
        .expect("thread teardown panicked");
        let log = log.lock().unwrap();
        assert_eq!(log.len(), 2, "both destructors ran");
    }
}

#[test]
fn a_guard_moved_into_an_isolated_future_still_ends_its_frame() {
    CTX.set("who", 1_u32);
    let before = state();
    let guard = CTX.enter();
    CTX.set("who", 2_u32);
    let mut fut = Box::pin(
        async move {
            drop(guard);
        }
        .isolate(),
    );
    assert!(
        fut.as_mut()
            .poll(&mut TaskCx::from_waker(Waker::noop()))
            .is_ready()
    );
    assert_eq!(state(), before);
    // Dropped two steps deep (an iterator stepped inside a future's poll),
    // with a later guard that the drop ends too.
    let guard = CTX.enter();
    CTX.set("who", 3_u32);
    let later = COPY.enter();
    let mut fut = Box::pin(
        async move {
            let mut guard = Some(guard);
            let mut it = std::iter::once(())
                .map(move |()| drop(guard.take()))
                .isolate_iter();
            it.next();
            CTX.set("who", 4_u32);
        }
        .isolate(),
    );
    assert!(
        fut.as_mut()
            .poll(&mut TaskCx::from_waker(Waker::noop()))
            .is_ready()
    );
    assert_eq!(state(), before);
    drop(later); // already ended
    assert_eq!(state(), before);
}

fn recurse(depth: u32, max: u32) {
    if depth == max {
        return;
    }
    let local = if depth % 2 == 0 { &CTX } else { &COPY };
    local.run(|| {
        local.set("depth", depth);
        KEY.set(depth);
        recurse(depth + 1, max);
        assert_eq!(local.get::<u32>("depth"), Some(depth));
        assert_eq!(KEY.get(), Some(depth));
    });
}

#[test]
fn a_hundred_thousand_nested_frames() {
    const DEPTH: u32 = 100_000;
    std::thread::Builder::new()
        .stack_size(1 << 30)
        .spawn(|| {
            CTX.set("depth", u32::MAX);
            recurse(0, DEPTH);
            assert_eq!(CTX.get::<u32>("depth"), Some(u32::MAX));
            assert_eq!(KEY.get(), None);
            // And as guards, ended all at once by the outermost one.
            let mut guards = Vec::with_capacity(DEPTH as usize);
            for d in 0..DEPTH {
                guards.push(CTX.enter());
                KEY.set(d);
            }
            assert_eq!(KEY.get(), Some(DEPTH - 1));
            drop(guards);
            assert_eq!(KEY.get(), None);
        })
        .unwrap()
        .join()
        .unwrap();
}

static CLONES: AtomicUsize = AtomicUsize::new(0);

/// Counts its clones.
struct Counted(u32);

impl Clone for Counted {
    fn clone(&self) -> Self {
        CLONES.fetch_add(1, Ordering::Relaxed);
        Counted(self.0)
    }
}

#[test]
fn a_million_keys_in_one_frame_and_frames_over_them_copy_no_value() {
    const N: u32 = 1_000_000;
    for backend in [Backend::Persistent, Backend::Copying] {
        let local = ContextLocal::with_backend(backend);
        std::thread::scope(|s| {
            s.spawn(|| {
                for i in 0..N {
                    local.set(&i.to_string(), Counted(i));
                }
                let clones = CLONES.load(Ordering::Relaxed);
                local.run(|| {
                    assert_eq!(local.get_arc::<Counted>("123456").unwrap().0, 123_456);
                    local.set("0", Counted(7));
                    local.remove("1");
                    let _nested = local.enter();
                    local.set("2", Counted(8));
                    let snap = Snapshot::current();
                    snap.run(|| local.set("3", Counted(9)));
                });
                assert_eq!(
                    CLONES.load(Ordering::Relaxed),
                    clones,
                    "{backend:?}: a value was copied"
                );
                assert_eq!(local.get_arc::<Counted>("0").unwrap().0, 0);
                assert!(local.contains("1"));
                assert_eq!(local.keys().len(), N as usize);
            });
        });
    }
}

#[test]
fn panic_inside_an_executor_job_or_spawned_task_leaves_every_context_as_before() {
    use context_core::{ContextPreservingExecutor, ExecutorError};
    set_all(1);
    let before = state();
    let executor = ContextPreservingExecutor::new(1);
    let job = executor.submit(|| {
        set_all(2);
        let _g = CTX.enter();
        set_all(3);
        panic!("job failed");
    });
    assert_eq!(
        job.join(),
        Err(ExecutorError::Panicked("job failed".into()))
    );
    // The submitter is untouched; the same (only) worker's next job starts
    // from a clean copy of the submitter's context.
    assert_eq!(state(), before);
    assert_eq!(executor.submit(state).join(), Ok(before.clone()));
    // A panic in a job's value `Drop`, when the job's frame ends.
    let job = executor.submit(|| CTX.set("bomb", PanicOnDrop));
    assert!(matches!(job.join(), Err(ExecutorError::Panicked(_))));
    assert_eq!(executor.submit(state).join(), Ok(before.clone()));
    executor.shutdown();

    let from_thread = context_core::thread::spawn(|| {
        set_all(3);
        planned()
    })
    .join();
    assert!(from_thread.is_err());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let task = context_core::task::spawn(async {
            set_all(4);
            planned()
        });
        assert!(task.await.is_err());
        assert_eq!(state(), before);
        let task = context_core::task::spawn_blocking(|| {
            set_all(5);
            planned()
        });
        assert!(task.await.is_err());
        assert_eq!(state(), before);
        assert_eq!(
            context_core::task::spawn(async { state() }).await.unwrap(),
            before
        );
    });
    assert_eq!(state(), before);
    assert_frames_work();
}
