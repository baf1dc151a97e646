//! `FrameGuard`: `!Send` and `!Sync` (compile-time), the other public types
//! are `Send + Sync`, and out-of-order drops follow the documented rule:
//! dropping a guard ends its frame and every frame entered after it,
//! restoring the context saved by that guard; dropping a guard whose frame
//! already ended is a no-op, even if new guards were entered in between.

use context_core::{
    Backend, ContextError, ContextKey, ContextLocal, ContextMap, ExecutorError, FrameGuard,
    Snapshot,
};

// --- compile-time checks -------------------------------------------------

/// `<T as AmbiguousIfSend<_>>::some_item` is ambiguous — a compile error —
/// exactly when `T: Send`, because then both impls apply.
trait AmbiguousIfSend<A> {
    fn some_item() {}
}
impl<T: ?Sized> AmbiguousIfSend<()> for T {}
#[allow(dead_code)]
struct IsSend;
impl<T: ?Sized + Send> AmbiguousIfSend<IsSend> for T {}

/// The same for `Sync`.
trait AmbiguousIfSync<A> {
    fn some_item() {}
}
impl<T: ?Sized> AmbiguousIfSync<()> for T {}
#[allow(dead_code)]
struct IsSync;
impl<T: ?Sized + Sync> AmbiguousIfSync<IsSync> for T {}

const _: fn() = || {
    let _ = <FrameGuard as AmbiguousIfSend<_>>::some_item;
    let _ = <FrameGuard as AmbiguousIfSync<_>>::some_item;
};

const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ContextLocal>();
    send_sync::<ContextMap<String>>();
    send_sync::<ContextKey<String>>();
    send_sync::<Snapshot>();
    send_sync::<Backend>();
    send_sync::<ContextError>();
    send_sync::<ExecutorError>();
};

// --- out-of-order drops --------------------------------------------------

static CTX: ContextLocal = ContextLocal::new();
static KEY: ContextKey<u32> = ContextKey::new("key");

fn level() -> Option<u32> {
    CTX.get("level")
}

/// Enters a frame and marks it with `n` in a local and in a key.
fn enter(n: u32) -> FrameGuard {
    let guard = CTX.enter();
    CTX.set("level", n);
    KEY.set(n);
    guard
}

fn assert_level(n: u32) {
    assert_eq!(level(), Some(n));
    assert_eq!(KEY.get(), Some(n));
}

#[test]
fn dropping_an_outer_guard_ends_every_frame_entered_after_it() {
    CTX.set("level", 0_u32);
    KEY.set(0);
    let g1 = enter(1);
    let g2 = enter(2);
    let g3 = enter(3);
    drop(g1);
    assert_level(0);
    drop(g3); // already ended: no-op
    assert_level(0);
    drop(g2); // already ended: no-op
    assert_level(0);
}

#[test]
fn dropping_a_middle_guard_restores_what_it_saved() {
    CTX.set("level", 0_u32);
    KEY.set(0);
    let g1 = enter(1);
    let g2 = enter(2);
    let g3 = enter(3);
    drop(g2);
    assert_level(1);
    drop(g3);
    assert_level(1);
    // The stack is intact: new frames nest under g1.
    let g4 = enter(4);
    assert_level(4);
    drop(g4);
    assert_level(1);
    drop(g1);
    assert_level(0);
}

#[test]
fn a_stale_guard_is_a_no_op_even_after_new_guards_were_entered() {
    CTX.set("level", 0_u32);
    KEY.set(0);
    let g1 = enter(1);
    let g2 = enter(2);
    drop(g1);
    assert_level(0);
    // New guards take the same stack positions as g1 and g2.
    let g3 = enter(3);
    let g4 = enter(4);
    drop(g2); // stale, at g4's position: must not end g4
    assert_level(4);
    drop(g4);
    assert_level(3);
    let g5 = enter(5);
    drop(stale_guard()); // stale from birth, at the position above g5
    assert_level(5);
    drop(g5);
    assert_level(3);
    drop(g3);
    assert_level(0);
}

/// A guard entered and ended by dropping an outer one: stale from birth.
fn stale_guard() -> FrameGuard {
    let outer = CTX.enter();
    let inner = CTX.enter();
    drop(outer);
    inner
}

#[test]
fn a_vec_of_guards_dropped_front_to_back() {
    CTX.set("level", 0_u32);
    KEY.set(0);
    // `Vec` drops its elements first to last: the outermost guard first.
    let guards: Vec<FrameGuard> = (1..=100).map(enter).collect();
    assert_level(100);
    drop(guards);
    assert_level(0);
    let g = enter(7);
    assert_level(7);
    drop(g);
    assert_level(0);
}

#[test]
fn a_guard_escaping_its_run_is_ended_with_the_run() {
    CTX.set("level", 0_u32);
    KEY.set(0);
    let escaped = CTX.run(|| {
        CTX.set("level", 1_u32);
        enter(2)
    });
    assert_level(0);
    let g = enter(3);
    drop(escaped); // stale
    assert_level(3);
    drop(g);
    assert_level(0);
}

#[test]
fn a_forgotten_guard_is_ended_by_the_enclosing_frame() {
    CTX.set("level", 0_u32);
    KEY.set(0);
    CTX.run(|| {
        std::mem::forget(enter(1));
        std::mem::forget(enter(2));
        assert_level(2);
    });
    assert_level(0);
    let g = enter(3);
    assert_level(3);
    drop(g);
    assert_level(0);
}

#[test]
fn guards_of_every_kind_mix() {
    static MAP: ContextMap<u32> = ContextMap::new();
    CTX.set("level", 0_u32);
    let a = KEY.enter();
    CTX.set("level", 1_u32);
    let b = MAP.enter();
    CTX.set("level", 2_u32);
    let c = Snapshot::empty().enter();
    assert_eq!(level(), None);
    let d = CTX.enter();
    drop(b);
    assert_eq!(level(), Some(1));
    drop(d);
    drop(c);
    assert_eq!(level(), Some(1));
    drop(a);
    assert_eq!(level(), Some(0));
}

#[test]
fn frame_guard_debug() {
    let g = CTX.enter();
    assert!(format!("{g:?}").starts_with("FrameGuard"));
}
