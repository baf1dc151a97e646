//! Per-poll overhead of isolation: an `#[isolated]` async fn and
//! `IsolatedFuture` vs tokio's `TaskLocalFuture` (`KEY.scope(v, fut)`) on the
//! same yielding future, driven by a bare noop-waker loop (no runtime); and
//! `IsolatedIter::next` vs the bare iterator. Every number is per poll / per
//! `next` call (`iter_custom` divides by the calls made).
//!
//! `cargo bench --bench async_poll`

use std::future::Future;
use std::hint::black_box;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use context_core::{ContextLocal, IsolatedFuture, IsolatedIter, isolated};
use criterion::{Criterion, criterion_group, criterion_main};

static CTX: ContextLocal = ContextLocal::new();

tokio::task_local! {
    static TASK_LOCAL: u64;
}

/// Pending `PENDING` times (waking itself each time), then ready.
const PENDING: u32 = 63;
/// Polls one [`Yielding`] future takes.
const POLLS: u32 = PENDING + 1;
/// Items of the iterators; `ITEMS + 1` calls to `next`.
const ITEMS: u32 = 64;

struct Yielding {
    left: u32,
}

impl Yielding {
    fn new() -> Self {
        Yielding { left: PENDING }
    }
}

impl Future for Yielding {
    type Output = u32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        // `black_box`: keep the compiler from folding the whole poll loop
        // into a countdown; every poll reads its state and wakes.
        let left = black_box(self.left);
        if left == 0 {
            Poll::Ready(7)
        } else {
            self.left = left - 1;
            black_box(cx.waker()).wake_by_ref();
            Poll::Pending
        }
    }
}

/// Polls `fut` to completion on the noop waker; the minimal executor.
fn drive<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

async fn plain_async() -> u32 {
    Yielding::new().await
}

#[isolated(CTX)]
async fn isolated_async() -> u32 {
    Yielding::new().await
}

#[isolated(CTX)]
fn isolated_iter() -> impl Iterator<Item = u32> {
    0..ITEMS
}

/// Times `iters` runs of `one`, reported per call (`calls` calls per run).
fn per_call(iters: u64, calls: u32, mut one: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        one();
    }
    start.elapsed() / calls
}

fn async_poll(c: &mut Criterion) {
    // 8 keys set at the thread's top level, no frame open: the usual state of
    // an executor thread that polls a task.
    for i in 0..8_u64 {
        CTX.set(&format!("key{i}"), i);
    }
    let mut g = c.benchmark_group("poll");
    g.bench_function("bare future", |b| {
        b.iter_custom(|n| {
            per_call(n, POLLS, || {
                black_box(drive(Yielding::new()));
            })
        })
    });
    g.bench_function("plain async fn", |b| {
        b.iter_custom(|n| {
            per_call(n, POLLS, || {
                black_box(drive(plain_async()));
            })
        })
    });
    g.bench_function("tokio TaskLocalFuture (scope)", |b| {
        b.iter_custom(|n| {
            per_call(n, POLLS, || {
                black_box(drive(TASK_LOCAL.scope(7, Yielding::new())));
            })
        })
    });
    g.bench_function("IsolatedFuture", |b| {
        b.iter_custom(|n| {
            per_call(n, POLLS, || {
                black_box(drive(IsolatedFuture::new(Yielding::new())));
            })
        })
    });
    g.bench_function("#[isolated] async fn", |b| {
        b.iter_custom(|n| {
            per_call(n, POLLS, || {
                black_box(drive(isolated_async()));
            })
        })
    });
    // Polled while a `run`/`enter` frame is open on the thread (say a
    // `block_on` inside `CTX.run`): each poll also moves the open-frame stack.
    CTX.run(|| {
        g.bench_function("IsolatedFuture, inside an open run() frame", |b| {
            b.iter_custom(|n| {
                per_call(n, POLLS, || {
                    black_box(drive(IsolatedFuture::new(Yielding::new())));
                })
            })
        });
    });
    g.finish();

    let mut g = c.benchmark_group("next");
    g.bench_function("bare iterator", |b| {
        b.iter_custom(|n| {
            per_call(n, ITEMS + 1, || {
                for x in black_box(0..ITEMS) {
                    black_box(x);
                }
            })
        })
    });
    g.bench_function("IsolatedIter", |b| {
        b.iter_custom(|n| {
            per_call(n, ITEMS + 1, || {
                for x in IsolatedIter::new(black_box(0..ITEMS)) {
                    black_box(x);
                }
            })
        })
    });
    g.bench_function("#[isolated] fn -> impl Iterator", |b| {
        b.iter_custom(|n| {
            per_call(n, ITEMS + 1, || {
                for x in isolated_iter() {
                    black_box(x);
                }
            })
        })
    });
    g.finish();
}

criterion_group!(benches, async_poll);
criterion_main!(benches);
