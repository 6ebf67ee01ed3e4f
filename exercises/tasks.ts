// Step 3 — the Task (the trampoline).  npm run exercise -- 3
// Step 4 — sleep.                       npm run exercise -- 4
// Step 6 — cancellation.                npm run exercise -- 6
// The real thing: lib/tasks.ts; CPython's Lib/asyncio/tasks.py (Task.__init__,
// __step, __wakeup, cancel; sleep, __sleep0) and futures.py (_set_result_unless_cancelled).
//
// A Task drives one coroutine: it calls `next()` on the generator until the
// coroutine yields a Future, registers itself as that future's done
// callback, and returns — the task is parked, and only the future knows it.
// When the future finishes, the loop calls the task back and it steps again.
// The Task is itself a Future, of the coroutine's outcome: so tasks can wait
// for tasks, and `runUntilComplete(task)` works.
import { CancelledError, Future, type Coroutine } from './futures';
import { EventLoop, getRunningLoop } from './loop';

/** `new Task(coro)` is asyncio.create_task(coro): the loop defaults to the running one. */
export class Task<T = unknown> extends Future<T> {
  /** The future the coroutine waits on now; null while it runs or is about to (step 6 cancels it). */
  _futWaiter: Future<unknown> | null = null;
  /** Step 6: a cancellation to throw into the coroutine at its next step. */
  _mustCancel = false;
  // Bound once per task, as lib/tasks.ts does: give these to callSoon and addDoneCallback.
  readonly _stepFn = (exc?: Error) => this._step(exc);
  readonly _wakeupFn = (future: Future<unknown>) => this._wakeup(future);

  /** Rule: creating a task never runs its coroutine: schedule the first step with callSoon. */
  constructor(readonly _coro: Coroutine<T>, loop: EventLoop = getRunningLoop()) {
    super(loop);
    throw new Error('TODO: step 3 — the Task constructor');
  }

  /**
   * One step: resume the coroutine with `this._coro.next()` — or, when `exc`
   * is given, `this._coro.throw(exc)` — and act on what comes out. Rules:
   * - the coroutine throws: that is the task's outcome — a CancelledError
   *   cancels the task (`super.cancel(message)`), anything else becomes its
   *   exception (`super.setException`);
   * - it returns (done): `super.setResult(value)`;
   * - it yields undefined (a bare `yield`): schedule the next step with
   *   callSoon — the coroutine lets the others run for one iteration;
   * - it yields a Future: add `this._wakeupFn` as its done callback and
   *   remember it in `_futWaiter`; that is all — the task is parked;
   * - it yields anything else: at the next step (callSoon, with an argument)
   *   throw `new TypeError('Task got bad yield: ' + String(value))` into it.
   * (`super.x(...)`, not `this.x(...)`: step 6 overrides `cancel`.)
   *
   * Step 6 adds, first thing: if `_mustCancel` is set, clear it and step with
   * `new CancelledError(this._cancelMessage)` instead of `exc`. And `_futWaiter`
   * is null again whenever the task steps.
   */
  _step(exc?: Error): void {
    throw new Error('TODO: step 3 — Task._step');
  }

  /**
   * The done callback on the awaited future. Rule: if `future.result()`
   * throws, step with that exception (it comes out of the coroutine's
   * `yield*`); otherwise just step — the coroutine reads the result itself,
   * in Future's iterator.
   */
  _wakeup(future: Future<unknown>): void {
    throw new Error('TODO: step 3 — Task._wakeup');
  }

  /**
   * Step 6 — asyncio's Task.cancel: a request, delivered as a CancelledError
   * thrown into the coroutine, which may catch it and carry on. Rules:
   * - a task that is done: return false;
   * - waiting on a future (`_futWaiter`) that accepts `cancel(msg)`: that is
   *   all — the future's callbacks wake the task, and _wakeup throws the
   *   CancelledError in. Return true;
   * - otherwise (the task is about to step, or its future is already done):
   *   set `_mustCancel` and `_cancelMessage`, for _step to deliver. Return true.
   */
  override cancel(msg = ''): boolean {
    throw new Error('TODO: step 6 — Task.cancel');
  }
}

/** asyncio.run, in miniature: a fresh loop runs `main` as a task to the end. */
export function run<T>(main: Coroutine<T>, loop: EventLoop = new EventLoop()): T {
  return loop.runUntilComplete(new Task(main, loop));
}

/**
 * Step 4 — asyncio.sleep: suspend for `delay` seconds of loop time, then
 * evaluate to `result`. Rules:
 * - `delay <= 0`: a bare `yield` — exactly one iteration, no timer;
 * - otherwise: a new Future on the running loop, and `callLater(delay, …)`
 *   that sets its result — unless it was cancelled meanwhile — then `yield*`
 *   the future;
 * - step 6: if the wait ends early (the task is cancelled), the timer must
 *   be cancelled too (try/finally), or it keeps the loop busy for nothing.
 */
export function* sleep<T = undefined>(delay: number, result?: T): Coroutine<T> {
  throw new Error('TODO: step 4 — sleep');
}
