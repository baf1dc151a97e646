//! Shared by the benchmarks: the baselines every group measures itself
//! against, and the set-up of a local with `n` keys.
// Each bench binary includes this module and uses part of it.
#![allow(dead_code)]

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hint::black_box;

use context_core::ContextLocal;
use criterion::BenchmarkGroup;
use criterion::measurement::WallTime;

thread_local! {
    /// The floor: one thread-local `Cell` read, about one cycle.
    pub(crate) static FLOOR: Cell<u64> = const { Cell::new(7) };
    /// What a naive user would write instead of this crate.
    pub(crate) static NAIVE: RefCell<HashMap<String, Box<dyn Any>>> = RefCell::new(HashMap::new());
}

/// Sets `key0` .. `key{n-1}` on `local` in the current frame.
pub(crate) fn fill(local: &ContextLocal, n: usize) {
    for i in 0..n {
        local.set(&format!("key{i}"), i as u64);
    }
}

/// Sets `key0` .. `key7` in the naive map.
pub(crate) fn fill_naive() {
    NAIVE.with(|m| {
        let mut m = m.borrow_mut();
        for i in 0..8_u64 {
            m.insert(format!("key{i}"), Box::new(i));
        }
    });
}

/// The group's floor row, under the name `report.py` looks for.
pub(crate) fn bench_floor(g: &mut BenchmarkGroup<'_, WallTime>) {
    g.bench_function("thread_local Cell (floor)", |b| {
        b.iter(|| FLOOR.with(|c| black_box(c.get())))
    });
}
