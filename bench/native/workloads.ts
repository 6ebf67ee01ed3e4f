/**
 * The workloads on native async/await, in two labelled variants (bench/NOTES.md):
 *   - macro: `sleep(0)` is `await new Promise(r => setImmediate(r))` — Node's
 *     loop turns, the fair analogue; blocked queue/lock waiters and W3's
 *     callbacks go through setImmediate too;
 *   - micro: `sleep(0)` is `await null` — microtasks only, a lower bound no
 *     real loop can match; waiters resume by a resolved promise, W3's
 *     callbacks are queueMicrotask.
 * W4 (timers) and M1 (memory) exist only as macro (setTimeout).
 */
import { fullGC, w4DelaysMs, type Workload } from '../harness';
import {
  DEPTH,
  QUEUE_SIZE,
  TASKS,
  checkCallbacks,
  checkEqualsN,
  checkQueueSum,
  checkSpawn,
  checkTimers,
  type MemoryOutcome,
  type TimerOutcome,
  type WorkloadId,
} from '../workloads';
import { AsyncLock, AsyncQueue, wakeMacro, wakeMicro, type Wake } from './primitives';
import { W8 } from './echo';

export type Variant = 'macro' | 'micro';

/** The `sleep(0)` of each variant. */
const macroTick = (): Promise<void> => new Promise<void>((r) => setImmediate(r));
const microTick = (): null => null;

interface Flavour {
  tick: () => Promise<void> | null;
  wake: Wake;
  schedule: (cb: () => void) => void;
}

const FLAVOURS: Record<Variant, Flavour> = {
  macro: { tick: macroTick, wake: wakeMacro, schedule: (cb) => setImmediate(cb) },
  micro: { tick: microTick, wake: wakeMicro, schedule: (cb) => queueMicrotask(cb) },
};

interface Counter {
  value: number;
}

function make(f: Flavour): Partial<Record<WorkloadId, Workload<any, any>>> {
  const tick = f.tick;

  // W1 spawn
  async function spawned(i: number): Promise<number> {
    await tick();
    return i;
  }
  const W1: Workload<void, number[]> = {
    async once(n, _input, sw) {
      sw.start();
      const all = new Array<Promise<number>>(n);
      for (let i = 0; i < n; i++) all[i] = spawned(i);
      const results = await Promise.all(all);
      sw.stop();
      return results;
    },
    check: checkSpawn,
  };

  // W2 switch
  async function switcher(times: number, counter: Counter): Promise<void> {
    for (let k = 0; k < times; k++) await tick();
    counter.value += times;
  }
  const W2: Workload<void, number> = {
    async once(n, _input, sw) {
      const counter: Counter = { value: 0 };
      sw.start();
      const tasks: Promise<void>[] = [];
      for (let t = 0; t < TASKS; t++) tasks.push(switcher(n / TASKS, counter));
      for (const task of tasks) await task;
      sw.stop();
      return counter.value;
    },
    check: checkEqualsN,
  };

  // W3 callbacks
  const W3: Workload<void, number> = {
    async once(n, _input, sw) {
      let count = 0;
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      const cb = (): void => {
        if (++count === n) done();
      };
      sw.start();
      for (let i = 0; i < n; i++) f.schedule(cb);
      await finished;
      sw.stop();
      return count;
    },
    check: checkCallbacks,
  };

  // W5 queue
  async function producer(q: AsyncQueue<number>, n: number): Promise<void> {
    for (let i = 0; i < n; i++) await q.put(i);
  }
  async function consumer(q: AsyncQueue<number>, n: number): Promise<number> {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += await q.get();
    return sum;
  }
  const W5: Workload<void, number> = {
    async once(n, _input, sw) {
      sw.start();
      const q = new AsyncQueue<number>(QUEUE_SIZE, f.wake);
      const p = producer(q, n);
      const c = consumer(q, n);
      const sum = await c;
      await p;
      sw.stop();
      return sum;
    },
    check: checkQueueSum,
  };

  // W6 chain
  async function level(d: number, n: number): Promise<number> {
    if (d === 0) {
      for (let k = 0; k < n; k++) await tick();
      return n;
    }
    return await level(d - 1, n);
  }
  const W6: Workload<void, number> = {
    async once(n, _input, sw) {
      sw.start();
      const r = await level(DEPTH, n);
      sw.stop();
      return r;
    },
    check: checkEqualsN,
  };

  // W7 lock
  async function locker(lock: AsyncLock, times: number, counter: Counter): Promise<void> {
    for (let k = 0; k < times; k++) {
      await lock.acquire();
      try {
        const v = counter.value;
        await tick();
        counter.value = v + 1;
      } finally {
        lock.release();
      }
    }
  }
  const W7: Workload<void, number> = {
    async once(n, _input, sw) {
      const counter: Counter = { value: 0 };
      sw.start();
      const lock = new AsyncLock(f.wake);
      const tasks: Promise<void>[] = [];
      for (let t = 0; t < TASKS; t++) tasks.push(locker(lock, n / TASKS, counter));
      for (const task of tasks) await task;
      sw.stop();
      return counter.value;
    },
    check: checkEqualsN,
  };

  return { W1, W2, W3, W5, W6, W7 };
}

// W4 timers: setTimeout (Node clamps delays under 1 ms to 1 ms, so there is no real ordering work).
const W4: Workload<Float64Array, TimerOutcome> = {
  prepare: (n) => w4DelaysMs(n),
  async once(n, delays, sw) {
    const expected = n - Math.floor(n / 3);
    const outcome: TimerOutcome = { fired: 0, cancelledFired: 0 };
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const cb = (i: number): void => {
      if (i % 3 === 2) outcome.cancelledFired++;
      if (++outcome.fired === expected) done();
    };
    sw.start();
    const handles = new Array<NodeJS.Timeout>(n);
    for (let i = 0; i < n; i++) handles[i] = setTimeout(cb, delays[i], i);
    for (let i = 2; i < n; i += 3) clearTimeout(handles[i]);
    await finished;
    sw.stop();
    return outcome;
  },
  check: checkTimers,
};

/** The timed workloads on native async/await, per variant. */
export const NATIVE: Record<Variant, Partial<Record<WorkloadId, Workload<any, any>>>> = {
  macro: { ...make(FLAVOURS.macro), W4, W8 }, // W8: raw `net` sockets (bench/native/echo.ts)
  micro: make(FLAVOURS.micro),
};

/** M1 on native async/await: N async functions each parked on `setTimeout(r, 10 s)`. */
export function nativeMemoryPerTask(n: number): MemoryOutcome {
  const seen = { started: 0, finished: 0 };
  const timers = new Array<NodeJS.Timeout | undefined>(n).fill(undefined);
  async function sleeper(i: number): Promise<void> {
    seen.started++;
    await new Promise<void>((r) => (timers[i] = setTimeout(r, 10_000)));
    seen.finished++;
  }
  fullGC();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) void sleeper(i);
  fullGC();
  const after = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) clearTimeout(timers[i]);
  return { started: seen.started, finished: seen.finished, bytesPerTask: (after - before) / n };
}
