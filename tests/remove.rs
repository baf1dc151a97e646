//! `remove` hides a key for the rest of the current frame only: the outer
//! value is visible again when the frame ends. `remove` of an unset key
//! returns false and changes nothing. (`ContextLocal`, both backends, and
//! `ContextKey`; `ContextMap` is in `map_defaults.rs`.)

#[macro_use]
mod support;

use context_core::{ContextKey, ContextLocal, Snapshot};

for_each_backend!(
    remove_hides_for_the_rest_of_the_frame_only,
    remove_in_nested_frames_hides_at_that_level_only,
    remove_of_an_unset_key_returns_false_and_changes_nothing,
    remove_outside_any_frame_deletes_for_good,
    remove_of_a_key_set_in_the_same_frame,
);

fn remove_hides_for_the_rest_of_the_frame_only(
    ctx: &'static ContextLocal,
    other: &'static ContextLocal,
) {
    ctx.set("k", 1_u32);
    ctx.set("keep", 2_u32);
    other.set("k", 3_u32);
    ctx.run(|| {
        assert!(ctx.remove("k"));
        assert!(!ctx.contains("k"));
        assert_eq!(ctx.get::<u32>("k"), None);
        assert_eq!(ctx.keys(), ["keep"]);
        assert_eq!(
            other.get::<u32>("k"),
            Some(3),
            "another local's key was removed"
        );
        assert!(!ctx.remove("k"), "second remove in the same frame");
        // A snapshot taken now does not have it either.
        let snap = Snapshot::current();
        assert!(!snap.run(|| ctx.contains("k")));
        // It can be set again in the frame.
        ctx.set("k", 4_u32);
        assert_eq!(ctx.get::<u32>("k"), Some(4));
        assert!(ctx.remove("k"));
    });
    assert_eq!(ctx.get::<u32>("k"), Some(1));
    assert_eq!(ctx.keys(), ["k", "keep"]);

    {
        let _frame = ctx.enter();
        assert!(ctx.remove("k"));
        assert!(ctx.remove("keep"));
        assert!(ctx.keys().is_empty());
    }
    assert_eq!(ctx.get::<u32>("k"), Some(1));
    assert_eq!(ctx.get::<u32>("keep"), Some(2));
}

fn remove_in_nested_frames_hides_at_that_level_only(
    ctx: &'static ContextLocal,
    _other: &'static ContextLocal,
) {
    ctx.set("k", 0_u32);
    ctx.run(|| {
        ctx.set("k", 1_u32);
        ctx.run(|| {
            assert!(ctx.remove("k"));
            // Frames entered after the remove inherit the hiding.
            ctx.run(|| {
                assert!(!ctx.contains("k"));
                ctx.set("k", 3_u32);
            });
            assert!(!ctx.contains("k"));
        });
        assert_eq!(ctx.get::<u32>("k"), Some(1));
    });
    assert_eq!(ctx.get::<u32>("k"), Some(0));
}

fn remove_of_an_unset_key_returns_false_and_changes_nothing(
    ctx: &'static ContextLocal,
    other: &'static ContextLocal,
) {
    // On an empty namespace.
    assert!(!ctx.remove("missing"));
    assert!(ctx.keys().is_empty());

    ctx.set("a", 1_u32);
    other.set("missing", 2_u32);
    assert!(!ctx.remove("missing"));
    assert_eq!(ctx.keys(), ["a"]);
    assert_eq!(ctx.get::<u32>("a"), Some(1));
    assert_eq!(other.get::<u32>("missing"), Some(2));

    ctx.run(|| {
        assert!(!ctx.remove("missing"));
        assert_eq!(ctx.keys(), ["a"]);
        // The frame still works as a frame.
        ctx.set("b", 3_u32);
    });
    assert_eq!(ctx.keys(), ["a"]);
    assert!(!ctx.remove("missing"));
    assert!(!ctx.contains("missing"));
}

fn remove_outside_any_frame_deletes_for_good(
    ctx: &'static ContextLocal,
    _other: &'static ContextLocal,
) {
    ctx.set("k", 1_u32);
    assert!(ctx.remove("k"));
    assert!(!ctx.contains("k"));
    ctx.run(|| assert!(!ctx.contains("k")));
    assert!(!ctx.contains("k"));
    assert!(!ctx.remove("k"));
}

fn remove_of_a_key_set_in_the_same_frame(
    ctx: &'static ContextLocal,
    _other: &'static ContextLocal,
) {
    ctx.run(|| {
        ctx.set("k", 1_u32);
        assert!(ctx.remove("k"));
        assert!(!ctx.contains("k"));
    });
    assert!(!ctx.contains("k"));
}

#[test]
fn context_key_remove_hides_for_the_frame_only() {
    static KEY: ContextKey<u32> = ContextKey::new("k");
    assert!(!KEY.remove());
    KEY.set(1);
    KEY.run(|| {
        assert!(KEY.remove());
        assert!(!KEY.contains());
        assert_eq!(KEY.get(), None);
        assert!(!KEY.remove());
    });
    assert_eq!(KEY.get(), Some(1));
    assert!(KEY.remove());
    assert!(!KEY.contains());
    assert!(!KEY.remove());
}
