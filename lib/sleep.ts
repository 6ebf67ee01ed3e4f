/**
 * asyncio.sleep (CPython: tasks.py's `sleep` and `__sleep0`).
 *
 * As generators, the two coroutines `sleep()` returns read:
 *
 *     function* sleep0(result) {
 *       yield;                            // Python's bare `yield` in __sleep0
 *       return result;
 *     }
 *
 *     function* sleepFor(delay, result) {
 *       const future = getRunningLoop().createFuture();
 *       const handle = loop.callLater(delay, setResultUnlessCancelled, future, result);
 *       try {
 *         return yield* future;
 *       } finally {
 *         handle.cancel();                // woken early (cancelled): the timer must not fire
 *       }
 *     }
 *
 * Here they are objects with the same `next`/`throw`/`return` a generator
 * would have — as `yield* fut` iterates a FutureIter (lib/futures.ts), not a
 * generator. Every sleeping task holds a `sleepFor` for its whole sleep; as
 * a generator it took a generator object and a register file, ~210 bytes per
 * sleeping task (M1, bench/NOTES.md). A Task cannot tell the difference:
 * both are coroutines (`next`, `throw`, `[Symbol.iterator]`).
 */
import { getRunningLoop } from './events';
import { RuntimeError, ValueError } from './exceptions';
import type { Coroutine, Future, Suspension } from './futures';
import type { TimerHandle } from './handles';
import { repr } from './repr';

/**
 * asyncio.sleep: suspend for `delay` seconds of loop time, then evaluate to
 * `result`. `delay <= 0` is a bare `yield`: one loop iteration.
 * @example
 * yield* sleep(0.5);
 * const x = yield* sleep(1, 'x');
 */
export function sleep(delay: number): Coroutine<void>;
export function sleep<T>(delay: number, result: T): Coroutine<T>;
export function sleep<T>(delay: number, result?: T): Coroutine<T | undefined> {
  // Checked at the call, not at the first step, so a bad delay fails where it is written.
  if (typeof delay !== 'number') throw new TypeError(`sleep() needs a number of seconds, got ${repr(delay)}`);
  if (Number.isNaN(delay)) throw new ValueError('Invalid delay: NaN (not a number)');
  return delay <= 0 ? new Sleep0(result) : new SleepFor(delay, result);
}

function setResultUnlessCancelled<T>(fut: Future<T>, result?: T): void {
  if (!fut.cancelled()) fut.setResult(result as T);
}

// Where each coroutine stands: not started, suspended at its yield, finished.
const CREATED = 0;
const SUSPENDED = 1;
const FINISHED = 2;
type Stage = typeof CREATED | typeof SUSPENDED | typeof FINISHED;

/** @internal `sleep(0)`: `yield; return result`. */
class Sleep0<T> implements Generator<Suspension | undefined, T, unknown> {
  private _stage: Stage = CREATED;

  constructor(private readonly _result: T) {}

  next(): IteratorResult<Suspension | undefined, T> {
    if (this._stage === CREATED) {
      this._stage = SUSPENDED;
      return { value: undefined, done: false }; // the bare yield: one loop iteration
    }
    if (this._stage === FINISHED) return { value: undefined as T, done: true };
    this._stage = FINISHED;
    return { value: this._result, done: true };
  }

  throw(error: unknown): IteratorResult<Suspension | undefined, T> {
    this._stage = FINISHED;
    throw error;
  }

  return(value: T): IteratorResult<Suspension | undefined, T> {
    this._stage = FINISHED;
    return { value, done: true };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * @internal `sleep(delay)` for a positive delay: a future, a timer that
 * finishes it, and the timer's cancel in a `finally`. One field says where
 * the coroutine stands — the delay (a number) before its first step, the
 * timer while it sleeps, null once it is over — and the future is the
 * timer's own argument: two fields, 40 bytes for every sleeping task, where
 * a stage, a delay, a future and a handle took 64 (M1, bench/NOTES.md).
 */
class SleepFor<T> implements Generator<Suspension | undefined, T, unknown> {
  private _timer: number | TimerHandle | null;

  constructor(
    delay: number,
    private readonly _result: T,
  ) {
    this._timer = delay;
  }

  next(): IteratorResult<Suspension | undefined, T> {
    const timer = this._timer;
    if (typeof timer === 'number') {
      const loop = getRunningLoop(); // at the first step, as the generator's body would
      const future = loop.createFuture<T>();
      // The future is the timer's one argument (kept in the handle, see loop._timer), the result a second one if there is one.
      this._timer =
        this._result === undefined ? loop.callLater(timer, setResultUnlessCancelled, future) : loop.callLater(timer, setResultUnlessCancelled, future, this._result);
      future._asyncioFutureBlocking = true;
      return { value: future as unknown as Suspension, done: false }; // yield* future, at its yield
    }
    if (timer === null) return { value: undefined as T, done: true };
    const future = this._finish() as Future<T>;
    if (!future.done()) throw new RuntimeError("await wasn't used with future");
    return { value: future.result(), done: true };
  }

  /** Thrown in while suspended (a cancellation): the `finally` cancels the timer, and the error goes on up. */
  throw(error: unknown): IteratorResult<Suspension | undefined, T> {
    this._finish();
    throw error;
  }

  return(value: T): IteratorResult<Suspension | undefined, T> {
    this._finish();
    return { value, done: true };
  }

  [Symbol.iterator](): this {
    return this;
  }

  /**
   * The `finally`: the sleep is over, and its timer must not fire. Returns
   * the future the timer would have finished (null if the sleep never
   * started: a throw or return before the first step).
   */
  private _finish(): Future<T> | null {
    const timer = this._timer;
    this._timer = null;
    if (timer === null || typeof timer === 'number') return null;
    const future = (timer._args === null ? timer._arg : timer._args[0]) as Future<T>;
    timer.cancel();
    return future;
  }
}
