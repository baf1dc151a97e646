//! The hot path, each operation beside its baselines in one criterion group
//! so that the report reads as ratios measured in the same run.
//!
//! `cargo bench --bench ops`

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hint::black_box;

use context_core::{Backend, ContextKey, ContextLocal, ContextMap, Snapshot};
use criterion::{Criterion, criterion_group, criterion_main};

static CTX: ContextLocal = ContextLocal::new();
static COPYING: ContextLocal = ContextLocal::with_backend(Backend::Copying);
static KEY: ContextKey<u64> = ContextKey::new("key");
static MAP: ContextMap<u64> = ContextMap::new();

thread_local! {
    static FLOOR: Cell<u64> = const { Cell::new(7) };
    static NAIVE: RefCell<HashMap<String, Box<dyn Any>>> = RefCell::new(HashMap::new());
}

tokio::task_local! {
    static TASK_LOCAL: u64;
}

fn fill(local: &ContextLocal, n: usize) {
    for i in 0..n {
        local.set(&format!("key{i}"), i as u64);
    }
}

fn reads(c: &mut Criterion) {
    let mut g = c.benchmark_group("read");
    g.bench_function("thread_local Cell (floor)", |b| {
        b.iter(|| FLOOR.with(|c| black_box(c.get())))
    });
    NAIVE.with(|m| {
        let mut m = m.borrow_mut();
        for i in 0..8_u64 {
            m.insert(format!("key{i}"), Box::new(i));
        }
    });
    g.bench_function("naive RefCell<HashMap<String, Box<dyn Any>>>", |b| {
        b.iter(|| {
            NAIVE.with(|m| {
                m.borrow()
                    .get(black_box("key3"))
                    .and_then(|v| v.downcast_ref::<u64>())
                    .copied()
            })
        })
    });
    TASK_LOCAL.sync_scope(7, || {
        g.bench_function("tokio task_local! with", |b| {
            b.iter(|| TASK_LOCAL.with(|v| black_box(*v)))
        });
    });
    CTX.run(|| {
        fill(&CTX, 8);
        g.bench_function("ContextLocal::get (8 keys)", |b| {
            b.iter(|| CTX.get::<u64>(black_box("key3")))
        });
    });
    CTX.run(|| {
        fill(&CTX, 1000);
        g.bench_function("ContextLocal::get (1000 keys)", |b| {
            b.iter(|| CTX.get::<u64>(black_box("key3")))
        });
    });
    KEY.set(7);
    g.bench_function("ContextKey::get", |b| b.iter(|| black_box(KEY.get())));
    MAP.insert("key3", 3);
    g.bench_function("ContextMap::get", |b| b.iter(|| MAP.get(black_box("key3"))));
    g.finish();
}

fn writes(c: &mut Criterion) {
    let mut g = c.benchmark_group("write");
    g.bench_function("naive RefCell<HashMap> insert", |b| {
        b.iter(|| {
            NAIVE.with(|m| {
                m.borrow_mut()
                    .insert(black_box("key3").to_owned(), Box::new(black_box(3_u64)))
            })
        })
    });
    CTX.run(|| {
        fill(&CTX, 8);
        g.bench_function("ContextLocal::set repeated", |b| {
            b.iter(|| CTX.set(black_box("key3"), black_box(3_u64)))
        });
        g.bench_function("ContextLocal::set first in frame", |b| {
            b.iter(|| CTX.run(|| CTX.set(black_box("key3"), black_box(3_u64))))
        });
        g.bench_function("ContextLocal::remove in frame", |b| {
            b.iter(|| CTX.run(|| CTX.remove(black_box("key3"))))
        });
    });
    COPYING.run(|| {
        fill(&COPYING, 8);
        g.bench_function("Copying set first in frame", |b| {
            b.iter(|| COPYING.run(|| COPYING.set(black_box("key3"), black_box(3_u64))))
        });
    });
    g.bench_function("ContextKey::set", |b| b.iter(|| KEY.set(black_box(3))));
    g.finish();
}

fn frames(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame");
    g.bench_function("thread_local Cell (floor)", |b| {
        b.iter(|| FLOOR.with(|c| black_box(c.get())))
    });
    g.bench_function("run(|| ())", |b| b.iter(|| CTX.run(|| black_box(()))));
    g.bench_function("Snapshot::current()", |b| b.iter(Snapshot::current));
    for n in [1, 10_000] {
        CTX.run(|| {
            fill(&CTX, n);
            g.bench_function(format!("enter + set, {n} keys (Persistent)"), |b| {
                b.iter(|| CTX.run(|| CTX.set("key0", 1_u64)))
            });
        });
        COPYING.run(|| {
            fill(&COPYING, n);
            g.bench_function(format!("enter + set, {n} keys (Copying)"), |b| {
                b.iter(|| COPYING.run(|| COPYING.set("key0", 1_u64)))
            });
        });
    }
    g.finish();
}

criterion_group!(benches, reads, writes, frames);
criterion_main!(benches);
