#!/usr/bin/env python3
"""The peer measurements for benches/ops.rs: the same operations on Python's
extracontext 1.2.0 (both backends) and the stdlib contextvars.

    pip install extracontext==1.2.0     # or PYTHONPATH=<checkout of extracontext at tag 1.2.0>
    python3 benches/python_peer.py      # prints ns per operation

Each number is the best of several timeit repeats (the least disturbed run),
in nanoseconds per operation.
"""
import contextvars
import sys
import timeit

REPEAT = 7


def ns_per_op(stmt, setup_globals, number):
    best = min(timeit.repeat(stmt, globals=setup_globals, number=number, repeat=REPEAT))
    return best / number * 1e9


def bench_extracontext(backend):
    from extracontext import ContextLocal

    ctx = ContextLocal(backend=backend)
    for i in range(8):
        setattr(ctx, f"key{i}", i)

    @ctx
    def isolated_noop():
        pass

    def plain_noop():
        pass

    g = {"ctx": ctx, "isolated_noop": isolated_noop, "plain_noop": plain_noop}
    n = 20_000 if backend == "python" else 200_000
    call_plain = ns_per_op("plain_noop()", g, n)
    return {
        "get (hit, 8 keys)": ns_per_op("ctx.key3", g, n),
        "set (repeated)": ns_per_op("ctx.key3 = 3", g, n),
        "isolated no-op call (@ctx)": ns_per_op("isolated_noop()", g, n) - call_plain,
        "with ctx: (empty frame)": ns_per_op("with ctx: pass", g, n),
    }


def bench_contextvars():
    var = contextvars.ContextVar("var")
    var.set(3)

    def noop():
        pass

    g = {"var": var, "noop": noop, "copy_context": contextvars.copy_context}
    n = 1_000_000
    return {
        "ContextVar.get": ns_per_op("var.get()", g, n),
        "ContextVar.set": ns_per_op("var.set(3)", g, n),
        "copy_context().run(noop)": ns_per_op("copy_context().run(noop)", g, n),
    }


def main():
    print(f"# Python {sys.version.split()[0]}")
    results = {}
    try:
        import extracontext

        version = getattr(extracontext, "__version__", "?")
        for backend in ("native", "python"):
            for op, ns in bench_extracontext(backend).items():
                results[f"extracontext {version} {backend}: {op}"] = ns
    except ImportError:
        print("# extracontext is not installed: `pip install extracontext==1.2.0`")
    for op, ns in bench_contextvars().items():
        results[f"contextvars: {op}"] = ns
    width = max(len(k) for k in results)
    for op, ns in results.items():
        print(f"{op:<{width}}  {ns:10.1f} ns")


if __name__ == "__main__":
    main()
