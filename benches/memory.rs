//! Heap bytes per live frame: 10,000 frames alive at once, each after one
//! `set`, with 8 vs 10,000 keys already set, `Persistent` vs `Copying`.
//! A plain `main` (no criterion) that prints a table and writes
//! `target/criterion/memory.json` for `benches/report.py`.
//!
//! `cargo bench --bench memory`
//!
//! Bytes are counted by `stats_alloc`'s instrumented `System` allocator (the
//! workspace forbids `unsafe_code`, which a hand-written `GlobalAlloc` needs).
//! "Net bytes" = allocated − deallocated between the moment the frames are
//! created and the moment they are all alive; the `Vec` holding them is
//! allocated before and not counted.

mod common;

use std::alloc::System;
use std::fmt::Write as _;
use std::hint::black_box;

use common::fill;
use context_core::{Backend, ContextLocal, FrameGuard, IsolatedIter};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

static PERSISTENT: ContextLocal = ContextLocal::new();
static COPYING: ContextLocal = ContextLocal::with_backend(Backend::Copying);

const FRAMES: usize = 10_000;

fn net(region: &Region<'_, System>) -> isize {
    let s = region.change();
    s.bytes_allocated as isize - s.bytes_deallocated as isize
}

/// `FRAMES` sibling frames alive at once (as `FRAMES` tasks would hold
/// them): each is an `IsolatedIter` whose one `next` sets one key.
fn siblings(local: &'static ContextLocal, set: bool) -> isize {
    let mut live = Vec::with_capacity(FRAMES);
    let region = Region::new(GLOBAL);
    for i in 0..FRAMES {
        let mut it = IsolatedIter::new(std::iter::from_fn(move || {
            if set {
                local.set("key0", i as u64);
            }
            Some(())
        }));
        it.next();
        live.push(it);
    }
    let bytes = net(&region);
    drop(black_box(live));
    bytes
}

/// `FRAMES` nested frames (`enter()` guards), each after one `set`.
fn nested(local: &'static ContextLocal) -> isize {
    let mut guards: Vec<FrameGuard> = Vec::with_capacity(FRAMES);
    let region = Region::new(GLOBAL);
    for i in 0..FRAMES {
        guards.push(local.enter());
        local.set("key0", i as u64);
    }
    let bytes = net(&region);
    while let Some(g) = guards.pop() {
        drop(g);
    }
    bytes
}

fn main() {
    // Siblings first, then nested: a nested run grows the thread's stack of
    // open frames, which a later wrapper poll would move out and free, and
    // that free would be counted against the wrong row.
    let configs = [
        ("Persistent", &PERSISTENT, 8),
        ("Persistent", &PERSISTENT, 10_000),
        ("Copying", &COPYING, 8),
        ("Copying", &COPYING, 10_000),
    ];
    let mut rows = Vec::new();
    for (backend, local, keys) in configs {
        local.run(|| {
            fill(local, keys);
            rows.push((backend, keys, siblings(local, false), siblings(local, true)));
        });
    }
    let rows: Vec<_> = rows
        .into_iter()
        .zip(configs)
        .map(|((backend, keys, empty, set), (_, local, _))| {
            let nest = local.run(|| {
                fill(local, keys);
                // Warm-up: grow the stack of open frames once, so that its
                // capacity (24 bytes a frame) is not counted below.
                let mut warm: Vec<_> = (0..FRAMES).map(|_| local.enter()).collect();
                while let Some(g) = warm.pop() {
                    drop(g);
                }
                nested(local)
            });
            (backend, keys, empty, set, nest)
        })
        .collect();
    let per = |b: isize| b as f64 / FRAMES as f64;
    println!("heap bytes per live frame ({FRAMES} frames alive at once)");
    println!(
        "{:<11} {:>6} {:>14} {:>18} {:>18}",
        "backend", "keys", "frame, no set", "frame + one set", "nested + one set"
    );
    let mut json = String::from("{\n");
    for (i, (backend, keys, empty, set, nest)) in rows.iter().enumerate() {
        println!(
            "{backend:<11} {keys:>6} {:>14.1} {:>18.1} {:>18.1}",
            per(*empty),
            per(*set),
            per(*nest)
        );
        let sep = if i + 1 == rows.len() { "" } else { "," };
        let _ = writeln!(
            json,
            "  \"{backend} {keys} keys\": {{\"frame\": {:.1}, \"frame + one set\": {:.1}, \"nested + one set\": {:.1}}}{sep}",
            per(*empty),
            per(*set),
            per(*nest)
        );
    }
    json.push_str("}\n");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/criterion");
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = std::fs::write(dir.join("memory.json"), json);
    }
}
