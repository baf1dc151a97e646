//! `#[isolated]` on functions returning iterators: building the iterator and
//! every `next` run in the iterator's own frame.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use context_core::{ContextLocal, isolated};

static CTX: ContextLocal = ContextLocal::new();

/// extracontext's generator example: each iterator sets `value` once, and
/// must still see its own value on its later steps.
#[isolated(CTX)]
fn contexted(value: u32) -> impl Iterator<Item = Option<u32>> {
    let mut step = 0;
    std::iter::from_fn(move || {
        step += 1;
        match step {
            1 => {
                CTX.set("value", value);
                Some(None)
            }
            2..=3 => Some(CTX.get("value")),
            _ => None,
        }
    })
}

/// The body (building the iterator) runs in the iterator's frame too.
#[isolated(CTX)]
fn built_in_frame() -> Box<dyn Iterator<Item = Option<&'static str>>> {
    CTX.set("built", "yes");
    Box::new(std::iter::once_with(|| CTX.get("built")))
}

#[isolated(CTX)]
fn counter(n: u32) -> impl DoubleEndedIterator<Item = u32> + ExactSizeIterator {
    (0..n).map(|i| {
        let seen: u32 = CTX.get("count").unwrap_or(0);
        CTX.set("count", seen + 1);
        i * 10 + seen
    })
}

#[isolated(CTX)]
fn panics_on_second() -> impl Iterator<Item = u32> {
    (1..).inspect(|&i| {
        CTX.set("value", i);
        assert!(i < 2, "boom");
    })
}

struct Probe(Arc<Mutex<Option<u32>>>);

impl Drop for Probe {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = CTX.get("value");
    }
}

#[isolated(CTX)]
fn with_probe(probe: Probe) -> impl Iterator<Item = u32> {
    CTX.set("value", 7_u32);
    let probe = probe;
    (0..10).inspect(move |_| {
        let _ = &probe;
    })
}

#[test]
fn values_persist_between_steps_and_never_reach_the_caller() {
    CTX.set("value", 100_u32);
    let mut gen1 = contexted(1);
    assert_eq!(gen1.next(), Some(None));
    assert_eq!(CTX.get::<u32>("value"), Some(100));
    assert_eq!(gen1.next(), Some(Some(1)));
    assert_eq!(gen1.next(), Some(Some(1)));
    assert_eq!(gen1.next(), None);
    assert_eq!(CTX.get::<u32>("value"), Some(100));
}

#[test]
fn interleaved_iterators_keep_their_own_values() {
    let mut gen1 = contexted(1);
    let mut gen2 = contexted(2);
    assert_eq!(gen1.next(), Some(None));
    assert_eq!(gen2.next(), Some(None));
    assert_eq!(gen1.next(), Some(Some(1)));
    assert_eq!(gen2.next(), Some(Some(2)));
    assert_eq!(CTX.get::<u32>("value"), None);
    assert_eq!(gen2.next(), Some(Some(2)));
    assert_eq!(gen1.next(), Some(Some(1)));
}

#[test]
fn the_body_runs_in_the_iterators_frame() {
    let mut it = built_in_frame();
    assert_eq!(CTX.get::<&str>("built"), None);
    assert_eq!(it.next(), Some(Some("yes")));
}

#[test]
fn double_ended_and_exact_size_are_forwarded_and_share_the_frame() {
    let mut it = counter(4);
    assert_eq!(it.len(), 4);
    assert_eq!(it.next(), Some(0));
    assert_eq!(it.next_back(), Some(31));
    assert_eq!(it.next(), Some(12));
    assert_eq!(it.len(), 1);
    assert!(!CTX.contains("count"));
}

#[test]
fn a_panic_in_next_restores_the_callers_context() {
    CTX.set("value", 100_u32);
    let mut it = panics_on_second();
    assert_eq!(it.next(), Some(1));
    assert!(catch_unwind(AssertUnwindSafe(|| it.next())).is_err());
    assert_eq!(CTX.get::<u32>("value"), Some(100));
}

#[test]
fn dropping_an_unfinished_iterator_runs_its_drops_in_its_frame() {
    CTX.set("value", 100_u32);
    let seen = Arc::new(Mutex::new(None));
    let mut it = with_probe(Probe(seen.clone()));
    assert_eq!(it.next(), Some(0));
    drop(it);
    assert_eq!(*seen.lock().unwrap(), Some(7));
    assert_eq!(CTX.get::<u32>("value"), Some(100));
}
