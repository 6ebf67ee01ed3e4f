"""The workloads of bench/NOTES.md ("The workloads") on CPython's asyncio.

Run by bench/run.ts as a child process, once per workload and CPython:

    python3 bench/python/workloads.py W2 200000 --warmups 1 --runs 5 --warmup-seconds 0.5
    /usr/bin/python3 bench/python/workloads.py W8 100000 --loop uvloop   (W8 only: on uvloop)

prints one JSON line: {"version", "id", "n", "times", "failures"} (seconds of
each timed run that passed its check), or for M1 {"version", "id", "n",
"bytes_per_task", "started", "finished"}.

The rules are the same as on the TypeScript side (bench/harness.ts): time
with perf_counter from the first scheduling call to the result, loop creation
and teardown outside, inputs precomputed, gc.collect() before each run, each
run on a fresh loop, each run checks its result. Each function reads like its
counterpart in bench/tulip/workloads.ts.
"""
import asyncio
import gc
import json
import sys
import time
import tracemalloc

from echo import check_w8, w8, w8_inputs

TASKS = 100  # W2, W7
DEPTH = 199  # W6: level(199) is 200 frames
QUEUE_SIZE = 100  # W5


class Stopwatch:
    def __init__(self):
        self.t0 = None
        self.t1 = None

    def start(self):
        self.t0 = time.perf_counter()

    def stop(self):
        self.t1 = time.perf_counter()

    def seconds(self):
        return self.t1 - self.t0


def timed_run(sw, main):
    loop = asyncio.new_event_loop()
    try:
        sw.start()
        result = loop.run_until_complete(main())
        sw.stop()
        return result
    finally:
        loop.close()


def triangle(n):
    return n * (n - 1) // 2


# ---- W1 spawn: N tasks, each sleep(0) once and return i; gather them ----

async def spawned(i):
    await asyncio.sleep(0)
    return i


def w1(n, _input, sw):
    async def spawn_all():
        tasks = [asyncio.create_task(spawned(i)) for i in range(n)]
        return await asyncio.gather(*tasks)
    return timed_run(sw, spawn_all)


def check_w1(results, n, _input):
    return len(results) == n and sum(results) == triangle(n)


# ---- W2 switch: 100 tasks, each sleep(0) N/100 times, then add its count ----

def w2(n, _input, sw):
    counter = [0]

    async def switcher(times):
        for _ in range(times):
            await asyncio.sleep(0)
        counter[0] += times

    async def switch_all():
        tasks = [asyncio.create_task(switcher(n // TASKS)) for _ in range(TASKS)]
        for task in tasks:
            await task
        return counter[0]
    return timed_run(sw, switch_all)


# ---- W3 callbacks: call_soon N times, then run_forever; the N-th stops the loop ----

def w3(n, _input, sw):
    loop = asyncio.new_event_loop()
    count = 0

    def cb():
        nonlocal count
        count += 1
        if count == n:
            loop.stop()
    try:
        sw.start()
        for _ in range(n):
            loop.call_soon(cb)
        loop.run_forever()
        sw.stop()
    finally:
        loop.close()
    return count


# ---- W4 timers (real clock): call_later N LCG delays, cancel every third, run until the last fires ----

def w4_delays(n):
    """x = (1664525·x + 1013904223) mod 2^32, seed 12345; delay_i = x_i / 2^32 ms, in seconds."""
    out = []
    x = 12345
    for _ in range(n):
        x = (1664525 * x + 1013904223) % 4294967296
        out.append(x / 4294967296 / 1000)
    return out


def w4(n, delays, sw):
    loop = asyncio.new_event_loop()
    expected = n - n // 3
    outcome = {"fired": 0, "cancelledFired": 0}

    def cb(i):
        if i % 3 == 2:
            outcome["cancelledFired"] += 1
        outcome["fired"] += 1
        if outcome["fired"] == expected:
            loop.stop()
    try:
        sw.start()
        handles = [loop.call_later(delays[i], cb, i) for i in range(n)]
        for i in range(2, n, 3):
            handles[i].cancel()
        loop.run_forever()
        sw.stop()
    finally:
        loop.close()
    return outcome


def check_w4(r, n, _input):
    return r["fired"] == n - n // 3 and r["cancelledFired"] == 0


# ---- W5 queue: Queue(100), one producer puts 0…N−1, one consumer gets N and sums ----

async def producer(q, n):
    for i in range(n):
        await q.put(i)


async def consumer(q, n):
    total = 0
    for _ in range(n):
        total += await q.get()
    return total


def w5(n, _input, sw):
    async def queue_both():
        q = asyncio.Queue(QUEUE_SIZE)
        p = asyncio.create_task(producer(q, n))
        c = asyncio.create_task(consumer(q, n))
        total = await c
        await p
        return total
    return timed_run(sw, queue_both)


# ---- W6 chain: level(0) does sleep(0) N times; level(d) returns await level(d − 1); run level(199) ----

async def level(d, n):
    if d == 0:
        for _ in range(n):
            await asyncio.sleep(0)
        return n
    return await level(d - 1, n)


def w6(n, _input, sw):
    return timed_run(sw, lambda: level(DEPTH, n))


# ---- W7 lock: 100 tasks, each N/100 times: acquire; v = counter; sleep(0); counter = v + 1; release ----

def w7(n, _input, sw):
    counter = [0]

    async def locker(lock, times):
        for _ in range(times):
            await lock.acquire()
            try:
                v = counter[0]
                await asyncio.sleep(0)
                counter[0] = v + 1
            finally:
                lock.release()

    async def lock_all():
        lock = asyncio.Lock()
        tasks = [asyncio.create_task(locker(lock, n // TASKS)) for _ in range(TASKS)]
        for task in tasks:
            await task
        return counter[0]
    return timed_run(sw, lock_all)


def check_equals_n(r, n, _input):
    return r == n


def check_sum(r, n, _input):
    return r == triangle(n)


# ---- M1 memory: N tasks each sleep(10), all parked on their timers ----

def m1(n):
    """Bytes per pending sleeping task: tracemalloc's traced heap after − before, after gc.collect(), / N."""
    loop = asyncio.new_event_loop()
    seen = {"started": 0, "finished": 0}

    async def sleeper():
        seen["started"] += 1
        await asyncio.sleep(10)
        seen["finished"] += 1

    async def spawn_sleepers():
        for _ in range(n):
            loop.create_task(sleeper())
        await asyncio.sleep(0)  # one iteration: every sleeper runs up to its sleep(10)

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loop.run_until_complete(spawn_sleepers())
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    result = {"bytes_per_task": (after - before) / n, **seen}
    # Clean up quietly: cancel the sleepers and let them finish.
    pending = asyncio.all_tasks(loop)
    for t in pending:
        t.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.close()
    return result


# ---- C1 cancel: N tasks parked in sleep(3600); time cancelling them all until gather has them ----

async def sleep_long():
    await asyncio.sleep(3600)


def c1(n, _input, sw):
    async def cancel_all():
        tasks = [asyncio.create_task(sleep_long()) for _ in range(n)]
        await asyncio.sleep(0)  # every task is now parked on its timer
        sw.start()
        for t in tasks:
            t.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        sw.stop()
        cancelled = sum(1 for r in results if isinstance(r, asyncio.CancelledError))
        return {"tasks": len(results), "cancelled": cancelled}

    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(cancel_all())
    finally:
        loop.close()


def check_c1(r, n, _input):
    return r["tasks"] == n and r["cancelled"] == n


WORKLOADS = {
    "C1": (None, c1, check_c1),
    "W1": (None, w1, check_w1),
    "W2": (None, w2, check_equals_n),
    "W3": (None, w3, check_equals_n),
    "W4": (w4_delays, w4, check_w4),
    "W5": (None, w5, check_sum),
    "W6": (None, w6, check_equals_n),
    "W7": (None, w7, check_equals_n),
    "W8": (w8_inputs, w8, check_w8),
}


def main(argv):
    wid, n = argv[0], int(argv[1])
    warmups = int(argv[argv.index("--warmups") + 1]) if "--warmups" in argv else 1
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 5
    warmup_seconds = float(argv[argv.index("--warmup-seconds") + 1]) if "--warmup-seconds" in argv else 0.5
    version = "%d.%d.%d" % sys.version_info[:3]
    if wid == "M1":
        out = {"version": version, "id": wid, "n": n, **m1(n)}
        print(json.dumps(out))
        return
    prepare, once, check = WORKLOADS[wid]
    if "--loop" in argv and argv[argv.index("--loop") + 1] == "uvloop":
        import functools
        import uvloop  # Debian's python3-uvloop, for the system python3
        once = functools.partial(w8, new_loop=uvloop.new_event_loop)
        version = "uvloop %s (CPython %s)" % (uvloop.__version__, version)
    inp = prepare(n) if prepare else None
    times, failures = [], []

    def trial(timed):
        gc.collect()
        sw = Stopwatch()
        try:
            result = once(n, inp, sw)
        except Exception as e:  # a run that throws is voided, like a failed check
            failures.append("threw %r" % (e,))
            return
        if not check(result, n, inp):
            failures.append("wrong result %r" % (str(result)[:80],))
            return
        if timed:
            times.append(sw.seconds())

    # The same warm-up rule as bench/cell.ts: at least `warmups` runs and `warmup_seconds`.
    warm_until = time.perf_counter() + warmup_seconds
    k = 0
    while k < warmups or time.perf_counter() < warm_until:
        trial(False)
        k += 1
    for _ in range(runs):
        trial(True)
    print(json.dumps({"version": version, "id": wid, "n": n, "times": times, "failures": failures}))


if __name__ == "__main__":
    main(sys.argv[1:])
