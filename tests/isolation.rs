//! Values are per namespace and per thread: two locals (static or created at
//! run time, of any backend, and keys and maps) never see each other's
//! values, and every thread has its own context, starting empty.

#[macro_use]
mod support;

use std::sync::{Arc, Barrier};
use std::thread;

use context_core::{Backend, ContextKey, ContextLocal, ContextMap};

for_each_backend!(
    two_statics_never_see_each_others_keys,
    runtime_locals_are_their_own_namespaces,
    a_new_thread_starts_empty,
    writes_on_another_thread_never_arrive,
    concurrent_threads_keep_their_own_values,
);

fn two_statics_never_see_each_others_keys(
    ctx: &'static ContextLocal,
    other: &'static ContextLocal,
) {
    ctx.set("k", 1_u32);
    assert_eq!(other.get::<u32>("k"), None);
    assert!(!other.contains("k"));
    assert!(other.keys().is_empty());
    assert!(!other.remove("k"));
    assert_eq!(
        ctx.get::<u32>("k"),
        Some(1),
        "remove on `other` touched `ctx`"
    );

    other.set("k", "text");
    assert_eq!(ctx.get::<u32>("k"), Some(1));
    assert_eq!(other.get::<&str>("k"), Some("text"));
    assert_eq!(ctx.keys(), ["k"]);
    assert_eq!(other.keys(), ["k"]);

    assert!(other.remove("k"));
    assert_eq!(ctx.get::<u32>("k"), Some(1));
    assert!(!other.contains("k"));
}

fn runtime_locals_are_their_own_namespaces(
    ctx: &'static ContextLocal,
    _other: &'static ContextLocal,
) {
    let a = ContextLocal::new();
    let b = ContextLocal::new();
    let c = ContextLocal::with_backend(Backend::Copying);
    let named = ContextLocal::named("n");
    ctx.set("k", 0_u8);
    a.set("k", 1_u8);
    b.set("k", 2_u8);
    c.set("k", 3_u8);
    named.set("k", 4_u8);
    assert_eq!(
        [ctx, &a, &b, &c, &named].map(|l| l.get::<u8>("k")),
        [Some(0), Some(1), Some(2), Some(3), Some(4)]
    );
    assert!(a.remove("k"));
    assert_eq!(
        [ctx, &a, &b, &c, &named].map(|l| l.get::<u8>("k")),
        [Some(0), None, Some(2), Some(3), Some(4)]
    );

    // A local dropped and a new one created (possibly at the same address)
    // never inherits the values of the old one.
    for i in 0..16_u8 {
        let fresh = ContextLocal::new();
        assert!(fresh.keys().is_empty(), "iteration {i}: {:?}", fresh.keys());
        fresh.set("k", i);
        fresh.set(&format!("k{i}"), i);
    }
    assert_eq!(ctx.keys(), ["k"]);
}

fn a_new_thread_starts_empty(ctx: &'static ContextLocal, other: &'static ContextLocal) {
    static KEY: ContextKey<u32> = ContextKey::new("key");
    static MAP: ContextMap<u32> = ContextMap::new();
    ctx.set("k", 1_u32);
    other.set("k", 2_u32);
    KEY.set(3);
    MAP.insert("k", 4);
    let seen = thread::spawn(move || {
        (
            ctx.get::<u32>("k"),
            ctx.keys(),
            other.contains("k"),
            KEY.get(),
            MAP.entries(),
        )
    })
    .join()
    .unwrap();
    assert_eq!(seen, (None, vec![], false, None, vec![]));
    // The spawner keeps its own values.
    assert_eq!(ctx.get::<u32>("k"), Some(1));
    assert_eq!(KEY.get(), Some(3));
}

fn writes_on_another_thread_never_arrive(
    ctx: &'static ContextLocal,
    _other: &'static ContextLocal,
) {
    ctx.set("mine", 1_u32);
    thread::spawn(move || {
        ctx.set("mine", 2_u32);
        ctx.set("theirs", 3_u32);
        assert_eq!(ctx.get::<u32>("mine"), Some(2));
    })
    .join()
    .unwrap();
    assert_eq!(ctx.get::<u32>("mine"), Some(1));
    assert!(!ctx.contains("theirs"));
    assert_eq!(ctx.keys(), ["mine"]);
}

fn concurrent_threads_keep_their_own_values(
    ctx: &'static ContextLocal,
    _other: &'static ContextLocal,
) {
    const THREADS: usize = 4;
    const ROUNDS: usize = 50;
    // Every round, all threads write, meet, then read: each sees only its own write.
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                for round in 0..ROUNDS {
                    ctx.set("v", (t, round));
                    barrier.wait();
                    assert_eq!(ctx.get::<(usize, usize)>("v"), Some((t, round)));
                    assert_eq!(ctx.keys(), ["v"]);
                    barrier.wait();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert!(!ctx.contains("v"));
}

#[test]
fn locals_keys_and_maps_are_separate_namespaces() {
    static LOCAL: ContextLocal = ContextLocal::new();
    static COPYING: ContextLocal = ContextLocal::with_backend(Backend::Copying);
    static NAMED: ContextLocal = ContextLocal::named("k");
    static KEY: ContextKey<u32> = ContextKey::new("k");
    static KEY2: ContextKey<u32> = ContextKey::new("k"); // same name, another key
    static MAP: ContextMap<u32> = ContextMap::new();
    static MAP2: ContextMap<u32> = ContextMap::new();

    LOCAL.set("k", 1_u32);
    assert_eq!(COPYING.get::<u32>("k"), None);
    assert_eq!(NAMED.get::<u32>("k"), None);
    assert_eq!(KEY.get(), None);
    assert_eq!(MAP.get("k"), None);

    KEY.set(2);
    assert_eq!(KEY2.get(), None);
    MAP.insert("k", 3);
    assert_eq!(MAP2.get("k"), None);
    COPYING.set("k", 4_u32);
    NAMED.set("k", 5_u32);

    assert_eq!(LOCAL.get::<u32>("k"), Some(1));
    assert_eq!(KEY.get(), Some(2));
    assert_eq!(MAP.get("k"), Some(3));
    assert_eq!(COPYING.get::<u32>("k"), Some(4));
    assert_eq!(NAMED.get::<u32>("k"), Some(5));

    assert!(KEY.remove());
    assert_eq!(MAP.remove("k"), Some(3));
    assert_eq!(LOCAL.get::<u32>("k"), Some(1));
    assert_eq!(COPYING.get::<u32>("k"), Some(4));
    assert_eq!(NAMED.get::<u32>("k"), Some(5));
}

#[test]
fn runtime_maps_are_their_own_namespaces() {
    let a: ContextMap<u32> = ContextMap::new();
    let b: ContextMap<u32> = ContextMap::with_defaults([("d", 0)]);
    a.insert("k", 1);
    assert_eq!(b.get("k"), None);
    assert_eq!(b.keys(), ["d"]);
    assert_eq!(a.keys(), ["k"]);
    b.clear();
    assert_eq!(a.get("k"), Some(1));
}
