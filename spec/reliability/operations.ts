/**
 * The task bodies and operations of generated programs (programs.ts): what
 * each operation does on the loop, and the checks it makes on the spot (a
 * sleep resumes exactly on time, wait() returns consistent sets, a lock
 * lets one task in, a queue item is recorded in the same step it moves).
 * The run, its instrument and the end-of-run checks are in interpreter.ts.
 */
import {
  CancelledError,
  ExceptionGroup,
  QueueShutDown,
  RuntimeError,
  TaskGroup,
  TimeoutError,
  asyncWith,
  coroutine,
  createTask,
  currentTask,
  gather,
  shield,
  sleep,
  timeout,
  wait,
  waitFor,
  type Coroutine,
  type CoroutineCall,
  type Future,
  type Task,
} from '../../lib';
import type { Op, TaskSpec } from './programs';
import type { Run } from './interpreter';

/** What a `throw` operation throws: an error the program expects, naming the task. */
export class ProgramError extends Error {
  constructor(readonly taskId: number) {
    super(`task ${taskId} failed on purpose`);
    this.name = 'ProgramError';
  }
}

/** The state of one task body (or one inline body): its children and its running total. */
interface Frame {
  spec: TaskSpec;
  children: Task<number>[];
  total: number;
}

/** A task body: a plain generator, or a `coroutine()` call (TaskSpec.frames). */
export type Body = Coroutine<number> | CoroutineCall<number>;

/** The timer callback of a `future` operation (a no-op once the future is cancelled). */
function resolveLater(f: Future<number>): void {
  if (!f.done()) f.setResult(1);
}

/** A task's body: its operations in order, its value their total; the finally is counted (cancelled tasks included). */
export function* taskBody(rt: Run, spec: TaskSpec): Coroutine<number> {
  const rec = rt.record(spec.id);
  rec.started++;
  const frame: Frame = { spec, children: [], total: 0 };
  try {
    if (spec.frames) yield* runOpsFrame(rt, spec.ops, frame);
    else yield* runOps(rt, spec.ops, frame);
    return frame.total;
  } finally {
    rec.finallyRan++;
  }
}
export const taskBodyFrame = coroutine(taskBody);

function* runOps(rt: Run, ops: Op[], frame: Frame): Coroutine<void> {
  for (const op of ops) {
    if (frame.spec.frames) yield* runOpFrame(rt, op, frame);
    else yield* runOp(rt, op, frame);
  }
}
const runOpsFrame = coroutine(runOps);

function* outcomeOf(rt: Run, aw: Future<number>): Coroutine<number> {
  try {
    return yield* aw;
  } catch (e) {
    rt.absorb(e);
    return 0;
  }
}

function* runOp(rt: Run, op: Op, frame: Frame): Coroutine<void> {
  const loop = rt.loop;
  switch (op.k) {
    case 'sleep': {
      const t0 = loop.time();
      yield* sleep(op.d);
      rt.expectTime(t0 + op.d, `sleep(${op.d})`);
      return;
    }
    case 'yield':
      yield;
      return;
    case 'value':
      frame.total += op.v;
      return;
    case 'throw':
      rt.stats.errorsThrown++;
      throw new ProgramError(frame.spec.id);
    case 'spawn':
      frame.children.push(createTask(rt.body(op.task)));
      return;
    case 'await': {
      if (frame.children.length === 0) return;
      frame.total += yield* outcomeOf(rt, frame.children[op.i % frame.children.length]);
      return;
    }
    case 'gather': {
      const n = op.tasks.length;
      try {
        const results = yield* gather(op.tasks.map((t) => rt.body(t)), { returnExceptions: op.returnExceptions });
        if (results.length !== n) rt.violation(`gather of ${n} gave ${results.length} results`);
        for (const r of results) {
          if (typeof r === 'number') frame.total += r;
          else if (!rt.expected(r)) rt.violation(`gather gave an unexpected ${String(r)}`);
        }
      } catch (e) {
        rt.absorb(e);
      }
      return;
    }
    case 'wait': {
      const ts = op.tasks.map((t) => createTask(rt.body(t)));
      const [done, pending] = yield* wait(ts, { timeout: op.timeout, returnWhen: op.returnWhen });
      checkWait(rt, op, ts, done, pending);
      for (const t of ts) if (done.has(t)) frame.total += rt.settled(t);
      if (op.cancelPending) for (const t of pending) if (t.cancel()) rt.stats.cancelRequests++;
      return;
    }
    case 'waitFor': {
      const aw = op.inline ? rt.body(op.task) : createTask(rt.body(op.task));
      try {
        frame.total += yield* waitFor(aw, op.timeout);
      } catch (e) {
        if (e instanceof TimeoutError) rt.stats.timeoutsExpired++;
        else rt.absorb(e);
      }
      return;
    }
    case 'timeout': {
      try {
        yield* asyncWith(timeout(op.delay), function* () {
          yield* runOps(rt, op.body, frame);
        });
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        rt.stats.timeoutsExpired++;
      }
      return;
    }
    case 'shield': {
      const t = createTask(rt.body(op.task));
      frame.total += yield* outcomeOf(rt, shield(t));
      return;
    }
    case 'future': {
      const f = loop.createFuture<number>();
      for (let i = 0; i < op.callbacks; i++) rt.countedCallback(f);
      if (op.callbacks > 0) rt.removedCallback(f);
      const h = loop.callLater(op.d, resolveLater, f);
      const t0 = loop.time();
      try {
        frame.total += yield* f;
        rt.expectTime(t0 + op.d, `a future due after ${op.d}`);
      } finally {
        h.cancel();
      }
      return;
    }
    case 'taskGroup': {
      const ts: Task<number>[] = [];
      try {
        yield* asyncWith(new TaskGroup(), function* (tg) {
          for (const s of op.tasks) {
            try {
              ts.push(tg.createTask(rt.body(s)));
            } catch (e) {
              // An eager child that failed at once has already shut the group down.
              if (e instanceof RuntimeError && /shutting down/.test(e.message)) return;
              throw e;
            }
          }
        });
        for (const t of ts) if (!t.cancelled()) frame.total += t.result();
      } catch (e) {
        if (e instanceof ExceptionGroup && !e.exceptions.every((x) => x instanceof ProgramError)) {
          rt.violation(`a TaskGroup raised an unexpected group: ${e.exceptions.map(String).join(', ')}`);
        }
        rt.absorb(e);
      }
      return;
    }
    case 'lock': {
      const lock = rt.locks[op.r];
      yield* asyncWith(lock, function* () {
        if (rt.lockInside[op.r] !== 0) rt.violation(`two tasks inside lock ${op.r}`);
        if (!lock.locked()) rt.violation(`inside lock ${op.r} but it is not locked`);
        rt.lockInside[op.r]++;
        try {
          yield* sleep(op.hold);
        } finally {
          rt.lockInside[op.r]--;
        }
      });
      return;
    }
    case 'sem': {
      yield* asyncWith(rt.sem, function* () {
        rt.semInside++;
        if (rt.semInside > rt.program.semValue) rt.violation(`${rt.semInside} tasks inside a Semaphore(${rt.program.semValue})`);
        try {
          yield* sleep(op.hold);
        } finally {
          rt.semInside--;
        }
      });
      return;
    }
    case 'put': {
      const q = rt.queues[op.q];
      for (let j = 0; j < op.n; j++) {
        const item = rt.nextItem++;
        try {
          if (op.timeout === null) yield* q.put(item);
          else yield* waitFor(q.put(item), op.timeout);
          rt.putOk[op.q].push(item); // same step as the item went in: the FIFO order is exact
        } catch (e) {
          rt.putFailed.add(item);
          if (e instanceof TimeoutError || e instanceof QueueShutDown) return;
          throw e;
        }
      }
      return;
    }
    case 'get': {
      const q = rt.queues[op.q];
      for (let j = 0; j < op.n; j++) {
        try {
          const x = op.timeout === null ? yield* q.get() : yield* waitFor(q.get(), op.timeout);
          rt.got[op.q].push(x);
        } catch (e) {
          if (e instanceof TimeoutError || e instanceof QueueShutDown) return;
          throw e;
        }
      }
      return;
    }
    case 'eventWait': {
      const ev = rt.events[op.e];
      try {
        if (op.timeout === null) yield* ev.wait();
        else yield* waitFor(ev.wait(), op.timeout);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
      }
      return;
    }
    case 'eventSet':
      rt.events[op.e].set();
      return;
    case 'eventClear':
      if (!rt.released) rt.events[op.e].clear();
      return;
    case 'cancel': {
      if (frame.children.length === 0) return;
      if (frame.children[op.i % frame.children.length].cancel()) rt.stats.cancelRequests++;
      return;
    }
    case 'cancelSelf':
      if ((currentTask() as Task<unknown>).cancel()) rt.stats.cancelRequests++;
      return;
    case 'refuse': {
      try {
        yield* sleep(op.d);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        (currentTask() as Task<unknown>).uncancel();
        rt.stats.refused++;
      }
      return;
    }
  }
}
const runOpFrame = coroutine(runOp);

function checkWait(rt: Run, op: Extract<Op, { k: 'wait' }>, ts: Task<number>[], done: Set<Task<number>>, pending: Set<Task<number>>): void {
  if (done.size + pending.size !== ts.length) rt.violation(`wait(): ${done.size} done + ${pending.size} pending for ${ts.length} tasks`);
  for (const t of ts) {
    if (done.has(t) === pending.has(t)) rt.violation(`wait(): ${t} is in ${done.has(t) ? 'both sets' : 'neither set'}`);
    if (done.has(t) && !t.done()) rt.violation(`wait(): ${t} is in done but pending`);
    if (pending.has(t) && t.done()) rt.violation(`wait(): ${t} is in pending but done`);
  }
  if (op.timeout !== null) return;
  if (op.returnWhen === 'ALL_COMPLETED' && pending.size > 0) rt.violation('wait(ALL_COMPLETED) returned with pending tasks');
  if (op.returnWhen === 'FIRST_COMPLETED' && done.size === 0) rt.violation('wait(FIRST_COMPLETED) returned with nothing done');
  if (op.returnWhen === 'FIRST_EXCEPTION' && pending.size > 0 && ![...done].some((t) => !t.cancelled() && t.exception() !== null)) {
    rt.violation('wait(FIRST_EXCEPTION) returned early with no failure');
  }
}
