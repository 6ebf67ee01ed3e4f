/**
 * Runs a generated program (programs.ts) on a virtual-clock loop, with an
 * instrument that watches every callback and timer, and checks the runtime's
 * invariants as it goes and at the end:
 *   - every callback scheduled ran exactly once, or was cancelled and never ran;
 *   - callSoon callbacks ran in the order they were scheduled (unshuffled);
 *   - no timer fired before its deadline — on the virtual clock, exactly at
 *     it — and timers with equal deadlines fired in scheduling order (unshuffled);
 *   - every done callback of a Future ran exactly once, after it was done,
 *     and a removed one never;
 *   - every task body that started ran its `finally` exactly once
 *     (cancelled ones included), and none started twice;
 *   - no lock or semaphore is held or waited on at the end, and mutual
 *     exclusion held throughout;
 *   - no queue item was lost or duplicated: the items gotten plus those left
 *     are exactly the items whose put() returned (FIFO queues: in order);
 *   - at quiescence, nobody waits on a queue, event or lock that could serve them;
 *   - at the end allTasks() is empty, the ready deque and the timer heap are
 *     empty, and the exception handler was never called (no error swallowed
 *     into "never retrieved", none thrown by a callback).
 * Violations are collected, not thrown, so the program runs as written. The operations themselves are in operations.ts.
 */
import {
  BoundedSemaphore,
  CancelledError,
  Event,
  EventLoop,
  ExceptionGroup,
  LifoQueue,
  Lock,
  PriorityQueue,
  Queue,
  QueueShutDown,
  TimeoutError,
  TimerHandle,
  allTasks,
  createTask,
  currentTask,
  eagerTaskFactory,
  getRunningLoop,
  wait,
  type Coroutine,
  type Future,
  type Handle,
  type Instrument,
  type Task,
} from '../../lib';
import { EVENTS, LOCKS, type Program, type TaskSpec } from './programs';
import { ProgramError, taskBody, taskBodyFrame, type Body } from './operations';

export { ProgramError };

export type Outcome = 'ok' | 'error' | 'cancelled';

/** What became of one task of the program. */
export interface ActualTask {
  outcome: Outcome;
  value: number;
  /** Loop time when it finished. */
  end: number;
}

export interface RunStats {
  tasks: number;
  callbacks: number;
  timers: number;
  cancelRequests: number;
  cancelledTasks: number;
  timeoutsExpired: number;
  errorsThrown: number;
  refused: number;
  itemsPut: number;
  itemsGot: number;
  itemsLeft: number;
  itemsLost: number;
  itemsDuplicated: number;
}

export interface RunReport {
  violations: string[];
  /** By TaskSpec id, for the specs that became Tasks. */
  tasks: Map<number, ActualTask>;
  /** The root's result (0 if it failed or was cancelled). */
  rootValue: number;
  /** Loop time at the end of the run. */
  endTime: number;
  stats: RunStats;
}

interface BodyRecord {
  started: number;
  finallyRan: number;
  task: Task<number> | null;
  end: number | null;
  doneCalls: number;
}

interface HandleRecord {
  seq: number;
  runs: number;
  timer: boolean;
  /** Timers: when it was scheduled, and its deadline. */
  at: number;
  when: number;
}


function liveWaiters(deque: { length: number; at(i: number): Future<unknown> | undefined } | null): number {
  let n = 0;
  if (deque !== null) for (let i = 0; i < deque.length; i++) if (!(deque.at(i) as Future<unknown>).done()) n++;
  return n;
}


export class Run {
  readonly loop: EventLoop;
  readonly violations: string[] = [];
  readonly stats: RunStats = {
    tasks: 0, callbacks: 0, timers: 0, cancelRequests: 0, cancelledTasks: 0, timeoutsExpired: 0,
    errorsThrown: 0, refused: 0, itemsPut: 0, itemsGot: 0, itemsLeft: 0, itemsLost: 0, itemsDuplicated: 0,
  };
  readonly records = new Map<number, BodyRecord>();
  readonly allCreated: Task<unknown>[] = [];
  readonly specOf = new WeakMap<object, number>();
  readonly locks: Lock[] = [];
  readonly lockInside: number[] = [];
  readonly sem: BoundedSemaphore;
  semInside = 0;
  readonly queues: Queue<number>[];
  readonly putOk: number[][];
  readonly putFailed = new Set<number>();
  readonly got: number[][];
  readonly events: Event[] = [];
  nextItem = 1;
  /** Set once the driver has released every queue and event: no more waits that could last forever. */
  released = false;
  private readonly handles = new Map<Handle, HandleRecord>();
  private readonly counted: { fut: Future<unknown>; runs: number; removed: boolean }[] = [];
  private seq = 0;
  private lastRunSeq = -1;
  private readonly lastTimerSeq = new Map<number, number>();
  private callbacksRun = 0;
  private readonly cancelTimers: TimerHandle[] = [];

  constructor(readonly program: Program, readonly shuffle: number | null) {
    this.loop = new EventLoop({ clock: 'virtual', shuffle });
    if (program.eager) this.loop.setTaskFactory(eagerTaskFactory);
    this.loop.setExceptionHandler((_loop, ctx) => {
      this.violation(`exception handler called: ${ctx.message}${ctx.exception !== undefined ? ` — ${String(ctx.exception)}` : ''}`);
    });
    for (let i = 0; i < LOCKS; i++) {
      this.locks.push(new Lock());
      this.lockInside.push(0);
    }
    for (let i = 0; i < EVENTS; i++) this.events.push(new Event());
    this.sem = new BoundedSemaphore(program.semValue);
    this.queues = program.queues.map((q) =>
      q.kind === 'fifo' ? new Queue<number>(q.maxsize) : q.kind === 'lifo' ? new LifoQueue<number>(q.maxsize) : new PriorityQueue<number>({ maxsize: q.maxsize }),
    );
    this.putOk = this.queues.map(() => []);
    this.got = this.queues.map(() => []);
    this.loop.addInstrument(this.instrument);
  }

  violation(msg: string): void {
    if (this.violations.length < 50) this.violations.push(`[t=${this.loop.time()}] ${msg}`);
  }

  record(id: number): BodyRecord {
    let r = this.records.get(id);
    if (r === undefined) {
      r = { started: 0, finallyRan: 0, task: null, end: null, doneCalls: 0 };
      this.records.set(id, r);
    }
    return r;
  }

  /** The coroutine of a TaskSpec's body: a plain generator, or a `coroutine()` call. */
  body(spec: TaskSpec): Body {
    const b: Body = spec.frames ? taskBodyFrame(this, spec) : taskBody(this, spec);
    this.specOf.set(b, spec.id);
    return b;
  }

  expectTime(expected: number, what: string): void {
    if (this.loop.time() !== expected) this.violation(`${what} resumed at ${this.loop.time()}, expected ${expected}`);
  }

  /** An error a program operation may legitimately end with. */
  expected(e: unknown): boolean {
    if (e instanceof ProgramError || e instanceof CancelledError || e instanceof TimeoutError || e instanceof QueueShutDown) return true;
    if (e instanceof ExceptionGroup) return e.exceptions.every((x) => this.expected(x));
    return false;
  }

  /**
   * What a task does with an error from something it awaited: a
   * cancellation of its own (cancelling() > 0) goes on; expected errors are
   * swallowed; anything else is a bug and goes on up to the root and the run.
   */
  absorb(e: unknown): void {
    if (e instanceof CancelledError && (currentTask() as Task<unknown>).cancelling() > 0) throw e;
    if (!this.expected(e)) throw e;
  }

  /** The value of a finished task: its result, or 0 for an expected failure. */
  settled(t: Task<number>): number {
    if (t.cancelled()) return 0;
    const e = t.exception();
    if (e === null) return t.result();
    if (!this.expected(e)) this.violation(`task ${t.getName()} failed with an unexpected ${String(e)}`);
    return 0;
  }

  /** Adds a done callback that must run exactly once, after `fut` is done. */
  countedCallback(fut: Future<unknown>): void {
    const entry = { fut, runs: 0, removed: false };
    this.counted.push(entry);
    fut.addDoneCallback((f) => {
      entry.runs++;
      if (f !== fut) this.violation('a done callback got another future');
      if (!f.done()) this.violation('a done callback ran before its future was done');
    });
  }

  /** Adds a done callback and removes it again: it must never run. */
  removedCallback(fut: Future<unknown>): void {
    const entry = { fut, runs: 0, removed: true };
    this.counted.push(entry);
    const cb = () => {
      entry.runs++;
    };
    fut.addDoneCallback(cb);
    if (fut.removeDoneCallback(cb) !== 1) this.violation('removeDoneCallback did not remove exactly one registration');
  }

  private cancelSpec(id: number): void {
    const t = this.records.get(id)?.task;
    if (t && t.cancel()) this.stats.cancelRequests++;
  }

  private readonly instrument: Instrument = {
    taskCreated: (task) => {
      this.allCreated.push(task);
      this.stats.tasks++;
      const id = this.specOf.get(task.getCoro() as object);
      if (id === undefined) return; // the driver, or a task the library made (waitFor with no time)
      const rec = this.record(id);
      if (rec.task !== null) this.violation(`spec ${id} became two tasks`);
      rec.task = task as Task<number>;
      task.addDoneCallback(() => {
        rec.doneCalls++;
        rec.end = this.loop.time();
      });
      this.countedCallback(task);
      this.removedCallback(task);
    },
    callbackScheduled: (handle) => {
      this.handles.set(handle, { seq: this.seq++, runs: 0, timer: false, at: 0, when: 0 });
    },
    timerScheduled: (timer) => {
      this.stats.timers++;
      this.handles.set(timer, { seq: this.seq++, runs: 0, timer: true, at: this.loop.time(), when: timer.when() });
    },
    beforeCallback: (handle) => {
      const h = this.handles.get(handle);
      if (h === undefined) return this.violation(`a callback ran that was never scheduled: ${handle}`);
      h.runs++;
      if (handle.cancelled()) this.violation(`a cancelled handle ran: ${handle}`);
      const now = this.loop.time();
      if (h.timer) {
        if (now < h.when) this.violation(`timer fired early: due ${h.when}, fired at ${now}`);
        else if (now !== Math.max(h.when, h.at)) this.violation(`timer fired late on the virtual clock: due ${h.when}, fired at ${now}`);
        if (this.shuffle === null) {
          const last = this.lastTimerSeq.get(h.when);
          if (last !== undefined && last > h.seq) this.violation(`timers due at ${h.when} fired out of scheduling order`);
          this.lastTimerSeq.set(h.when, h.seq);
        }
      } else if (this.shuffle === null) {
        if (h.seq < this.lastRunSeq) this.violation(`callSoon callbacks ran out of order: ${handle}`);
        this.lastRunSeq = h.seq;
      }
    },
    afterCallback: () => {
      this.callbacksRun++;
      for (const c of this.program.cancelsAfter) if (c.callbacks === this.callbacksRun) this.cancelSpec(c.target);
    },
  };

  /** The program's own main: the root task, then sweeps until every task of the program is done. */
  *driver(): Coroutine<number> {
    const loop = getRunningLoop();
    for (const c of this.program.cancelsAt) this.cancelTimers.push(loop.callLater(c.at, (id: number) => this.cancelSpec(id), c.target));
    const root = createTask(this.body(this.program.main));
    // Phase 1: wait until nothing finishes any more for a long while (virtual time costs nothing).
    yield* this.sweep(1e4);
    // At quiescence nobody may wait for something that is there.
    this.checkQuiescence();
    // Phase 2: release what may legitimately wait forever (a get with no producer), then wait for the rest.
    this.released = true;
    for (const q of this.queues) q.shutdown();
    for (const e of this.events) e.set();
    yield* this.sweep(null);
    for (const h of this.cancelTimers) h.cancel();
    return root.cancelled() || root.exception() !== null ? 0 : root.result();
  }

  private *sweep(limit: number | null): Coroutine<void> {
    for (;;) {
      const undone = this.allCreated.filter((t) => !t.done() && t !== currentTask());
      if (undone.length === 0) return;
      const [done] = yield* wait(undone, { timeout: limit });
      if (limit !== null && done.size === 0) return;
    }
  }

  private checkQuiescence(): void {
    this.queues.forEach((q, i) => {
      if (q.qsize() > 0 && liveWaiters(q._getters) > 0) this.violation(`queue ${i} has ${q.qsize()} items and a getter waiting`);
      if (!q.full() && liveWaiters(q._putters) > 0) this.violation(`queue ${i} has room and a putter waiting`);
    });
    this.events.forEach((e, i) => {
      if (e.isSet() && liveWaiters(e._waiters) > 0) this.violation(`event ${i} is set and has a waiter`);
    });
    this.locks.forEach((l, i) => {
      if (!l.locked() && liveWaiters(l._waiters) > 0) this.violation(`lock ${i} is free and has a waiter`);
    });
    if (this.sem._value > 0 && liveWaiters(this.sem._waiters) > 0) this.violation('the semaphore has a permit and a waiter');
  }

  /** Runs the program to the end and checks everything; returns the report. */
  execute(): RunReport {
    const loop = this.loop;
    let rootValue = 0;
    try {
      rootValue = loop.runUntilComplete(this.driver());
    } catch (e) {
      this.violation(`the run failed: ${e instanceof Error ? e.stack : String(e)}`);
    }
    // One more iteration: whatever the last one scheduled, and the cancelled timers left in the heap.
    loop.stop();
    loop.runForever();
    if (loop._ready.length !== 0) this.violation(`${loop._ready.length} callbacks left in the ready deque`);
    if (loop._scheduled.length !== 0) this.violation(`${loop._scheduled.length} timers left in the heap: ${loop._scheduled.toArray().map(String).join(', ')}`);
    if (loop._timerCancelledCount !== 0) this.violation(`cancelled-timer count is ${loop._timerCancelledCount} with an empty heap`);
    if (allTasks(loop).size !== 0) this.violation(`allTasks() has ${allTasks(loop).size} tasks at the end`);

    for (const [handle, h] of this.handles) {
      if (h.runs > 1) this.violation(`a callback ran ${h.runs} times: ${handle}`);
      if (h.runs === 0 && !handle.cancelled()) this.violation(`a callback was lost (never ran, never cancelled): ${handle}`);
      if (!h.timer) this.stats.callbacks++;
    }
    for (const c of this.counted) {
      const want = c.removed ? 0 : 1;
      if (c.runs !== want) this.violation(`a done callback of ${c.fut} ran ${c.runs} times, expected ${want}`);
    }
    const tasks = new Map<number, ActualTask>();
    for (const [id, rec] of this.records) {
      if (rec.started > 1) this.violation(`body ${id} started ${rec.started} times`);
      if (rec.finallyRan !== rec.started) this.violation(`body ${id} started ${rec.started} times but ran its finally ${rec.finallyRan} times`);
      const t = rec.task;
      if (t === null) continue;
      if (!t.done()) continue; // reported through allTasks() above
      if (rec.doneCalls !== 1) this.violation(`task ${id}: its done callback ran ${rec.doneCalls} times`);
      if (t.cancelled()) this.stats.cancelledTasks++;
      const outcome: Outcome = t.cancelled() ? 'cancelled' : t.exception() !== null ? 'error' : 'ok';
      tasks.set(id, { outcome, value: outcome === 'ok' ? t.result() : 0, end: rec.end ?? NaN });
    }
    for (const t of this.allCreated) {
      if (t.done() && !t.cancelled() && t.exception() !== null && !this.expected(t.exception())) {
        this.violation(`${t} ended with an unexpected error: ${(t.exception() as Error).stack}`);
      }
    }
    this.locks.forEach((l, i) => {
      if (l.locked()) this.violation(`lock ${i} is still held at the end`);
      if ((l._waiters?.length ?? 0) !== 0) this.violation(`lock ${i} still has waiters at the end`);
    });
    if (this.sem._value !== this.program.semValue) this.violation(`semaphore value is ${this.sem._value}, expected ${this.program.semValue}`);
    if (this.sem._waiters !== null && this.sem._waiters.length !== 0) this.violation('the semaphore still has waiters');
    this.checkItems();
    const endTime = loop.time();
    loop.close();
    return { violations: this.violations, tasks, rootValue, endTime, stats: this.stats };
  }

  /** No queue item lost or duplicated; FIFO queues give them back in order. */
  private checkItems(): void {
    this.queues.forEach((q, i) => {
      const left: number[] = [];
      for (;;) {
        try {
          left.push(q.getNowait());
        } catch {
          break;
        }
      }
      const out = [...this.got[i], ...left];
      const put = this.putOk[i];
      this.stats.itemsPut += put.length;
      this.stats.itemsGot += this.got[i].length;
      this.stats.itemsLeft += left.length;
      const seen = new Set<number>();
      for (const x of out) {
        if (seen.has(x)) {
          this.stats.itemsDuplicated++;
          this.violation(`queue ${i}: item ${x} came out twice`);
        }
        seen.add(x);
        if (this.putFailed.has(x)) this.violation(`queue ${i}: item ${x} came out though its put() failed`);
      }
      for (const x of put) {
        if (!seen.has(x)) {
          this.stats.itemsLost++;
          this.violation(`queue ${i}: item ${x} was put and never came out (lost)`);
        }
      }
      const sum = (a: number[]) => a.reduce((s, x) => s + x, 0);
      if (sum(out) !== sum(put)) this.violation(`queue ${i}: the items out total ${sum(out)}, the items put ${sum(put)}`);
      if (this.program.queues[i].kind === 'fifo' && out.join() !== put.join()) {
        this.violation(`queue ${i} (FIFO): items came out as [${out}] but went in as [${put}]`);
      }
    });
  }
}

/**
 * Runs a program once and returns what happened. `mutate` may break the run's
 * loop on purpose before it starts (the mutant specs prove the checks can fail).
 */
export function runProgram(program: Program, shuffle: number | null = null, mutate?: (run: Run) => void): RunReport {
  const run = new Run(program, shuffle);
  mutate?.(run);
  return run.execute();
}
