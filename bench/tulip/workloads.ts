/**
 * The workloads on tulip, with the synchronous driver (`runUntilComplete`,
 * `runForever`) on the loop a user gets by default — `new EventLoop()`, the
 * real clock, as under `runSync()` — or, with `--diagnostic`, on a virtual
 * clock (see bench/NOTES.md: the figures of round one). Compare each with
 * the same function in bench/python/workloads.py: they are written to read alike.
 */
import * as tulip from '../../lib';
import { EventLoop, coroutine, createTask, sleep, type Coroutine, type Task, type TimerHandle } from '../../lib';
import type { Context as ContextT, ContextVar as ContextVarT, Lock as LockT, Queue as QueueT } from '../../lib';
import { W8 } from './echo';
import { fullGC, w4DelaysMs, type Stopwatch, type Workload } from '../harness';
import {
  DEPTH,
  QUEUE_SIZE,
  TASKS,
  checkCallbacks,
  checkEqualsN,
  checkQueueSum,
  checkSpawn,
  checkTimers,
  checkCancelled,
  type CancelOutcome,
  type MemoryOutcome,
  type TimerOutcome,
  type WorkloadId,
} from '../workloads';

// Parts written by other issues are looked up at run time, so that a missing
// one makes its cell "n/a (not implemented)" instead of breaking the suite.
const lib = tulip as unknown as Record<string, unknown>;
const gather = lib.gather as typeof tulip.gather | undefined;
const Queue = lib.Queue as typeof QueueT | undefined;
const Lock = lib.Lock as typeof LockT | undefined;
const ContextVar = lib.ContextVar as typeof ContextVarT | undefined;
const Context = lib.Context as typeof ContextT | undefined;

/** What each workload needs beyond the core; a missing name makes the cell n/a. */
export const REQUIRES: Partial<Record<WorkloadId, [string, unknown][]>> = {
  W1: [['gather', gather]],
  W5: [['Queue', Queue]],
  W7: [['Lock', Lock]],
  C1: [['gather', gather]],
  W2v: [['ContextVar', ContextVar]],
  W3v: [['ContextVar', ContextVar], ['Context', Context]],
};

/** The headline runs on the default loop (real clock); `--diagnostic` on a virtual clock. */
const DIAGNOSTIC = process.argv.includes('--diagnostic');

function benchLoop(): EventLoop {
  return DIAGNOSTIC ? new EventLoop({ clock: 'virtual' }) : new EventLoop();
}

/** Runs `main` to completion on a fresh loop; only `runUntilComplete` is timed. */
function timedRun<T>(loop: EventLoop, sw: Stopwatch, main: () => Coroutine<T> | tulip.CoroutineCall<T>): T {
  try {
    sw.start();
    const result = loop.runUntilComplete(main());
    sw.stop();
    return result;
  } finally {
    loop.close();
  }
}

// ---- W1 spawn: N tasks, each sleep(0) once and return i; gather them ----

function* spawned(i: number): Coroutine<number> {
  yield* sleep(0);
  return i;
}

function* spawnAll(n: number): Coroutine<number[]> {
  const tasks = new Array<Task<number>>(n);
  for (let i = 0; i < n; i++) tasks[i] = createTask(spawned(i));
  return yield* (gather as typeof tulip.gather)(tasks);
}

const W1: Workload<void, number[]> = {
  once: (n, _input, sw) => timedRun(benchLoop(), sw, () => spawnAll(n)),
  check: checkSpawn,
};

// ---- W2 switch: 100 tasks, each sleep(0) N/100 times, then add its count ----

interface Counter {
  value: number;
}

function* switcher(times: number, counter: Counter): Coroutine<void> {
  for (let k = 0; k < times; k++) yield* sleep(0);
  counter.value += times;
}

function* switchAll(n: number): Coroutine<number> {
  const counter: Counter = { value: 0 };
  const tasks: Task<void>[] = [];
  for (let t = 0; t < TASKS; t++) tasks.push(createTask(switcher(n / TASKS, counter)));
  for (const task of tasks) yield* task;
  return counter.value;
}

const W2: Workload<void, number> = {
  once: (n, _input, sw) => timedRun(benchLoop(), sw, () => switchAll(n)),
  check: checkEqualsN,
};

// ---- W2v: W2, each task setting a ContextVar first and reading it at the end ----

function* switcherWithVar(requestId: ContextVarT<number>, t: number, times: number, counter: Counter): Coroutine<void> {
  requestId.set(t); // the task's own context gets a map of one entry
  for (let k = 0; k < times; k++) yield* sleep(0);
  counter.value += times + requestId.get() - t;
}

function* switchAllWithVar(n: number): Coroutine<number> {
  const requestId = new (ContextVar as typeof ContextVarT)<number>('requestId');
  const counter: Counter = { value: 0 };
  const tasks: Task<void>[] = [];
  for (let t = 0; t < TASKS; t++) tasks.push(createTask(switcherWithVar(requestId, t, n / TASKS, counter)));
  for (const task of tasks) yield* task;
  return counter.value;
}

const W2v: Workload<void, number> = {
  once: (n, _input, sw) => timedRun(benchLoop(), sw, () => switchAllWithVar(n)),
  check: checkEqualsN,
};

// ---- W3 callbacks: callSoon N times, then runForever; the N-th stops the loop ----

const W3: Workload<void, number> = {
  once(n, _input, sw) {
    const loop = benchLoop();
    let count = 0;
    const cb = (): void => {
      if (++count === n) loop.stop();
    };
    try {
      sw.start();
      for (let i = 0; i < n; i++) loop.callSoon(cb);
      loop.runForever();
      sw.stop();
    } finally {
      loop.close();
    }
    return count;
  },
  check: checkCallbacks,
};

// ---- W3v: W3, scheduled from a context where a ContextVar is set; each callback reads it ----

const W3v: Workload<void, number> = {
  once(n, _input, sw) {
    const loop = benchLoop();
    const one = new (ContextVar as typeof ContextVarT)<number>('one');
    let count = 0;
    const cb = (): void => {
      count += one.get();
      if (count === n) loop.stop();
    };
    try {
      sw.start();
      new (Context as typeof ContextT)().run(() => {
        one.set(1);
        for (let i = 0; i < n; i++) loop.callSoon(cb); // each handle keeps the context's map
      });
      loop.runForever();
      sw.stop();
    } finally {
      loop.close();
    }
    return count;
  },
  check: checkCallbacks,
};

// ---- W4 timers (real clock): callLater N LCG delays, cancel every third, run until the last fires ----

const W4: Workload<Float64Array, TimerOutcome> = {
  /** The delays in seconds (the LCG gives milliseconds). */
  prepare: (n) => w4DelaysMs(n).map((ms) => ms / 1000),
  once(n, delays, sw) {
    const loop = new EventLoop({ clock: 'real' });
    const expected = n - Math.floor(n / 3);
    const outcome: TimerOutcome = { fired: 0, cancelledFired: 0 };
    const cb = (i: number): void => {
      if (i % 3 === 2) outcome.cancelledFired++;
      if (++outcome.fired === expected) loop.stop();
    };
    try {
      sw.start();
      const handles = new Array<TimerHandle>(n); // inside the clock, as Python's list of handles is
      for (let i = 0; i < n; i++) handles[i] = loop.callLater(delays[i], cb, i);
      for (let i = 2; i < n; i += 3) handles[i].cancel();
      loop.runForever();
      sw.stop();
    } finally {
      loop.close();
    }
    return outcome;
  },
  check: checkTimers,
};

// ---- W5 queue: Queue(100), one producer puts 0…N−1, one consumer gets N and sums ----

function* producer(q: QueueT<number>, n: number): Coroutine<void> {
  for (let i = 0; i < n; i++) yield* q.put(i);
}

function* consumer(q: QueueT<number>, n: number): Coroutine<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += yield* q.get();
  return sum;
}

function* queueBoth(n: number): Coroutine<number> {
  const q = new (Queue as typeof QueueT)<number>(QUEUE_SIZE);
  const p = createTask(producer(q, n));
  const c = createTask(consumer(q, n));
  const sum = yield* c;
  yield* p;
  return sum;
}

const W5: Workload<void, number> = {
  once: (n, _input, sw) => timedRun(benchLoop(), sw, () => queueBoth(n)),
  check: checkQueueSum,
};

// ---- W6 chain: level(0) does sleep(0) N times; level(d) returns yield* level(d − 1); run level(199) ----

export function* level(d: number, n: number): Coroutine<number> {
  if (d === 0) {
    for (let k = 0; k < n; k++) yield* sleep(0);
    return n;
  }
  return yield* level(d - 1, n);
}

const W6: Workload<void, number> = {
  once: (n, _input, sw) => timedRun(benchLoop(), sw, () => level(DEPTH, n)),
  check: checkEqualsN,
};

/**
 * W6 through `coroutine()`: each level is a frame on the Task's own stack.
 * The body has a name of its own on purpose: inside `coroutine(function*
 * levelC() {…})` the name `levelC` would be the bare generator function (a
 * named function expression binds its own name), so the recursion would
 * bypass coroutine() and silently become plain `yield*`.
 */
function* levelCBody(d: number, n: number): Coroutine<number> {
  if (d === 0) {
    for (let k = 0; k < n; k++) yield* sleep(0);
    return n;
  }
  return yield* levelC(d - 1, n);
}
export const levelC = coroutine(levelCBody);

const W6c: Workload<void, number> = {
  once: (n, _input, sw) => timedRun(benchLoop(), sw, () => levelC(DEPTH, n)),
  check: checkEqualsN,
};

// ---- W7 lock: 100 tasks, each N/100 times: acquire; v = counter; sleep(0); counter = v + 1; release ----

function* locker(lock: LockT, times: number, counter: Counter): Coroutine<void> {
  for (let k = 0; k < times; k++) {
    yield* lock.acquire();
    try {
      const v = counter.value;
      yield* sleep(0);
      counter.value = v + 1;
    } finally {
      lock.release();
    }
  }
}

function* lockAll(n: number): Coroutine<number> {
  const lock = new (Lock as typeof LockT)();
  const counter: Counter = { value: 0 };
  const tasks: Task<void>[] = [];
  for (let t = 0; t < TASKS; t++) tasks.push(createTask(locker(lock, n / TASKS, counter)));
  for (const task of tasks) yield* task;
  return counter.value;
}

const W7: Workload<void, number> = {
  once: (n, _input, sw) => timedRun(benchLoop(), sw, () => lockAll(n)),
  check: checkEqualsN,
};

// ---- C1 cancel: N tasks parked in sleep(3600); time cancelling them all until gather has them ----

function* sleepLong(): Coroutine<void> {
  yield* sleep(3600);
}

function* cancelAll(n: number, sw: Stopwatch): Coroutine<CancelOutcome> {
  const tasks = new Array<Task<void>>(n);
  for (let i = 0; i < n; i++) tasks[i] = createTask(sleepLong());
  yield* sleep(0); // every task is now parked on its timer
  sw.start();
  for (let i = 0; i < n; i++) tasks[i].cancel();
  const results = yield* (gather as typeof tulip.gather)(tasks, { returnExceptions: true });
  sw.stop();
  let cancelled = 0;
  for (const r of results) if (r instanceof tulip.CancelledError) cancelled++;
  return { tasks: results.length, cancelled };
}

const C1: Workload<void, CancelOutcome> = {
  once(n, _input, sw) {
    const loop = benchLoop();
    try {
      return loop.runUntilComplete(cancelAll(n, sw));
    } finally {
      loop.close();
    }
  },
  check: checkCancelled,
};

/** The timed workloads on tulip. */
export const TULIP: Partial<Record<WorkloadId, Workload<any, any>>> = { W1, W2, W2v, W3, W3v, W4, W5, W6, W6c, W7, W8, C1 };

// ---- M1 memory: N tasks each sleep(10), all parked on their timers ----

/**
 * Heap bytes per pending sleeping task: `heapUsed` after a full GC, with the
 * N tasks parked on their timers, minus the same before they were created.
 */
export function memoryPerTask(n: number): MemoryOutcome {
  const loop = benchLoop();
  const seen = { started: 0, finished: 0 };
  function* sleeper(): Coroutine<void> {
    seen.started++;
    yield* sleep(10);
    seen.finished++;
  }
  function* spawnSleepers(): Coroutine<void> {
    for (let i = 0; i < n; i++) createTask(sleeper());
    yield* sleep(0); // one iteration: every sleeper runs up to its sleep(10)
  }
  try {
    fullGC();
    const before = process.memoryUsage().heapUsed;
    loop.runUntilComplete(spawnSleepers());
    fullGC();
    const after = process.memoryUsage().heapUsed;
    return { started: seen.started, finished: seen.finished, bytesPerTask: (after - before) / n };
  } finally {
    loop.close();
  }
}
