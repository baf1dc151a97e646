//! Writes: `set` (first in a frame and repeated), `remove`, beside a naive
//! thread-local map insert, in one criterion group.
//!
//! `cargo bench --bench writes`

mod common;

use std::hint::black_box;

use common::{NAIVE, bench_floor, fill, fill_naive};
use context_core::{Backend, ContextKey, ContextLocal, ContextMap};
use criterion::{Criterion, criterion_group, criterion_main};

static CTX: ContextLocal = ContextLocal::new();
static COPYING: ContextLocal = ContextLocal::with_backend(Backend::Copying);
static KEY: ContextKey<u64> = ContextKey::new("key");
static MAP: ContextMap<u64> = ContextMap::new();

fn writes(c: &mut Criterion) {
    let mut g = c.benchmark_group("write");
    bench_floor(&mut g);
    fill_naive();
    g.bench_function("naive RefCell<HashMap<String, Box<dyn Any>>> insert", |b| {
        b.iter(|| {
            NAIVE.with(|m| {
                m.borrow_mut()
                    .insert(black_box("key3").to_owned(), Box::new(black_box(3_u64)))
            })
        })
    });
    for (backend, local) in [("Persistent", &CTX), ("Copying", &COPYING)] {
        local.run(|| {
            fill(local, 8);
            g.bench_function(
                format!("ContextLocal::set repeated (8 keys, {backend})"),
                |b| b.iter(|| local.set(black_box("key3"), black_box(3_u64))),
            );
            // The frame alone, to read the first write's own cost as a difference.
            g.bench_function(format!("run(|| ()) (8 keys, {backend})"), |b| {
                b.iter(|| local.run(|| black_box(())))
            });
            g.bench_function(
                format!("run + first set in frame (8 keys, {backend})"),
                |b| b.iter(|| local.run(|| local.set(black_box("key3"), black_box(3_u64)))),
            );
            g.bench_function(format!("run + remove in frame (8 keys, {backend})"), |b| {
                b.iter(|| local.run(|| local.remove(black_box("key3"))))
            });
        });
    }
    KEY.run(|| {
        KEY.set(7);
        g.bench_function("ContextKey::set repeated", |b| {
            b.iter(|| KEY.set(black_box(3)))
        });
    });
    MAP.run(|| {
        for i in 0..8_u64 {
            MAP.insert(&format!("key{i}"), i);
        }
        g.bench_function("ContextMap::insert repeated (8 keys)", |b| {
            b.iter(|| MAP.insert(black_box("key3"), black_box(3)))
        });
    });
    g.finish();
}

criterion_group!(benches, writes);
criterion_main!(benches);
