//! `#[isolated]` on a plain function: the body runs in a new frame, left on
//! return and on panic.

use std::panic::{AssertUnwindSafe, catch_unwind};

use context_core::{ContextKey, ContextLocal, ContextMap, isolated};

static CTX: ContextLocal = ContextLocal::new();
static KEY: ContextKey<u32> = ContextKey::new("key");
static MAP: ContextMap<u32> = ContextMap::new();

#[isolated(CTX)]
fn set_and_read(x: u32) -> (Option<u32>, u32) {
    let before = CTX.get("value");
    CTX.set("value", x);
    (before, CTX.get("value").unwrap())
}

#[isolated]
fn touches_everything() {
    // Isolation covers the whole context, not just the listed locals.
    KEY.set(9);
    MAP.insert("m", 9);
    CTX.set("value", 9_u32);
}

#[isolated(CTX)]
fn early_return(x: u32) -> Result<u32, String> {
    CTX.set("value", x);
    if x == 0 {
        return Err("zero".into());
    }
    let parsed: u32 = "1".parse().map_err(|_| String::from("parse"))?;
    Ok(x + parsed)
}

#[isolated(CTX)]
fn nested(depth: u32) -> Vec<u32> {
    CTX.set("value", depth);
    let mut seen = if depth < 3 {
        nested(depth + 1)
    } else {
        Vec::new()
    };
    seen.push(CTX.get("value").unwrap());
    seen
}

#[isolated(CTX)]
fn panics(x: u32) {
    CTX.set("value", x);
    panic!("boom");
}

#[test]
fn sees_a_copy_of_the_caller_and_changes_stay_inside() {
    CTX.set("value", 1_u32);
    assert_eq!(set_and_read(2), (Some(1), 2));
    assert_eq!(CTX.get::<u32>("value"), Some(1));
}

#[test]
fn every_local_is_isolated_not_only_the_listed_ones() {
    touches_everything();
    assert_eq!(KEY.get(), None);
    assert!(MAP.is_empty());
    assert!(!CTX.contains("value"));
}

#[test]
fn early_returns_and_question_mark_leave_the_frame() {
    CTX.set("value", 1_u32);
    assert_eq!(early_return(0), Err("zero".into()));
    assert_eq!(CTX.get::<u32>("value"), Some(1));
    assert_eq!(early_return(5), Ok(6));
    assert_eq!(CTX.get::<u32>("value"), Some(1));
}

#[test]
fn nested_calls_each_get_their_own_frame() {
    assert_eq!(nested(0), [3, 2, 1, 0]);
    assert!(!CTX.contains("value"));
}

#[test]
fn a_panic_restores_the_callers_context() {
    CTX.set("value", 1_u32);
    assert!(catch_unwind(AssertUnwindSafe(|| panics(2))).is_err());
    assert_eq!(CTX.get::<u32>("value"), Some(1));
}

/// A re-exporter of `context_core` (as a crate wrapping it would be), whose
/// `__private::enter` counts its calls: proves `crate = path` is what the
/// expansion reaches the runtime through.
mod reexport {
    pub(crate) mod context_core {
        pub(crate) mod __private {
            use std::sync::atomic::{AtomicUsize, Ordering};

            pub(crate) use ::context_core::__private::*;

            pub(crate) static ENTERED: AtomicUsize = AtomicUsize::new(0);

            pub(crate) fn enter() -> ::context_core::FrameGuard {
                ENTERED.fetch_add(1, Ordering::SeqCst);
                ::context_core::__private::enter()
            }
        }
    }
}

#[isolated(CTX, crate = reexport::context_core)]
fn through_a_reexport(x: u32) -> u32 {
    CTX.set("value", x);
    CTX.get("value").unwrap()
}

#[test]
fn crate_override_reaches_the_runtime_through_the_given_path() {
    use std::sync::atomic::Ordering;

    let entered = &reexport::context_core::__private::ENTERED;
    let before = entered.load(Ordering::SeqCst);
    CTX.set("value", 1_u32);
    assert_eq!(through_a_reexport(2), 2);
    assert_eq!(CTX.get::<u32>("value"), Some(1), "still isolated");
    assert_eq!(entered.load(Ordering::SeqCst), before + 1);
}
