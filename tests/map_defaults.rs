//! `ContextMap`: defaults are visible on every thread and in every frame
//! until overridden or removed there; removing a default (overridden or not)
//! hides it in that frame only; `clear` hides everything in that frame only;
//! `keys` / `values` / `entries` are in key order; `get_or_insert_with`,
//! `extend`, `len`, `is_empty`.

use std::cell::Cell;
use std::sync::{Barrier, LazyLock};
use std::thread;

use context_core::ContextMap;

static STYLE: LazyLock<ContextMap<u32>> =
    LazyLock::new(|| ContextMap::with_defaults([("font", 2), ("color", 1)]));

fn entries(pairs: &[(&str, u32)]) -> Vec<(String, u32)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

fn assert_defaults(m: &ContextMap<u32>) {
    assert_eq!(m.entries(), entries(&[("color", 1), ("font", 2)]));
    assert_eq!(m.keys(), ["color", "font"]);
    assert_eq!(m.values(), [1, 2]);
    assert_eq!(m.len(), 2);
    assert!(!m.is_empty());
    assert_eq!(m.get("color"), Some(1));
    assert!(m.contains_key("font"));
}

#[test]
fn defaults_are_visible_on_every_thread() {
    assert_defaults(&STYLE);
    const THREADS: usize = 4;
    let overridden = Barrier::new(THREADS);
    thread::scope(|s| {
        for t in 0..THREADS {
            let overridden = &overridden;
            s.spawn(move || {
                assert_defaults(&STYLE);
                // Thread 0 overrides, thread 1 removes, at top level.
                match t {
                    0 => assert_eq!(STYLE.insert("color", 10), Some(1)),
                    1 => assert_eq!(STYLE.remove("color"), Some(1)),
                    _ => {}
                }
                overridden.wait();
                match t {
                    0 => assert_eq!(STYLE.get("color"), Some(10)),
                    1 => assert_eq!(STYLE.keys(), ["font"]),
                    _ => assert_defaults(&STYLE),
                }
            });
        }
    });
    assert_defaults(&STYLE);
    // A thread spawned after others overrode or removed sees the defaults.
    thread::spawn(|| assert_defaults(&STYLE)).join().unwrap();
}

#[test]
fn a_runtime_map_with_defaults_on_other_threads() {
    let m = ContextMap::with_defaults([("a", String::from("x"))]);
    m.insert("b", "y".into());
    thread::scope(|s| {
        s.spawn(|| {
            assert_eq!(m.entries(), [("a".to_string(), "x".to_string())]);
        });
    });
}

#[test]
fn overriding_a_default_in_a_frame() {
    STYLE.run(|| {
        assert_eq!(STYLE.insert("color", 5), Some(1));
        assert_eq!(STYLE.insert("color", 6), Some(5));
        assert_eq!(STYLE.get("color"), Some(6));
        assert_eq!(STYLE.entries(), entries(&[("color", 6), ("font", 2)]));
        assert_eq!(STYLE.len(), 2);
    });
    assert_defaults(&STYLE);
    // At top level it persists for the rest of the thread.
    assert_eq!(STYLE.insert("font", 20), Some(2));
    STYLE.run(|| assert_eq!(STYLE.get("font"), Some(20)));
    assert_eq!(STYLE.get("font"), Some(20));
}

#[test]
fn removing_a_default_hides_it_in_that_frame_only() {
    STYLE.run(|| {
        assert_eq!(STYLE.remove("color"), Some(1));
        assert_eq!(STYLE.get("color"), None);
        assert!(!STYLE.contains_key("color"));
        assert_eq!(STYLE.keys(), ["font"]);
        assert_eq!(STYLE.values(), [2]);
        assert_eq!(STYLE.len(), 1);
        assert_eq!(STYLE.remove("color"), None, "already hidden");
        // Frames entered inside inherit the hiding...
        STYLE.run(|| {
            assert!(!STYLE.contains_key("color"));
            // ...and can set it again, for themselves.
            assert_eq!(STYLE.insert("color", 3), None);
            assert_eq!(STYLE.get("color"), Some(3));
        });
        assert_eq!(STYLE.get("color"), None);
        // Setting it after the remove shows the new value, not the default.
        assert_eq!(STYLE.insert("color", 4), None);
        assert_eq!(STYLE.get("color"), Some(4));
    });
    assert_defaults(&STYLE);
}

#[test]
fn removing_an_overridden_default_hides_the_key() {
    assert_eq!(STYLE.insert("color", 10), Some(1));
    STYLE.run(|| {
        assert_eq!(STYLE.insert("color", 11), Some(10));
        assert_eq!(STYLE.remove("color"), Some(11));
        // Neither the override nor the default shows through.
        assert_eq!(STYLE.get("color"), None);
        assert!(!STYLE.contains_key("color"));
        assert_eq!(STYLE.keys(), ["font"]);
    });
    assert_eq!(STYLE.get("color"), Some(10));
    {
        let _frame = STYLE.enter();
        assert_eq!(STYLE.remove("color"), Some(10));
        assert_eq!(STYLE.get("color"), None);
    }
    assert_eq!(STYLE.get("color"), Some(10));
    // At top level, the removal lasts for the rest of the thread.
    assert_eq!(STYLE.remove("color"), Some(10));
    assert_eq!(STYLE.get("color"), None);
    STYLE.run(|| assert_eq!(STYLE.get("color"), None));
    assert_eq!(STYLE.len(), 1);
}

#[test]
fn removing_keys_without_defaults() {
    let m: ContextMap<u32> = ContextMap::new();
    assert_eq!(m.remove("a"), None);
    assert!(m.is_empty());
    m.insert("a", 1);
    m.run(|| {
        assert_eq!(m.remove("a"), Some(1));
        assert_eq!(m.remove("a"), None);
        assert!(m.is_empty());
    });
    assert_eq!(m.get("a"), Some(1));
    assert_eq!(m.remove("a"), Some(1));
    assert!(m.is_empty());
    // Removing an unset key changes nothing.
    m.insert("b", 2);
    assert_eq!(m.remove("zzz"), None);
    assert_eq!(m.entries(), entries(&[("b", 2)]));
    assert_eq!(STYLE.remove("zzz"), None);
    assert_defaults(&STYLE);
}

#[test]
fn clear_hides_everything_in_that_frame_only() {
    STYLE.insert("extra", 3);
    STYLE.insert("color", 10);
    STYLE.run(|| {
        STYLE.insert("inner", 4);
        STYLE.clear();
        assert!(STYLE.is_empty());
        assert_eq!(STYLE.len(), 0);
        assert!(STYLE.keys().is_empty());
        assert!(STYLE.entries().is_empty());
        assert_eq!(STYLE.get("color"), None);
        assert_eq!(STYLE.get("font"), None);
        assert!(!STYLE.contains_key("extra"));
        assert_eq!(STYLE.remove("font"), None);
        // Inner frames inherit the cleared state.
        STYLE.run(|| assert!(STYLE.is_empty()));
        assert_eq!(STYLE.insert("font", 7), None);
        assert_eq!(STYLE.entries(), entries(&[("font", 7)]));
    });
    assert_eq!(
        STYLE.entries(),
        entries(&[("color", 10), ("extra", 3), ("font", 2)])
    );

    // A map without defaults.
    let m: ContextMap<u32> = ContextMap::new();
    m.insert("a", 1);
    {
        let _frame = m.enter();
        m.clear();
        assert!(m.is_empty());
        m.clear();
        assert!(m.is_empty());
    }
    assert_eq!(m.keys(), ["a"]);
    // At top level, clear lasts; defaults stay hidden for the thread.
    STYLE.clear();
    assert!(STYLE.is_empty());
    STYLE.run(|| assert!(STYLE.is_empty()));
    thread::spawn(|| assert_defaults(&STYLE)).join().unwrap();
}

#[test]
fn keys_values_and_entries_are_in_key_order() {
    let m = ContextMap::with_defaults([("delta", 4), ("Bravo", 2), ("alpha", 1)]);
    for (k, v) in [("echo", 5), ("charlie", 3), ("Zulu", 0), ("a", 9)] {
        m.insert(k, v);
    }
    m.insert("delta", 40);
    let expected = ["Bravo", "Zulu", "a", "alpha", "charlie", "delta", "echo"];
    assert_eq!(m.keys(), expected);
    assert_eq!(m.values(), [2, 0, 9, 1, 3, 40, 5]);
    let zipped: Vec<(String, i32)> = m.keys().into_iter().zip(m.values()).collect();
    assert_eq!(m.entries(), zipped);
    m.run(|| {
        m.remove("alpha");
        m.remove("echo");
        assert_eq!(m.keys(), ["Bravo", "Zulu", "a", "charlie", "delta"]);
        assert_eq!(m.values(), [2, 0, 9, 3, 40]);
    });
}

#[test]
fn get_or_insert_with_is_setdefault() {
    let called = Cell::new(0);
    let make = |v| {
        called.set(called.get() + 1);
        v
    };
    // A default counts as a value: no call.
    assert_eq!(STYLE.get_or_insert_with("color", || make(100)), 1);
    assert_eq!(called.get(), 0);
    // Missing: inserted and returned.
    assert_eq!(STYLE.get_or_insert_with("size", || make(12)), 12);
    assert_eq!(called.get(), 1);
    assert_eq!(STYLE.get("size"), Some(12));
    assert_eq!(STYLE.get_or_insert_with("size", || make(13)), 12);
    assert_eq!(called.get(), 1);
    STYLE.run(|| {
        // A hidden default is missing.
        STYLE.remove("color");
        assert_eq!(STYLE.get_or_insert_with("color", || make(5)), 5);
        assert_eq!(called.get(), 2);
        assert_eq!(STYLE.get_or_insert_with("new", || make(6)), 6);
    });
    assert_eq!(STYLE.get("color"), Some(1));
    assert_eq!(STYLE.get("new"), None);
    assert_eq!(STYLE.keys(), ["color", "font", "size"]);
}

#[test]
fn extend_inserts_every_pair_in_order() {
    let m: ContextMap<u32> = ContextMap::new();
    m.extend([("b", 2), ("a", 1), ("b", 3)]);
    assert_eq!(m.entries(), entries(&[("a", 1), ("b", 3)]));
    // Owned keys, and an iterator.
    m.extend(vec![(String::from("c"), 4)]);
    m.extend((0..3).map(|i| (format!("n{i}"), i)));
    assert_eq!(m.len(), 6);
    m.run(|| {
        m.extend([("a", 10), ("z", 26)]);
        assert_eq!(m.get("a"), Some(10));
        assert_eq!(m.len(), 7);
    });
    assert_eq!(m.get("a"), Some(1));
    assert!(!m.contains_key("z"));
    // Extending over defaults overrides them.
    STYLE.extend([("color", 9)]);
    assert_eq!(STYLE.values(), [9, 2]);
    // An empty extend changes nothing.
    STYLE.extend(std::iter::empty::<(&str, u32)>());
    assert_eq!(STYLE.len(), 2);
}

#[test]
fn len_and_is_empty() {
    let m: ContextMap<u32> = ContextMap::new();
    assert!(m.is_empty());
    assert_eq!(m.len(), 0);
    m.insert("a", 1);
    assert!(!m.is_empty());
    assert_eq!(m.len(), 1);
    m.insert("a", 2);
    assert_eq!(m.len(), 1);
    let d: ContextMap<u32> = ContextMap::with_defaults(std::iter::empty::<(&str, u32)>());
    assert!(d.is_empty());
    let d = ContextMap::with_defaults([("x", 1), ("x", 2)]);
    assert_eq!(d.len(), 1);
    assert_eq!(
        d.get("x"),
        Some(2),
        "a key given twice keeps its last value"
    );
    assert_eq!(d.insert("y", 3), None);
    assert_eq!(d.len(), 2);
}
