//! Reads: each context read beside its baselines in one criterion group, so
//! the report reads as ratios measured in the same run.
//!
//! `cargo bench --bench reads`

mod common;

use std::hint::black_box;

use common::{NAIVE, bench_floor, fill, fill_naive};
use context_core::{ContextKey, ContextLocal, ContextMap};
use criterion::{Criterion, criterion_group, criterion_main};

static CTX: ContextLocal = ContextLocal::new();
static KEY: ContextKey<u64> = ContextKey::new("key");
static MAP: ContextMap<u64> = ContextMap::new();

tokio::task_local! {
    static TASK_LOCAL: u64;
}

fn reads(c: &mut Criterion) {
    let mut g = c.benchmark_group("read");
    bench_floor(&mut g);
    fill_naive();
    g.bench_function("naive RefCell<HashMap<String, Box<dyn Any>>> get", |b| {
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
    KEY.run(|| {
        KEY.set(7);
        g.bench_function("ContextKey::get", |b| b.iter(|| black_box(KEY.get())));
    });
    MAP.run(|| {
        for i in 0..8_u64 {
            MAP.insert(&format!("key{i}"), i);
        }
        g.bench_function("ContextMap::get (8 keys)", |b| {
            b.iter(|| MAP.get(black_box("key3")))
        });
    });
    g.finish();
}

criterion_group!(benches, reads);
criterion_main!(benches);
