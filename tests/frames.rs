//! Frames: `run` / `enter` of `ContextLocal`, `ContextMap`, `ContextKey` and
//! `Snapshot` discard every change made inside — to any local, key or map —
//! when they end, nest, and are re-entrant to any depth (10,000 levels).

#[macro_use]
mod support;

use context_core::{ContextKey, ContextLocal, ContextMap, Snapshot};

static KEY: ContextKey<u64> = ContextKey::new("key");
static MAP: ContextMap<u64> = ContextMap::new();

for_each_backend!(
    every_kind_of_frame_discards_every_change,
    frames_nest_and_each_level_sees_its_own_values,
    ten_thousand_nested_guards,
    ten_thousand_nested_runs,
    a_frame_starts_as_a_copy_of_the_current_context,
    writes_outside_any_frame_persist,
);

fn frame_kinds() -> Vec<support::FrameKind> {
    let mut kinds = support::copy_frame_kinds();
    kinds.push(("ContextLocal::run of another local", |_, f| {
        ContextLocal::new().run(f);
    }));
    kinds
}

/// The state set up before each frame.
fn set_outer(ctx: &ContextLocal, other: &ContextLocal) {
    ctx.set("a", 1_u32);
    ctx.set("b", String::from("outer"));
    other.set("a", 10_u32);
    KEY.set(100);
    MAP.insert("m", 1000);
}

fn assert_outer(ctx: &ContextLocal, other: &ContextLocal, what: &str) {
    assert_eq!(ctx.get::<u32>("a"), Some(1), "{what}");
    assert_eq!(ctx.get::<String>("b").as_deref(), Some("outer"), "{what}");
    assert_eq!(ctx.keys(), ["a", "b"], "{what}");
    assert_eq!(other.get::<u32>("a"), Some(10), "{what}");
    assert_eq!(other.keys(), ["a"], "{what}");
    assert_eq!(KEY.get(), Some(100), "{what}");
    assert_eq!(MAP.entries(), [("m".to_string(), 1000)], "{what}");
}

/// Changes every namespace in every way: overwrite, add, remove, retype.
fn change_everything(ctx: &ContextLocal, other: &ContextLocal) {
    ctx.set("a", 2_u32);
    assert!(ctx.remove("b"));
    ctx.set("new", 3_u32);
    other.set("a", "retyped");
    other.set("new", 4_u32);
    KEY.set(200);
    assert_eq!(MAP.insert("m", 2000), Some(1000));
    MAP.insert("new", 5);
    // The changes are visible inside the frame.
    assert_eq!(ctx.keys(), ["a", "new"]);
    assert_eq!(ctx.get::<u32>("a"), Some(2));
    assert_eq!(other.get::<&str>("a"), Some("retyped"));
    assert_eq!(KEY.get(), Some(200));
    assert_eq!(MAP.keys(), ["m", "new"]);
}

fn every_kind_of_frame_discards_every_change(
    ctx: &'static ContextLocal,
    other: &'static ContextLocal,
) {
    set_outer(ctx, other);
    for (what, frame) in frame_kinds() {
        frame(ctx, &|| {
            assert_outer(ctx, other, &format!("{what}: a frame starts as a copy"));
            change_everything(ctx, other);
        });
        assert_outer(ctx, other, &format!("after {what}"));

        // Also when the frame clears namespaces entirely.
        frame(ctx, &|| {
            MAP.clear();
            assert!(KEY.remove());
            assert!(ctx.remove("a") && ctx.remove("b") && other.remove("a"));
            assert!(ctx.keys().is_empty() && other.keys().is_empty() && MAP.is_empty());
        });
        assert_outer(ctx, other, &format!("after clearing in {what}"));
    }
}

fn frames_nest_and_each_level_sees_its_own_values(
    ctx: &'static ContextLocal,
    other: &'static ContextLocal,
) {
    ctx.set("level", 0_u32);
    ctx.run(|| {
        ctx.set("level", 1_u32);
        other.set("set_at_1", true);
        let guard = KEY.enter();
        ctx.set("level", 2_u32);
        KEY.set(2);
        MAP.run(|| {
            ctx.set("level", 3_u32);
            assert!(other.remove("set_at_1"));
            Snapshot::current().run(|| {
                ctx.set("level", 4_u32);
                assert_eq!(KEY.get(), Some(2));
                assert!(!other.contains("set_at_1"));
            });
            assert_eq!(ctx.get::<u32>("level"), Some(3));
            assert!(!other.contains("set_at_1"));
        });
        assert_eq!(ctx.get::<u32>("level"), Some(2));
        assert_eq!(other.get::<bool>("set_at_1"), Some(true));
        drop(guard);
        assert_eq!(ctx.get::<u32>("level"), Some(1));
        assert_eq!(KEY.get(), None);
    });
    assert_eq!(ctx.get::<u32>("level"), Some(0));
    assert!(!other.contains("set_at_1"));
}

const DEPTH: u64 = 10_000;

fn level_key(level: u64) -> Option<String> {
    // A level key every 100 levels keeps the Copying backend's per-frame
    // copies small while still checking keys added at many depths.
    (level % 100 == 0).then(|| format!("level{level}"))
}

fn enter_level(ctx: &ContextLocal, other: &ContextLocal, level: u64) {
    ctx.set("depth", level);
    KEY.set(level);
    if let Some(key) = level_key(level) {
        ctx.set(&key, level);
        MAP.insert(&key, level);
    }
    if level % 2 == 0 {
        other.set("even", level);
    } else {
        other.remove("even");
    }
}

fn assert_level(ctx: &ContextLocal, other: &ContextLocal, level: u64) {
    assert_eq!(ctx.get::<u64>("depth"), Some(level));
    assert_eq!(KEY.get(), Some(level));
    let above = level + 1;
    if let Some(key) = level_key(above) {
        assert!(!ctx.contains(&key), "{key} visible at level {level}");
        assert!(!MAP.contains_key(&key), "{key} visible at level {level}");
    }
    let last = level - level % 100;
    let key = level_key(last).unwrap();
    assert_eq!(ctx.get::<u64>(&key), Some(last), "level {level}");
    assert_eq!(MAP.get(&key), Some(last), "level {level}");
    assert_eq!(MAP.len() as u64, last / 100 + 1, "level {level}");
    let even = if level % 2 == 0 { Some(level) } else { None };
    assert_eq!(other.get::<u64>("even"), even, "level {level}");
}

fn ten_thousand_nested_guards(ctx: &'static ContextLocal, other: &'static ContextLocal) {
    enter_level(ctx, other, 0);
    let mut guards = Vec::with_capacity(DEPTH as usize);
    for level in 1..=DEPTH {
        guards.push(ctx.enter());
        assert_level(ctx, other, level - 1);
        enter_level(ctx, other, level);
        assert_level(ctx, other, level);
    }
    for level in (1..=DEPTH).rev() {
        assert_level(ctx, other, level);
        drop(guards.pop());
        assert_level(ctx, other, level - 1);
    }
    assert_level(ctx, other, 0);
}

fn ten_thousand_nested_runs(ctx: &'static ContextLocal, other: &'static ContextLocal) {
    fn nest(ctx: &ContextLocal, other: &ContextLocal, level: u64) {
        if level > DEPTH {
            return;
        }
        ctx.run(|| {
            assert_level(ctx, other, level - 1);
            enter_level(ctx, other, level);
            nest(ctx, other, level + 1);
            assert_level(ctx, other, level);
        });
        assert_level(ctx, other, level - 1);
    }
    // Recursion 10,000 deep needs more than the default test-thread stack in
    // debug builds.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            enter_level(ctx, other, 0);
            nest(ctx, other, 1);
            assert_level(ctx, other, 0);
        })
        .unwrap()
        .join()
        .unwrap();
}

fn a_frame_starts_as_a_copy_of_the_current_context(
    ctx: &'static ContextLocal,
    _other: &'static ContextLocal,
) {
    ctx.set("k", vec![1_u8]);
    ctx.run(|| {
        // The copy shares the value: the same Arc until written.
        assert_eq!(ctx.get::<Vec<u8>>("k"), Some(vec![1]));
        let mut v = ctx.get::<Vec<u8>>("k").unwrap();
        v.push(2);
        ctx.set("k", v);
        assert_eq!(ctx.get::<Vec<u8>>("k"), Some(vec![1, 2]));
        // A frame entered here copies this frame, not the outermost one.
        ctx.run(|| assert_eq!(ctx.get::<Vec<u8>>("k"), Some(vec![1, 2])));
    });
    assert_eq!(ctx.get::<Vec<u8>>("k"), Some(vec![1]));
}

fn writes_outside_any_frame_persist(ctx: &'static ContextLocal, other: &'static ContextLocal) {
    ctx.set("k", 1_u8);
    ctx.run(|| {});
    {
        let _frame = other.enter();
    }
    assert_eq!(ctx.get::<u8>("k"), Some(1));
    ctx.set("k", 2_u8);
    assert_eq!(ctx.get::<u8>("k"), Some(2));
    // `run` returns the closure's value.
    assert_eq!(ctx.run(|| ctx.get::<u8>("k").map(|k| k + 1)), Some(3));
}
