#!/usr/bin/env python3
"""Prints the README's benchmark table from one run of the suite:

    target/criterion/<group>/<function>/new/{benchmark,estimates}.json   (criterion)
    target/criterion/python_peer.json   (python3 benches/python_peer.py --json ...)
    target/criterion/memory.json        (cargo bench --bench memory)

    python3 benches/report.py [--criterion-dir target/criterion]

Times are criterion's median estimate. "× floor" divides by the
`thread_local!` `Cell` get measured in the same group (read/write/frame; the
read group's for the others); "× tokio" by the tokio `task_local!` peer of the
same group; "vs Python" is extracontext 1.2.0 (native backend) ns / ours for
the op of the same name. Then each target of issue 6, met or not met.
"""
import argparse
import json
import os
import sys
from pathlib import Path

GROUPS = ["read", "write", "frame", "poll", "next"]
FLOOR = "thread_local Cell (floor)"
TOKIO = {
    "read": "tokio task_local! with",
    "frame": "tokio task_local! sync_scope(|| ())",
    "poll": "tokio TaskLocalFuture (scope)",
}


def load_criterion(root):
    found = {}
    for bench in root.glob("*/**/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        est = json.loads((bench.parent / "estimates.json").read_text())
        found[meta["full_id"]] = (
            meta["group_id"],
            meta["function_id"],
            est["median"]["point_estimate"],
            os.path.getmtime(bench.parent / "estimates.json"),
        )
    rows = sorted(found.values(), key=lambda r: (GROUPS.index(r[0]) if r[0] in GROUPS else 99, r[3]))
    return {f"{g}/{f}": ns for g, f, ns, _ in rows}


def code(s):
    """A code span that survives a Markdown table (`|` must be escaped)."""
    return "`" + s.replace("|", "\\|") + "`"


def fmt_ns(ns):
    return f"{ns:.2f}" if ns < 10 else f"{ns:.1f}" if ns < 1000 else f"{ns:,.0f}"


def fmt_x(x):
    return "" if x is None else f"{x:.2f}×" if x < 10 else f"{x:.0f}×"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--criterion-dir", default="target/criterion", type=Path)
    args = ap.parse_args()
    root = args.criterion_dir
    ns = load_criterion(root)
    if not ns:
        sys.exit(f"no criterion results under {root}: run the benches first")
    py, cv = {}, {}
    peer_path = root / "python_peer.json"
    if peer_path.exists():
        peer = json.loads(peer_path.read_text())
        py = peer["results"].get("extracontext native", {})
        cv = peer["results"].get("contextvars", {})
    mem = json.loads((root / "memory.json").read_text()) if (root / "memory.json").exists() else {}

    def floor_of(group):
        return ns.get(f"{group}/{FLOOR}") or ns.get(f"read/{FLOOR}")

    print("| op | ns | × floor | × tokio | extracontext native ns | speed-up vs extracontext | contextvars ns |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for op, t in ns.items():
        group = op.split("/", 1)[0]
        floor = floor_of(group)
        tokio = ns.get(f"{group}/{TOKIO[group]}") if group in TOKIO else None
        p, c = py.get(op), cv.get(op)
        print(
            f"| {code(op)} | {fmt_ns(t)} | {fmt_x(t / floor if floor else None)} "
            f"| {fmt_x(t / tokio if tokio else None)} | {fmt_ns(p) if p else ''} "
            f"| {fmt_x(p / t) if p else ''} | {fmt_ns(c) if c else ''} |"
        )

    if mem:
        print("\nHeap bytes per live frame (10,000 frames alive at once):\n")
        cols = list(next(iter(mem.values())).keys())
        print("| backend, keys set | " + " | ".join(cols) + " |")
        print("|---|" + "---:|" * len(cols))
        for name, row in mem.items():
            print(f"| {name} | " + " | ".join(f"{max(row[c], 0) + 0.0:,.0f}" for c in cols) + " |")

    # Targets of issue 6.
    def get(op):
        return ns.get(op)

    targets = []

    def check(label, value, limit, le=True, unit="×"):
        if value is None:
            targets.append((label, "not measured", "—"))
            return
        ok = value <= limit if le else value >= limit
        targets.append((label, f"{value:.2f}{unit} ({'≤' if le else '≥'} {limit}{unit})", "met" if ok else "**not met**"))

    def ratio(a, b):
        return a / b if a is not None and b else None

    floor = get(f"read/{FLOOR}")
    get8 = get("read/ContextLocal::get (8 keys)")
    check("`ContextLocal::get` (8 keys) / naive `RefCell<HashMap>` get", ratio(get8, get("read/naive RefCell<HashMap<String, Box<dyn Any>>> get")), 0.5)
    check("Python native attribute get / `ContextLocal::get` (8 keys)", ratio(py.get("read/ContextLocal::get (8 keys)"), get8), 50, le=False)
    check("`ContextKey::get` / `Cell` floor", ratio(get("read/ContextKey::get"), floor), 12)
    setp = get("write/ContextLocal::set repeated (8 keys, Persistent)")
    check("repeated `set` / naive map insert", ratio(setp, get("write/naive RefCell<HashMap<String, Box<dyn Any>>> insert")), 1.0)
    check("Python native attribute set / repeated `set`", ratio(py.get("write/ContextLocal::set repeated (8 keys, Persistent)"), setp), 5, le=False)
    iso, plain = get("frame/#[isolated] no-op fn"), get("frame/plain no-op fn")
    ffloor = floor_of("frame")
    check("`#[isolated]` no-op: added cost / floor", ratio(iso - plain, ffloor) if iso and plain else None, 30)
    check("Python `@ctx` call / `#[isolated]` call", ratio(py.get("frame/#[isolated] no-op fn"), iso), 50, le=False)
    run1 = get("frame/run(|| ()) (1 key, Persistent)")
    check("`run(|| ())` / floor", ratio(run1, ffloor), 30)
    check("Python `with ctx: pass` / `run(|| ())`", ratio(py.get("frame/run(|| ()) (1 key, Persistent)"), run1), 50, le=False)
    bare, tokio = get("poll/bare future"), get("poll/tokio TaskLocalFuture (scope)")
    tok_over = tokio - bare if bare is not None and tokio is not None else None
    for name, base in (("IsolatedFuture", "poll/bare future"), ("#[isolated] async fn", "poll/plain async fn")):
        mine, b = get(f"poll/{name}"), get(base)
        over = mine - b if mine is not None and b is not None else None
        check(f"per-poll overhead of `{name}` / `TaskLocalFuture`'s ({fmt_ns(over) if over is not None else '?'} vs {fmt_ns(tok_over) if tok_over is not None else '?'} ns)", ratio(over, tok_over), 1.0)
    for kind in ("run(|| ())", "enter() + drop"):
        check(f"`{kind}` with 10,000 keys / with 1 key (Persistent)", ratio(get(f"frame/{kind} (10000 keys, Persistent)"), get(f"frame/{kind} (1 key, Persistent)")), 1.5)
    if mem:
        a, b = mem.get("Persistent 10000 keys"), mem.get("Persistent 8 keys")
        check("heap per live frame after one `set`, 10,000 keys / 8 keys (Persistent)", ratio(a and a["frame + one set"], b and b["frame + one set"]), 2.5)

    print("\n| target (issue 6) | measured | |")
    print("|---|---|---|")
    for label, value, verdict in targets:
        print(f"| {label.replace('|', chr(92) + '|')} | {value} | {verdict} |")


if __name__ == "__main__":
    main()
