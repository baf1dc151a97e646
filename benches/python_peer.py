#!/usr/bin/env python3
"""The Python peer of the Rust benches: the same operations, under the same
names ("group/function" as in target/criterion), on extracontext 1.2.0 (both
backends) and the stdlib contextvars.

    pip install extracontext==1.2.0      # or PYTHONPATH=<extracontext 1.2.0 source>
    python3 benches/python_peer.py                 # a table, ns per operation
    python3 benches/python_peer.py --json FILE     # also write the numbers as JSON

Each number is the best of several timeit repeats (the least disturbed run),
in nanoseconds per operation. Per-`next` numbers divide a full pass over a
64-item generator by its 65 `next` calls, as benches/async_poll.rs does.
There is no per-poll peer: extracontext isolates a coroutine by creating an
asyncio task for it, so its cost is not comparable to a bare poll.
"""
import argparse
import contextvars
import json
import sys
import timeit

REPEAT = 5
ITEMS = 64


def ns_per_op(stmt, g, number, per=1):
    best = min(timeit.repeat(stmt, globals=g, number=number, repeat=REPEAT))
    return best / number / per * 1e9


def bench_extracontext(backend):
    from extracontext import ContextLocal, ContextMap

    ctx, ctx1000, ctx1, ctx10000 = (ContextLocal(backend=backend) for _ in range(4))
    # Set here, not in a helper: the "python" backend keeps values per stack
    # frame, so values set in a helper vanish when it returns.
    for local, n in ((ctx, 8), (ctx1000, 1000), (ctx1, 1), (ctx10000, 10_000)):
        for i in range(n):
            setattr(local, f"key{i}", i)
    cmap = ContextMap(backend=backend)
    for i in range(8):
        cmap[f"key{i}"] = i

    @ctx
    def isolated_noop():
        pass

    def plain_noop():
        pass

    def bare_gen():
        yield from range(ITEMS)

    @ctx
    def isolated_gen():
        yield from range(ITEMS)

    g = dict(
        ctx=ctx, ctx1000=ctx1000, ctx1=ctx1, ctx10000=ctx10000, cmap=cmap,
        isolated_noop=isolated_noop, plain_noop=plain_noop,
        bare_gen=bare_gen, isolated_gen=isolated_gen,
    )
    n = 20_000 if backend == "python" else 200_000
    it = max(n // 100, 200)
    return {
        "read/ContextLocal::get (8 keys)": ns_per_op("ctx.key3", g, n),
        "read/ContextLocal::get (1000 keys)": ns_per_op("ctx1000.key3", g, n),
        "read/ContextMap::get (8 keys)": ns_per_op("cmap['key3']", g, n),
        "write/ContextLocal::set repeated (8 keys, Persistent)": ns_per_op("ctx.key3 = 3", g, n),
        "write/ContextMap::insert repeated (8 keys)": ns_per_op("cmap['key3'] = 3", g, n),
        "write/run(|| ()) (8 keys, Persistent)": ns_per_op("with ctx: pass", g, n),
        "write/run + first set in frame (8 keys, Persistent)": ns_per_op(
            "with ctx:\n    ctx.key3 = 3", g, n),
        "write/run + remove in frame (8 keys, Persistent)": ns_per_op(
            "with ctx:\n    del ctx.key3", g, n),
        "frame/plain no-op fn": ns_per_op("plain_noop()", g, n),
        "frame/#[isolated] no-op fn": ns_per_op("isolated_noop()", g, n),
        "frame/run(|| ()) (1 key, Persistent)": ns_per_op("with ctx1: pass", g, n),
        "frame/run(|| ()) (10000 keys, Persistent)": ns_per_op("with ctx10000: pass", g, n),
        "frame/run + first set (1 key, Persistent)": ns_per_op(
            "with ctx1:\n    ctx1.key0 = 1", g, n),
        "frame/run + first set (10000 keys, Persistent)": ns_per_op(
            "with ctx10000:\n    ctx10000.key0 = 1", g, n),
        "next/bare iterator": ns_per_op("for x in bare_gen(): pass", g, it, ITEMS + 1),
        "next/#[isolated] fn -> impl Iterator": ns_per_op(
            "for x in isolated_gen(): pass", g, it, ITEMS + 1),
    }


def bench_contextvars():
    var = contextvars.ContextVar("var")
    var.set(3)

    def noop():
        pass

    g = {"var": var, "noop": noop, "copy_context": contextvars.copy_context}
    n = 1_000_000
    return {
        "read/ContextKey::get": ns_per_op("var.get()", g, n),
        "write/ContextKey::set repeated": ns_per_op("var.set(3)", g, n),
        "frame/Snapshot::current() (+ drop)": ns_per_op("copy_context()", g, n),
        "frame/run(|| ()) (1 key, Persistent)": ns_per_op("copy_context().run(noop)", g, n),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args()
    out = {"python": sys.version.split()[0], "extracontext": None, "results": {}}
    try:
        import extracontext

        out["extracontext"] = getattr(extracontext, "__version__", "?")
        for backend in ("native", "python"):
            out["results"][f"extracontext {backend}"] = bench_extracontext(backend)
    except ImportError:
        print("# extracontext is not installed: `pip install extracontext==1.2.0`",
              file=sys.stderr)
    out["results"]["contextvars"] = bench_contextvars()

    print(f"# Python {out['python']}, extracontext {out['extracontext']}")
    for peer, ops in out["results"].items():
        print(f"\n## {peer}")
        width = max(len(k) for k in ops)
        for op, ns in ops.items():
            print(f"{op:<{width}}  {ns:10.1f} ns")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
