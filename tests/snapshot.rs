//! `Snapshot`: `current` captures every namespace and is immutable after
//! capture; `empty` has nothing; `run` / `enter` / `bind` / `bind_fn` each
//! work in a fresh copy (changes never reach the snapshot, the caller or
//! each other); bound closures carry the snapshot to other threads.

use std::sync::Barrier;
use std::thread;

use context_core::{ContextKey, ContextLocal, ContextMap, Snapshot};

static CTX: ContextLocal = ContextLocal::new();
static KEY: ContextKey<u32> = ContextKey::new("key");
static MAP: ContextMap<u32> = ContextMap::new();

fn fill(n: u32) {
    CTX.set("n", n);
    KEY.set(n);
    MAP.insert("n", n);
}

fn seen() -> (Option<u32>, Option<u32>, Option<u32>) {
    (CTX.get("n"), KEY.get(), MAP.get("n"))
}

#[test]
fn current_captures_every_namespace_and_never_changes() {
    fill(1);
    CTX.set("gone", true);
    let snap = Snapshot::current();
    // Later changes on the thread do not reach the snapshot.
    fill(2);
    CTX.remove("gone");
    CTX.set("later", true);
    assert_eq!(snap.run(seen), (Some(1), Some(1), Some(1)));
    assert!(snap.run(|| CTX.contains("gone") && !CTX.contains("later")));
    // Nor do changes made inside a run of the snapshot.
    snap.run(|| {
        fill(3);
        CTX.remove("gone");
    });
    {
        let _frame = snap.enter();
        fill(4);
    }
    assert_eq!(snap.run(seen), (Some(1), Some(1), Some(1)));
    assert!(snap.run(|| CTX.contains("gone")));
    // A clone is the same snapshot.
    assert_eq!(snap.clone().run(seen), (Some(1), Some(1), Some(1)));
    // And the thread kept its own values throughout.
    assert_eq!(seen(), (Some(2), Some(2), Some(2)));
}

#[test]
fn run_and_enter_restore_the_callers_context() {
    fill(1);
    let snap = Snapshot::current();
    fill(2);
    CTX.run(|| {
        fill(3);
        let value = snap.run(|| {
            assert_eq!(seen(), (Some(1), Some(1), Some(1)));
            fill(4);
            "returned"
        });
        assert_eq!(value, "returned");
        assert_eq!(seen(), (Some(3), Some(3), Some(3)));
        {
            let _frame = snap.enter();
            assert_eq!(seen(), (Some(1), Some(1), Some(1)));
            fill(5);
            // Nested snapshots and frames inside a snapshot frame.
            Snapshot::current().run(|| assert_eq!(seen(), (Some(5), Some(5), Some(5))));
        }
        assert_eq!(seen(), (Some(3), Some(3), Some(3)));
    });
    assert_eq!(seen(), (Some(2), Some(2), Some(2)));
}

#[test]
fn empty_has_nothing() {
    fill(1);
    let empty = Snapshot::empty();
    assert_eq!(empty.run(seen), (None, None, None));
    assert!(empty.run(|| CTX.keys().is_empty() && MAP.is_empty()));
    {
        let _frame = empty.enter();
        assert_eq!(seen(), (None, None, None));
        fill(2);
    }
    assert_eq!(seen(), (Some(1), Some(1), Some(1)));
    assert_eq!(empty.run(seen), (None, None, None));
    assert_eq!(Snapshot::default().run(seen), (None, None, None));
    // Defaults of a map still show: they are not in the context.
    let m = ContextMap::with_defaults([("d", 1)]);
    assert_eq!(empty.run(|| m.get("d")), Some(1));
}

#[test]
fn a_snapshot_taken_in_a_frame_outlives_the_frame() {
    let snap = CTX.run(|| {
        fill(7);
        Snapshot::current()
    });
    assert_eq!(seen(), (None, None, None));
    assert_eq!(snap.run(seen), (Some(7), Some(7), Some(7)));
}

#[test]
fn bind_runs_in_a_fresh_copy_on_another_thread() {
    fill(1);
    let job = Snapshot::current().bind(|| {
        let before = seen();
        fill(2);
        (before, seen())
    });
    fill(3);
    let (on_thread, after_job) = thread::spawn(move || {
        CTX.set("thread's own", true);
        let result = job();
        // The thread's own context is back after the bound closure.
        assert_eq!(seen(), (None, None, None));
        assert_eq!(CTX.keys(), ["thread's own"]);
        (result, CTX.keys())
    })
    .join()
    .unwrap();
    assert_eq!(
        on_thread,
        ((Some(1), Some(1), Some(1)), (Some(2), Some(2), Some(2)))
    );
    assert_eq!(after_job, ["thread's own"]);
    assert_eq!(seen(), (Some(3), Some(3), Some(3)));
}

#[test]
fn bind_fn_gives_each_call_its_own_copy() {
    fill(10);
    let bump = Snapshot::current().bind_fn(|| {
        let n = CTX.get::<u32>("n").unwrap() + 1;
        CTX.set("n", n);
        KEY.set(n);
        (n, KEY.get())
    });
    fill(20);
    assert_eq!(bump(), (11, Some(11)));
    assert_eq!(bump(), (11, Some(11)));
    assert_eq!(seen(), (Some(20), Some(20), Some(20)));
    // Called concurrently from several threads: all start from the snapshot.
    const THREADS: usize = 4;
    let start = Barrier::new(THREADS);
    let results: Vec<_> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| {
                s.spawn(|| {
                    start.wait();
                    (0..10).map(|_| bump()).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in results {
        assert_eq!(r, vec![(11, Some(11)); 10]);
    }
}

#[test]
fn a_snapshot_is_shared_across_threads() {
    fill(5);
    let snap = Snapshot::current();
    thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                assert_eq!(seen(), (None, None, None));
                assert_eq!(snap.run(seen), (Some(5), Some(5), Some(5)));
                snap.run(|| fill(6));
                let _frame = snap.enter();
                assert_eq!(seen(), (Some(5), Some(5), Some(5)));
            });
        }
    });
    assert_eq!(snap.run(seen), (Some(5), Some(5), Some(5)));
}
