//! User code (`Drop` and `Clone` impls) never runs while the library holds a
//! borrow of the context: a value whose `Drop` reads AND writes the context
//! (and enters a frame) can be dropped by an overwrite, a `remove`, a frame
//! ending, or `ContextMap::clear`; a value whose `Clone` does the same can be
//! read. Were a borrow held, the nested reads would see nothing and the
//! nested writes would be lost — each test asserts what the user code saw.

#[macro_use]
mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use context_core::{ContextKey, ContextLocal, ContextMap, Snapshot};

for_each_backend!(
    drop_on_overwrite_with_set,
    drop_on_remove,
    drop_when_a_frame_ends,
    drop_when_a_frame_ends_by_panic,
    drop_when_an_out_of_order_guard_ends_several_frames,
    clone_during_get,
    clone_that_removes_the_key_it_is_read_from,
);

/// What a reentrant `Drop` or `Clone` saw.
#[derive(Debug, PartialEq, Eq)]
struct Saw {
    label: &'static str,
    /// `ctx["k"]` when the user code ran.
    k: Option<u32>,
    /// Whether the value's own key was still visible.
    own_key_visible: bool,
    /// What the user code wrote to `ctx["written"]`, read back.
    read_back: Option<&'static str>,
    /// A frame entered by the user code saw its own write.
    in_frame: Option<u32>,
}

/// Reads, writes and enters a frame; reports under `label`.
fn reenter(ctx: &ContextLocal, label: &'static str, own_key: &str, tx: &Sender<Saw>) {
    let k = ctx.get::<u32>("k");
    let own_key_visible = ctx.contains(own_key);
    ctx.set("written", label);
    let read_back = ctx.get::<&'static str>("written");
    let in_frame = ctx.run(|| {
        ctx.set("k", 99_u32);
        ctx.get::<u32>("k")
    });
    let _ = tx.send(Saw {
        label,
        k,
        own_key_visible,
        read_back,
        in_frame,
    });
}

/// Reenters the context when dropped.
struct DropProbe {
    ctx: &'static ContextLocal,
    label: &'static str,
    own_key: &'static str,
    tx: Sender<Saw>,
}

impl Drop for DropProbe {
    fn drop(&mut self) {
        reenter(self.ctx, self.label, self.own_key, &self.tx);
    }
}

/// Reenters the context when cloned.
struct CloneProbe {
    ctx: &'static ContextLocal,
    label: &'static str,
    own_key: &'static str,
    remove_own_key: bool,
    tx: Sender<Saw>,
}

impl Clone for CloneProbe {
    fn clone(&self) -> Self {
        reenter(self.ctx, self.label, self.own_key, &self.tx);
        if self.remove_own_key {
            self.ctx.remove(self.own_key);
        }
        CloneProbe {
            ctx: self.ctx,
            label: self.label,
            own_key: self.own_key,
            remove_own_key: self.remove_own_key,
            tx: self.tx.clone(),
        }
    }
}

fn drop_probe(
    ctx: &'static ContextLocal,
    label: &'static str,
    own_key: &'static str,
) -> (DropProbe, Receiver<Saw>) {
    let (tx, rx) = channel();
    (
        DropProbe {
            ctx,
            label,
            own_key,
            tx,
        },
        rx,
    )
}

/// The user code ran exactly once, saw `k`, and its write and frame worked.
fn assert_saw(rx: &Receiver<Saw>, label: &'static str, k: Option<u32>, own_key_visible: bool) {
    let saw: Vec<Saw> = rx.try_iter().collect();
    assert_eq!(
        saw,
        [Saw {
            label,
            k,
            own_key_visible,
            read_back: Some(label),
            in_frame: Some(99),
        }]
    );
}

/// The user code's write landed in the current context; its frame did not leak.
fn assert_write_landed(ctx: &ContextLocal, label: &'static str, k: Option<u32>) {
    assert_eq!(ctx.get::<&'static str>("written"), Some(label));
    assert_eq!(ctx.get::<u32>("k"), k);
}

fn drop_on_overwrite_with_set(ctx: &'static ContextLocal, _other: &'static ContextLocal) {
    ctx.set("k", 7_u32);
    let (probe, rx) = drop_probe(ctx, "top-level overwrite", "v");
    ctx.set("v", probe);
    ctx.set("v", 0_u32);
    // Overwritten: the new value is visible, the old one's own key too.
    assert_saw(&rx, "top-level overwrite", Some(7), true);
    assert_write_landed(ctx, "top-level overwrite", Some(7));
    assert_eq!(ctx.get::<u32>("v"), Some(0));

    ctx.run(|| {
        ctx.set("k", 8_u32);
        let (probe, rx) = drop_probe(ctx, "overwrite in a frame", "v");
        ctx.set("v", probe);
        ctx.set("v", 1_u32);
        assert_saw(&rx, "overwrite in a frame", Some(8), true);
        assert_write_landed(ctx, "overwrite in a frame", Some(8));
    });
}

fn drop_on_remove(ctx: &'static ContextLocal, _other: &'static ContextLocal) {
    ctx.set("k", 7_u32);
    let (probe, rx) = drop_probe(ctx, "remove", "v");
    ctx.set("v", probe);
    assert!(ctx.remove("v"));
    assert_saw(&rx, "remove", Some(7), false);
    assert_write_landed(ctx, "remove", Some(7));
    assert!(!ctx.contains("v"));
}

fn drop_when_a_frame_ends(ctx: &'static ContextLocal, other: &'static ContextLocal) {
    static KEY: ContextKey<u8> = ContextKey::new("key");
    ctx.set("k", 7_u32);
    type Ender = (
        &'static str,
        fn(&'static ContextLocal, &'static ContextLocal, &dyn Fn()),
    );
    let enders: [Ender; 6] = [
        ("ContextLocal::run", |ctx, _, f| ctx.run(f)),
        ("ContextLocal::enter", |ctx, _, f| {
            let _frame = ctx.enter();
            f();
        }),
        ("another local's run", |_, other, f| other.run(f)),
        ("ContextKey::run", |_, _, f| KEY.run(f)),
        ("Snapshot::run", |_, _, f| Snapshot::current().run(f)),
        ("Snapshot::bind_fn", |_, _, f| {
            Snapshot::current().bind_fn(f)()
        }),
    ];
    for (label, end) in enders {
        let (tx, rx) = channel();
        end(ctx, other, &|| {
            ctx.set("k", 8_u32);
            ctx.set(
                "v",
                DropProbe {
                    ctx,
                    label,
                    own_key: "v",
                    tx: tx.clone(),
                },
            );
        });
        // Dropped with the frame's context, once the outer one is back.
        assert_saw(&rx, label, Some(7), false);
        assert_write_landed(ctx, label, Some(7));
    }
}

fn drop_when_a_frame_ends_by_panic(ctx: &'static ContextLocal, _other: &'static ContextLocal) {
    ctx.set("k", 7_u32);
    let (probe, rx) = drop_probe(ctx, "panic", "v");
    let result = catch_unwind(AssertUnwindSafe(move || {
        ctx.run(move || {
            ctx.set("v", probe);
            panic!("boom");
        })
    }));
    assert!(result.is_err());
    assert_saw(&rx, "panic", Some(7), false);
    assert_write_landed(ctx, "panic", Some(7));
}

fn drop_when_an_out_of_order_guard_ends_several_frames(
    ctx: &'static ContextLocal,
    _other: &'static ContextLocal,
) {
    ctx.set("k", 7_u32);
    let (outer_probe, outer_rx) = drop_probe(ctx, "outer frame", "outer");
    let (inner_probe, inner_rx) = drop_probe(ctx, "inner frame", "inner");
    let outer = ctx.enter();
    ctx.set("outer", outer_probe);
    let inner = ctx.enter();
    ctx.set("k", 8_u32);
    ctx.set("inner", inner_probe);
    // Ends both frames; both probes are dropped, in the restored context.
    drop(outer);
    assert_saw(&outer_rx, "outer frame", Some(7), false);
    assert_saw(&inner_rx, "inner frame", Some(7), false);
    let written = ctx.get::<&str>("written");
    assert!(
        matches!(written, Some("outer frame" | "inner frame")),
        "{written:?}"
    );
    drop(inner);
    assert_eq!(ctx.get::<&str>("written"), written);
    assert_eq!(ctx.get::<u32>("k"), Some(7));
}

fn clone_during_get(ctx: &'static ContextLocal, _other: &'static ContextLocal) {
    let (tx, rx) = channel();
    ctx.set("k", 7_u32);
    ctx.set(
        "p",
        CloneProbe {
            ctx,
            label: "get",
            own_key: "p",
            remove_own_key: false,
            tx,
        },
    );
    let got: Option<CloneProbe> = ctx.get("p");
    assert!(got.is_some());
    assert_saw(&rx, "get", Some(7), true);
    assert_write_landed(ctx, "get", Some(7));

    let got = ctx.try_get::<CloneProbe>("p");
    assert!(got.is_ok());
    assert_saw(&rx, "get", Some(7), true);
}

fn clone_that_removes_the_key_it_is_read_from(
    ctx: &'static ContextLocal,
    _other: &'static ContextLocal,
) {
    let (tx, rx) = channel();
    ctx.set("k", 7_u32);
    ctx.set(
        "p",
        CloneProbe {
            ctx,
            label: "self-removing",
            own_key: "p",
            remove_own_key: true,
            tx,
        },
    );
    let got: Option<CloneProbe> = ctx.get("p");
    assert_eq!(got.map(|p| p.label), Some("self-removing"));
    assert_saw(&rx, "self-removing", Some(7), true);
    assert!(!ctx.contains("p"));
    assert_write_landed(ctx, "self-removing", Some(7));
}

static CTX: ContextLocal = ContextLocal::new();

#[test]
fn context_map_clear_and_frame_end_drop_outside_the_borrow() {
    static MAP: ContextMap<Arc<DropProbe>> = ContextMap::new();
    CTX.set("k", 7_u32);

    let (probe, rx) = drop_probe(&CTX, "clear", "v");
    MAP.insert("v", Arc::new(probe));
    MAP.clear();
    assert_saw(&rx, "clear", Some(7), false);
    assert_write_landed(&CTX, "clear", Some(7));

    let (probe, rx) = drop_probe(&CTX, "clear in a frame", "v");
    MAP.run(|| {
        MAP.insert("v", Arc::new(probe));
        MAP.clear();
        assert_saw(&rx, "clear in a frame", Some(7), false);
    });

    let (probe, rx) = drop_probe(&CTX, "map frame end", "v");
    MAP.run(|| {
        MAP.insert("v", Arc::new(probe));
    });
    assert_saw(&rx, "map frame end", Some(7), false);
    assert_write_landed(&CTX, "map frame end", Some(7));

    // A map with defaults: `clear` replaces the space with hidden entries.
    let with_defaults =
        ContextMap::with_defaults([("d", Arc::new(drop_probe(&CTX, "default", "v").0))]);
    let (probe, rx) = drop_probe(&CTX, "clear with defaults", "v");
    with_defaults.insert("v", Arc::new(probe));
    with_defaults.clear();
    assert_saw(&rx, "clear with defaults", Some(7), false);
    assert_write_landed(&CTX, "clear with defaults", Some(7));
}

#[test]
fn context_key_overwrite_and_remove_drop_outside_the_borrow() {
    static KEY: ContextKey<DropProbe> = ContextKey::new("key");
    CTX.set("k", 7_u32);

    let (probe, rx) = drop_probe(&CTX, "key overwrite", "v");
    KEY.set(probe);
    KEY.set(drop_probe(&CTX, "unused", "v").0);
    assert_saw(&rx, "key overwrite", Some(7), false);
    assert_write_landed(&CTX, "key overwrite", Some(7));

    assert!(KEY.remove()); // drops "unused"
    assert_eq!(CTX.get::<&str>("written"), Some("unused"));
}

#[test]
fn clone_during_reads_of_keys_and_maps() {
    static KEY: ContextKey<CloneProbe> = ContextKey::new("key");
    static MAP: ContextMap<CloneProbe> = ContextMap::new();
    let (tx, rx) = channel();
    let probe = |label| CloneProbe {
        ctx: &CTX,
        label,
        own_key: "p",
        remove_own_key: false,
        tx: tx.clone(),
    };
    CTX.set("k", 7_u32);

    KEY.set(probe("key get"));
    assert!(KEY.get().is_some());
    assert_saw(&rx, "key get", Some(7), false);
    assert_write_landed(&CTX, "key get", Some(7));

    MAP.insert("a", probe("map get"));
    assert!(MAP.get("a").is_some());
    assert_saw(&rx, "map get", Some(7), false);
    assert_eq!(MAP.values().len(), 1);
    assert_saw(&rx, "map get", Some(7), false);
    assert_eq!(MAP.entries().len(), 1);
    assert_saw(&rx, "map get", Some(7), false);
    assert_eq!(
        MAP.get_or_insert_with("a", || unreachable!()).label,
        "map get"
    );
    assert_saw(&rx, "map get", Some(7), false);
    assert_eq!(MAP.remove("a").map(|p| p.label), Some("map get"));
    assert_saw(&rx, "map get", Some(7), false);

    let with_defaults = ContextMap::with_defaults([("d", probe("default get"))]);
    assert!(with_defaults.get("d").is_some());
    assert_saw(&rx, "default get", Some(7), false);
    assert_write_landed(&CTX, "default get", Some(7));
}
