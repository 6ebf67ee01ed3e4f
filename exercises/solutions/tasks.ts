// Step 3 — the Task; step 4 — sleep; step 6 — cancellation.
// CPython: Lib/asyncio/tasks.py; tulip: lib/tasks.ts.
import { CancelledError, Future, type Coroutine } from './futures';
import { EventLoop, getRunningLoop } from './loop';

/** A Task runs a coroutine, one step per callback, and is the Future of its outcome. `new Task(coro)` is asyncio.create_task. */
export class Task<T = unknown> extends Future<T> {
  /** The future the coroutine waits on now (step 6 cancels it). */
  _futWaiter: Future<unknown> | null = null;
  /** Step 6: a cancellation to throw into the coroutine at its next step. */
  _mustCancel = false;
  // Bound once per task, as lib/tasks.ts does: the loop calls these.
  readonly _stepFn = (exc?: Error) => this._step(exc);
  readonly _wakeupFn = (future: Future<unknown>) => this._wakeup(future);

  constructor(readonly _coro: Coroutine<T>, loop: EventLoop = getRunningLoop()) {
    super(loop);
    loop.callSoon(this._stepFn); // never run inline: the first step is the next iteration's
  }

  /** Resume the coroutine (or throw into it) until it yields or ends. */
  _step(exc?: Error): void {
    if (this._mustCancel) {
      exc = new CancelledError(this._cancelMessage);
      this._mustCancel = false;
    }
    this._futWaiter = null;
    let r: IteratorResult<Future<unknown> | undefined, T>;
    try {
      r = exc === undefined ? this._coro.next() : this._coro.throw(exc);
    } catch (e) {
      // The coroutine raised: that is the task's outcome (a CancelledError cancels it).
      if (e instanceof CancelledError) super.cancel(e.message);
      else super.setException(e as Error);
      return;
    }
    if (r.done) {
      super.setResult(r.value);
    } else if (r.value === undefined) {
      this._loop.callSoon(this._stepFn); // a bare `yield`: let the others run for one iteration
    } else if (r.value instanceof Future) {
      r.value.addDoneCallback(this._wakeupFn); // park: the future's callback is our only trace
      this._futWaiter = r.value;
    } else {
      this._loop.callSoon(this._stepFn, new TypeError(`Task got bad yield: ${String(r.value)}`));
    }
  }

  /** The awaited future is done: step again, throwing its exception in if it failed. */
  _wakeup(future: Future<unknown>): void {
    try {
      future.result();
    } catch (e) {
      this._step(e as Error);
      return;
    }
    this._step(); // the coroutine reads the result itself, in Future's iterator
  }

  /** Step 6. A request: CancelledError is thrown into the coroutine, which may catch it. */
  override cancel(msg = ''): boolean {
    if (this.done()) return false;
    // Cancelling what we wait on wakes us with CancelledError...
    if (this._futWaiter !== null && this._futWaiter.cancel(msg)) return true;
    // ...else a step is already scheduled: throw it in there.
    this._mustCancel = true;
    this._cancelMessage = msg;
    return true;
  }
}

/** asyncio.run, in miniature: a fresh loop runs `main` as a task to the end. */
export function run<T>(main: Coroutine<T>, loop: EventLoop = new EventLoop()): T {
  return loop.runUntilComplete(new Task(main, loop));
}

/** Step 4. Suspend for `delay` seconds of loop time; `delay <= 0` gives up exactly one iteration. */
export function* sleep<T = undefined>(delay: number, result?: T): Coroutine<T> {
  if (delay <= 0) {
    yield;
    return result as T;
  }
  const loop = getRunningLoop();
  const fut = new Future<T>(loop);
  const timer = loop.callLater(delay, (f: Future<T>) => {
    if (!f.cancelled()) f.setResult(result as T);
  }, fut);
  try {
    return yield* fut;
  } finally {
    timer.cancel(); // cancelled early: the timer must not keep the loop busy
  }
}
