/**
 * The workloads on Effection (npm `effection`, 4.x): structured concurrency
 * with generator operations driven by `yield*` — the closest JavaScript peer
 * of tulip. Each is written with Effection's own operations (`run`, `spawn`,
 * `all`, `sleep`, `call`, task `halt()`, contexts) and checked with the
 * checks of bench/workloads.ts. What each maps to, and what has no faithful
 * equivalent (W3, W5, W7, W8: '—'), is in bench/NOTES.md, "Effection".
 *
 * The rules that shape these (the why):
 *   - Effection has no "yield to the others once": its reducer runs every
 *     routine it can synchronously, and a routine waits only on something
 *     outside (a promise, a timer, another task). `sleep(0)` is a
 *     `setTimeout(0)`, which Node clamps to 1 ms — a loop of them measures
 *     the clock, not Effection. So `sleep(0)` here is the step Effection's
 *     own benchmarks use, `call(() => Promise.resolve())`: the routine waits
 *     for one resolved promise (a microtask), the others run meanwhile. It
 *     compares with the "native micro" column.
 *   - A timer you can cancel is a task: Effection has no timer handles, so
 *     W4's cancellable timers are tasks doing `sleep(delay)`, and a cancel is
 *     `halt()` (which clears the timer). W4 thus prices a task per timer.
 *   - Every run is one `run(…)` from outside, awaited: the clock stops when
 *     the caller has the result, structured teardown included (Effection
 *     halts a scope's leftover children before its task settles).
 */
import { all, call, createContext, run, sleep, spawn, suspend, withResolvers, type Operation, type Task } from 'effection';
import { fullGC, w4DelaysMs, type Stopwatch, type Workload } from '../harness';
import {
  DEPTH,
  TASKS,
  checkCancelled,
  checkEqualsN,
  checkSpawn,
  checkTimers,
  type CancelOutcome,
  type MemoryOutcome,
  type TimerOutcome,
  type WorkloadId,
} from '../workloads';

/** The `sleep(0)` of this column: wait for one resolved promise (see the rules above). */
function yieldOnce(): Operation<void> {
  return call(() => Promise.resolve());
}

/** One run: `run(main)` from outside, timed until the caller has its result. */
async function timedRun<T>(sw: Stopwatch, main: () => Operation<T>): Promise<T> {
  sw.start();
  const result = await run(main);
  sw.stop();
  return result;
}

interface Counter {
  value: number;
}

// ---- W1 spawn: N operations, each yields once and returns i; all() spawns and joins them ----

function* spawned(i: number): Operation<number> {
  yield* yieldOnce();
  return i;
}

const W1: Workload<void, number[]> = {
  once: (n, _input, sw) =>
    timedRun(sw, function* () {
      const ops = new Array<Operation<number>>(n);
      for (let i = 0; i < n; i++) ops[i] = spawned(i);
      return yield* all(ops); // Effection's gather: a child task per operation, results in order
    }),
  check: checkSpawn,
};

// ---- W2 switch: 100 spawned tasks, each yields N/100 times, then adds its count ----

function* switcher(times: number, counter: Counter): Operation<void> {
  for (let k = 0; k < times; k++) yield* yieldOnce();
  counter.value += times;
}

function* switchAll(n: number): Operation<number> {
  const counter: Counter = { value: 0 };
  const tasks: Task<void>[] = [];
  for (let t = 0; t < TASKS; t++) tasks.push(yield* spawn(() => switcher(n / TASKS, counter)));
  for (const task of tasks) yield* task;
  return counter.value;
}

const W2: Workload<void, number> = {
  once: (n, _input, sw) => timedRun(sw, () => switchAll(n)),
  check: checkEqualsN,
};

// ---- W2v: W2, each task setting a context value first and reading it at the end ----

/** Effection's context values live on the task's scope: a set in one task is not seen by its siblings. */
const requestId = createContext<number>('bench.requestId');

function* switcherWithContext(t: number, times: number, counter: Counter): Operation<void> {
  yield* requestId.set(t);
  for (let k = 0; k < times; k++) yield* yieldOnce();
  counter.value += times + (yield* requestId.expect()) - t;
}

function* switchAllWithContext(n: number): Operation<number> {
  const counter: Counter = { value: 0 };
  const tasks: Task<void>[] = [];
  for (let t = 0; t < TASKS; t++) tasks.push(yield* spawn(() => switcherWithContext(t, n / TASKS, counter)));
  for (const task of tasks) yield* task;
  return counter.value;
}

const W2v: Workload<void, number> = {
  once: (n, _input, sw) => timedRun(sw, () => switchAllWithContext(n)),
  check: checkEqualsN,
};

// ---- W4 timers (real clock): a task per delay doing sleep(delay); halt every third; wait for the last ----

const W4: Workload<Float64Array, TimerOutcome> = {
  prepare: (n) => w4DelaysMs(n), // Effection's sleep takes milliseconds (setTimeout: under 1 ms is 1 ms)
  once: (n, delays, sw) =>
    timedRun(sw, function* () {
      const expected = n - Math.floor(n / 3);
      const outcome: TimerOutcome = { fired: 0, cancelledFired: 0 };
      const last = withResolvers<void>();
      function* timer(i: number): Operation<void> {
        yield* sleep(delays[i]);
        if (i % 3 === 2) outcome.cancelledFired++;
        if (++outcome.fired === expected) last.resolve();
      }
      const tasks = new Array<Task<void>>(n);
      for (let i = 0; i < n; i++) tasks[i] = yield* spawn(() => timer(i));
      // The children start when this task waits: one wait sets every timer (a microtask, so
      // none fires yet), as callLater has set them all before the cancels. A task halted
      // before it starts would never set its timer at all.
      yield* yieldOnce();
      for (let i = 2; i < n; i += 3) yield* tasks[i].halt();
      yield* last.operation;
      return outcome;
    }),
  check: checkTimers,
};

// ---- W6 chain: level(0) yields N times; level(d) returns yield* level(d − 1); run level(199) ----

function* level(d: number, n: number): Operation<number> {
  if (d === 0) {
    for (let k = 0; k < n; k++) yield* yieldOnce();
    return n;
  }
  return yield* level(d - 1, n);
}

const W6: Workload<void, number> = {
  once: (n, _input, sw) => timedRun(sw, () => level(DEPTH, n)),
  check: checkEqualsN,
};

// ---- C1 cancel: N tasks parked in sleep(3600 s); time halting each until it has unwound ----

function* cancelAll(n: number, sw: Stopwatch): Operation<CancelOutcome> {
  const outcome: CancelOutcome = { tasks: 0, cancelled: 0 };
  function* sleepLong(): Operation<void> {
    outcome.tasks++;
    try {
      yield* sleep(3_600_000);
    } finally {
      outcome.cancelled++; // a halted task runs its finally blocks: the proof it unwound
    }
  }
  const tasks = new Array<Task<void>>(n);
  for (let i = 0; i < n; i++) tasks[i] = yield* spawn(sleepLong);
  yield* yieldOnce(); // the children start when this task waits: now every one is parked on its timer
  sw.start();
  // halt() returns once the task has unwound (its finally blocks run, its timer cleared), as gather has a cancelled task
  for (let i = 0; i < n; i++) yield* tasks[i].halt();
  sw.stop();
  return outcome;
}

const C1: Workload<void, CancelOutcome> = {
  once: (n, _input, sw) => run(() => cancelAll(n, sw)),
  check: checkCancelled,
};

/** The timed workloads on Effection; a missing id is '—' (no faithful equivalent; bench/NOTES.md). */
export const EFFECTION: Partial<Record<WorkloadId, Workload<any, any>>> = { W1, W2, W2v, W4, W6, C1 };

/**
 * The largest N a workload runs with here. A parked Effection task holds
 * about 11 KB of heap (M1), so C1's million tasks would need some 11 GB —
 * past Node's default heap limit (4 GB here). At 100 000 it needs 1.1 GB;
 * the table says which N the cell ran at, and a rate per task barely moves
 * with N (bench/NOTES.md, "Effection").
 */
export const EFFECTION_MAX_N: Partial<Record<WorkloadId, number>> = { C1: 100_000 };

// ---- M1 memory: N tasks each sleep(10 s), all parked on their timers ----

/**
 * Heap bytes per pending sleeping task, as bench/native measures it: a
 * `run()` from outside runs synchronously until every routine waits, so
 * when it returns the N children are parked in `sleep(10 s)`.
 */
export function effectionMemoryPerTask(n: number): MemoryOutcome {
  const seen = { started: 0, finished: 0 };
  function* sleeper(): Operation<void> {
    seen.started++;
    yield* sleep(10_000);
    seen.finished++;
  }
  fullGC();
  const before = process.memoryUsage().heapUsed;
  const main = run(function* () {
    for (let i = 0; i < n; i++) yield* spawn(sleeper);
    yield* suspend();
  });
  fullGC();
  const after = process.memoryUsage().heapUsed;
  // halt() acts when awaited (it is lazy): halting main halts the children and clears their timers
  main.halt().then(
    () => {},
    () => {},
  );
  return { started: seen.started, finished: seen.finished, bytesPerTask: (after - before) / n };
}
