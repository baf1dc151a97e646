//! Access during thread-local teardown never panics or aborts: reads see
//! nothing, writes are dropped, frames do nothing. Covered: another
//! `thread_local!`'s `Drop` touching the context after the context is gone,
//! the same before it is gone, and values stored *in* the context (also in
//! an open frame) whose `Drop` touches the context while it is destroyed.
//! What each `Drop` observed is sent back to the test over a channel.

#[macro_use]
mod support;

use std::cell::RefCell;
use std::sync::mpsc::{Sender, channel};
use std::thread;

use context_core::{ContextKey, ContextLocal, ContextMap, Snapshot};

static KEY: ContextKey<u32> = ContextKey::new("key");
static MAP: ContextMap<u32> = ContextMap::new();

for_each_backend!(
    another_thread_locals_drop_after_the_context_is_gone,
    another_thread_locals_drop_while_the_context_is_alive,
    values_in_the_context_whose_drop_touches_the_context,
);

/// What a `Drop` saw when it read, wrote and entered frames.
#[derive(Debug, PartialEq, Eq)]
struct Observed {
    read: Option<u32>,
    contains: bool,
    keys: Vec<String>,
    key: Option<u32>,
    map: Vec<(String, u32)>,
    read_after_set: Option<u32>,
    key_after_set: Option<u32>,
    map_after_insert: Option<u32>,
    removed: bool,
    in_run: Option<u32>,
    in_enter: Option<u32>,
    in_snapshot: Option<u32>,
    in_key_run: Option<u32>,
    after_frames: Option<u32>,
    snapshot_sees: Option<u32>,
}

impl Observed {
    /// What teardown must look like: nothing there, nothing kept.
    fn nothing() -> Self {
        Observed {
            read: None,
            contains: false,
            keys: vec![],
            key: None,
            map: vec![],
            read_after_set: None,
            key_after_set: None,
            map_after_insert: None,
            removed: false,
            in_run: None,
            in_enter: None,
            in_snapshot: None,
            in_key_run: None,
            after_frames: None,
            snapshot_sees: None,
        }
    }
}

/// Reads, writes and enters frames of every kind; returns what it saw.
fn probe(ctx: &ContextLocal) -> Observed {
    let read = ctx.get::<u32>("k");
    let contains = ctx.contains("k");
    let keys = ctx.keys();
    let key = KEY.get();
    let map = MAP.entries();
    let _ = ctx.try_get::<u32>("k");
    let _ = format!("{ctx:?} {KEY:?} {MAP:?} {:?}", Snapshot::current());
    ctx.set("k", 2_u32);
    let read_after_set = ctx.get::<u32>("k");
    KEY.set(2);
    let key_after_set = KEY.get();
    MAP.insert("m", 2);
    let map_after_insert = MAP.get("m");
    let removed = ctx.remove("k");
    ctx.set("k", 3_u32);
    let in_run = ctx.run(|| {
        ctx.set("k", 4_u32);
        ctx.get::<u32>("k")
    });
    let in_enter = {
        let _frame = ctx.enter();
        ctx.set("k", 5_u32);
        ctx.get::<u32>("k")
    };
    let in_snapshot = Snapshot::empty().run(|| {
        ctx.set("k", 6_u32);
        ctx.get::<u32>("k")
    });
    let in_key_run = KEY.run(|| {
        MAP.clear();
        ctx.set("k", 7_u32);
        ctx.get::<u32>("k")
    });
    let after_frames = ctx.get::<u32>("k");
    let snapshot_sees = Snapshot::current().bind(|| ctx.get::<u32>("k"))();
    Observed {
        read,
        contains,
        keys,
        key,
        map,
        read_after_set,
        key_after_set,
        map_after_insert,
        removed,
        in_run,
        in_enter,
        in_snapshot,
        in_key_run,
        after_frames,
        snapshot_sees,
    }
}

/// Probes the context when dropped and sends what it saw, with a label.
struct Prober {
    label: &'static str,
    ctx: &'static ContextLocal,
    tx: Sender<(&'static str, Observed)>,
}

impl Drop for Prober {
    fn drop(&mut self) {
        let observed = probe(self.ctx);
        // The receiver outlives the thread; ignore a closed channel anyway
        // rather than panic in a destructor.
        let _ = self.tx.send((self.label, observed));
    }
}

thread_local! {
    static PROBER: RefCell<Option<Prober>> = const { RefCell::new(None) };
}

fn fill_context(ctx: &ContextLocal) {
    ctx.set("k", 1_u32);
    KEY.set(1);
    MAP.insert("m", 1);
}

fn another_thread_locals_drop_after_the_context_is_gone(
    ctx: &'static ContextLocal,
    _other: &'static ContextLocal,
) {
    let (tx, rx) = channel();
    thread::spawn(move || {
        // Thread-local destructors run in reverse order of registration:
        // registering PROBER before the context's state means its `Drop`
        // runs after the context has been destroyed.
        PROBER.with(|p| {
            *p.borrow_mut() = Some(Prober {
                label: "prober",
                ctx,
                tx,
            });
        });
        fill_context(ctx);
        assert_eq!(ctx.get::<u32>("k"), Some(1));
    })
    .join()
    .expect("the thread exits cleanly");
    let reports: Vec<_> = rx.try_iter().collect();
    assert_eq!(reports, [("prober", Observed::nothing())]);
}

fn another_thread_locals_drop_while_the_context_is_alive(
    ctx: &'static ContextLocal,
    _other: &'static ContextLocal,
) {
    let (tx, rx) = channel();
    thread::spawn(move || {
        // Context first, PROBER second: PROBER's `Drop` runs first, with the
        // context still there; it behaves as usual.
        fill_context(ctx);
        PROBER.with(|p| {
            *p.borrow_mut() = Some(Prober {
                label: "prober",
                ctx,
                tx,
            });
        });
    })
    .join()
    .expect("the thread exits cleanly");
    let reports: Vec<_> = rx.try_iter().collect();
    let expected = Observed {
        read: Some(1),
        contains: true,
        keys: vec!["k".into()],
        key: Some(1),
        map: vec![("m".into(), 1)],
        read_after_set: Some(2),
        key_after_set: Some(2),
        map_after_insert: Some(2),
        removed: true,
        in_run: Some(4),
        in_enter: Some(5),
        in_snapshot: Some(6),
        in_key_run: Some(7),
        after_frames: Some(3),
        snapshot_sees: Some(3),
    };
    assert_eq!(reports, [("prober", expected)]);
}

fn values_in_the_context_whose_drop_touches_the_context(
    ctx: &'static ContextLocal,
    other: &'static ContextLocal,
) {
    static PROBE_KEY: ContextKey<Prober> = ContextKey::new("probe");
    let (tx, rx) = channel();
    thread::spawn(move || {
        let prober = |label| Prober {
            label,
            ctx,
            tx: tx.clone(),
        };
        fill_context(ctx);
        ctx.set("probe", prober("in ctx"));
        other.set("probe", prober("in other"));
        PROBE_KEY.set(prober("in a key"));
        // A value only reachable from a frame still open at thread exit.
        let outer_frame = ctx.enter();
        ctx.set("probe", prober("in an open frame"));
        // And one only reachable from the frame's saved context.
        let inner_frame = ctx.enter();
        assert!(other.remove("probe"));
        std::mem::forget(inner_frame);
        std::mem::forget(outer_frame);
        ctx.set("nested", vec![prober("in a vec"), prober("in a vec")]);
    })
    .join()
    .expect("the thread exits cleanly");
    let mut reports: Vec<_> = rx.try_iter().collect();
    reports.sort_by_key(|(label, _)| *label);
    let labels: Vec<_> = reports.iter().map(|(label, _)| *label).collect();
    assert_eq!(
        labels,
        [
            "in a key",
            "in a vec",
            "in a vec",
            "in an open frame",
            "in ctx",
            "in other"
        ]
    );
    for (label, observed) in reports {
        assert_eq!(observed, Observed::nothing(), "{label}");
    }
}

#[test]
fn first_touch_of_the_context_during_teardown() {
    static CTX: ContextLocal = ContextLocal::new();
    let (tx, rx) = channel();
    thread::spawn(move || {
        // The context is never used by this thread before PROBER's `Drop`.
        PROBER.with(|p| {
            *p.borrow_mut() = Some(Prober {
                label: "prober",
                ctx: &CTX,
                tx,
            });
        });
    })
    .join()
    .expect("the thread exits cleanly");
    let reports: Vec<_> = rx.try_iter().collect();
    assert_eq!(reports.len(), 1);
    let observed = &reports[0].1;
    // Whether the context can still be created this late is up to the
    // platform; either way it started empty and frames discarded their
    // writes.
    assert_eq!(observed.read, None);
    assert!(observed.keys.is_empty());
    assert_eq!(observed.after_frames, observed.snapshot_sees);
    assert!(
        observed.after_frames.is_none() || observed.after_frames == Some(3),
        "{observed:?}"
    );
    assert!(matches!(observed.in_run, None | Some(4)), "{observed:?}");
}
