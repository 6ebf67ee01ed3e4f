"""CPython's side of bench/asyncgen.ts: N values through one consumer, best of 7.

(a) await asyncio.sleep(0) per item; (b) await agen.__anext__() of an async
generator that only yields; (c) async for over it; (e) the generator awaits
sleep(0) before each value.  Run: python3 bench/python/asyncgen.py [N]
"""
import asyncio
import gc
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
ROUNDS = 7


async def numbers(n):
    for i in range(n):
        yield i


async def slow_numbers(n):
    for i in range(n):
        await asyncio.sleep(0)
        yield i


async def a_sleep0(n):
    s = 0
    for i in range(n):
        await asyncio.sleep(0)
        s += i
    return s


async def b_anext(n):
    g = numbers(n)
    s = 0
    for _ in range(n):
        s += await g.__anext__()
    return s


async def c_async_for(n):
    s = 0
    async for x in numbers(n):
        s += x
    return s


async def e_anext_sleep0(n):
    g = slow_numbers(n)
    s = 0
    for _ in range(n):
        s += await g.__anext__()
    return s


VARIANTS = [('(a) sleep(0) switch', a_sleep0), ('(b) emit/anext', b_anext), ('(c) async for', c_async_for), ('(e) anext + sleep(0)', e_anext_sleep0)]


def once(fn, n):
    loop = asyncio.new_event_loop()
    gc.collect()
    t0 = time.perf_counter()
    s = loop.run_until_complete(fn(n))
    dt = time.perf_counter() - t0
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
    assert s == n * (n - 1) // 2
    return dt


for _, fn in VARIANTS:
    once(fn, N // 10)
best = [float('inf')] * len(VARIANTS)
for _ in range(ROUNDS):
    for i, (_, fn) in enumerate(VARIANTS):
        best[i] = min(best[i], once(fn, N))
print(f'CPython {sys.version.split()[0]} async generators (N={N}), best of {ROUNDS}; ns per item, and x(a):')
for (name, _), b in zip(VARIANTS, best):
    print(f'  {name:<28} {b / N * 1e9:6.0f} ns  {N / b / 1e6:.2f}M items/s  x{b / best[0]:.2f}')
