//! Frames: entering and leaving a frame, `#[isolated]` on a no-op fn, taking
//! a snapshot; frame entry with 1 key vs 10,000 keys set (O(1)); `Persistent`
//! vs `Copying` for entry and for the first write in a frame.
//!
//! `cargo bench --bench frames`

mod common;

use std::hint::black_box;

use common::{bench_floor, fill};
use context_core::{Backend, ContextLocal, Snapshot, isolated};
use criterion::{Criterion, criterion_group, criterion_main};

static CTX: ContextLocal = ContextLocal::new();
static COPYING: ContextLocal = ContextLocal::with_backend(Backend::Copying);

tokio::task_local! {
    static TASK_LOCAL: u64;
}

/// The baseline: the same function without the attribute.
#[inline(never)]
fn plain_noop() {
    black_box(());
}

#[isolated(CTX)]
#[inline(never)]
fn isolated_noop() {
    black_box(());
}

fn frames(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame");
    bench_floor(&mut g);
    g.bench_function("tokio task_local! sync_scope(|| ())", |b| {
        b.iter(|| TASK_LOCAL.sync_scope(7, || black_box(())))
    });
    CTX.run(|| {
        fill(&CTX, 8);
        g.bench_function("plain no-op fn", |b| b.iter(plain_noop));
        g.bench_function("#[isolated] no-op fn", |b| b.iter(isolated_noop));
        g.bench_function("Snapshot::current() (+ drop)", |b| {
            b.iter(Snapshot::current)
        });
    });
    for n in [1, 10_000] {
        let keys = if n == 1 {
            "1 key".to_owned()
        } else {
            format!("{n} keys")
        };
        for (backend, local) in [("Persistent", &CTX), ("Copying", &COPYING)] {
            local.run(|| {
                fill(local, n);
                g.bench_function(format!("run(|| ()) ({keys}, {backend})"), |b| {
                    b.iter(|| local.run(|| black_box(())))
                });
                g.bench_function(format!("enter() + drop ({keys}, {backend})"), |b| {
                    b.iter(|| drop(black_box(local.enter())))
                });
                g.bench_function(format!("run + first set ({keys}, {backend})"), |b| {
                    b.iter(|| local.run(|| local.set(black_box("key0"), black_box(1_u64))))
                });
            });
        }
    }
    g.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
