//! A frame that ends by panic discards its changes like one that returns:
//! `run` / `enter` of every type, caught with `catch_unwind`, at any depth,
//! and the frame stack keeps working afterwards.

#[macro_use]
mod support;

use std::panic::{AssertUnwindSafe, catch_unwind};

use context_core::{ContextKey, ContextLocal, ContextMap, Snapshot};

static KEY: ContextKey<u64> = ContextKey::new("key");
static MAP: ContextMap<u64> = ContextMap::new();

for_each_backend!(
    a_panicking_frame_of_any_kind_discards_its_changes,
    a_panic_deep_inside_nested_frames_unwinds_each_of_them,
    a_panic_caught_inside_a_frame_keeps_that_frame,
);

fn frame_kinds() -> Vec<support::FrameKind> {
    let mut kinds = support::copy_frame_kinds();
    kinds.push(("Snapshot::empty().run", |_, f| Snapshot::empty().run(f)));
    kinds
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("<non-string payload>")
}

fn a_panicking_frame_of_any_kind_discards_its_changes(
    ctx: &'static ContextLocal,
    other: &'static ContextLocal,
) {
    ctx.set("k", 1_u32);
    ctx.set("gone", 1_u32);
    other.set("k", 2_u32);
    KEY.set(3);
    MAP.insert("m", 4);
    for (what, frame) in frame_kinds() {
        let result = catch_unwind(AssertUnwindSafe(|| {
            frame(ctx, &|| {
                ctx.set("k", 10_u32);
                ctx.remove("gone");
                ctx.set("new", 11_u32);
                other.set("k", "retyped");
                KEY.set(30);
                MAP.insert("m", 40);
                MAP.insert("new", 41);
                panic!("boom in {what}");
            });
        }));
        let payload = result.expect_err("the panic must propagate");
        assert_eq!(panic_message(&*payload), format!("boom in {what}"));

        assert_eq!(ctx.get::<u32>("k"), Some(1), "{what}");
        assert_eq!(ctx.keys(), ["gone", "k"], "{what}");
        assert_eq!(other.get::<u32>("k"), Some(2), "{what}");
        assert_eq!(KEY.get(), Some(3), "{what}");
        assert_eq!(MAP.entries(), [("m".to_string(), 4)], "{what}");

        // The frame stack still works.
        let guard = ctx.enter();
        ctx.set("k", 5_u32);
        ctx.run(|| ctx.set("k", 6_u32));
        assert_eq!(ctx.get::<u32>("k"), Some(5), "{what}");
        drop(guard);
        assert_eq!(ctx.get::<u32>("k"), Some(1), "{what}");
    }
}

fn a_panic_deep_inside_nested_frames_unwinds_each_of_them(
    ctx: &'static ContextLocal,
    other: &'static ContextLocal,
) {
    fn nest(ctx: &ContextLocal, other: &ContextLocal, level: u32, panic_at: u32) {
        if level == panic_at {
            panic!("deep");
        }
        let run_it = || {
            ctx.set("level", level);
            other.set("level", level);
            KEY.set(u64::from(level));
            nest(ctx, other, level + 1, panic_at);
        };
        // Alternate between run and enter so both unwind.
        if level % 2 == 0 {
            ctx.run(run_it);
        } else {
            let _frame = ctx.enter();
            run_it();
        }
    }
    ctx.set("level", 0_u32);
    let caught = catch_unwind(AssertUnwindSafe(|| {
        ctx.run(|| {
            ctx.set("level", 100_u32);
            let inner = catch_unwind(AssertUnwindSafe(|| nest(ctx, other, 101, 300)));
            assert!(inner.is_err());
            // Caught at level 100: that frame's values are intact.
            assert_eq!(ctx.get::<u32>("level"), Some(100));
            assert!(!other.contains("level"));
            assert_eq!(KEY.get(), None);
            nest(ctx, other, 101, 200);
        });
    }));
    assert!(caught.is_err());
    assert_eq!(ctx.get::<u32>("level"), Some(0));
    assert!(!other.contains("level"));
    assert!(!KEY.contains());
}

fn a_panic_caught_inside_a_frame_keeps_that_frame(
    ctx: &'static ContextLocal,
    _other: &'static ContextLocal,
) {
    ctx.run(|| {
        ctx.set("k", 1_u32);
        let r = catch_unwind(AssertUnwindSafe(|| {
            // A panic outside any inner frame: its writes are in the
            // enclosing frame and survive the panic, like any write.
            ctx.set("k", 2_u32);
            panic!("no frame here");
        }));
        assert!(r.is_err());
        assert_eq!(ctx.get::<u32>("k"), Some(2));
    });
    assert!(!ctx.contains("k"));
}
