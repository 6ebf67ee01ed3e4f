/**
 * Timeouts (CPython: timeouts.py): `timeout(delay)` and `timeoutAt(when)`,
 * an async context manager that cancels the task running its body when the
 * deadline passes, and turns that cancellation into a TimeoutError on exit.
 *
 *   async with asyncio.timeout(1) as cm:      yield* asyncWith(timeout(1), function* (cm) {
 *       await work()                               yield* work();
 *                                              });
 *
 * The whole trick is the task's cancellation counter (3.11+): on expiry the
 * Timeout calls `task.cancel()`, which adds one request; on exit it takes that
 * request back with `task.uncancel()`. Only when no request from anyone else
 * is left (the count is back to what it was at enter) is the CancelledError
 * its own, and only then does it become a TimeoutError. So an outer timeout,
 * or an outside `task.cancel()`, passes through an inner timeout untouched.
 */
import { CancelledError, RuntimeError, TimeoutError, ValueError } from './exceptions';
import { getRunningLoop } from './events';
import { currentTask, type Task } from './tasks';
import { repr } from './repr';
import type { Coroutine } from './futures';
import type { AsyncContextManager } from './contexts';
import type { Handle } from './handles';
import { _currentBindings } from './contextvars';

/** The life of a Timeout; the strings are the ones Python's repr shows. */
const CREATED = 'created';
const ENTERED = 'active';
const EXPIRING = 'expiring';
const EXPIRED = 'expired';
const EXITED = 'finished';
type State = typeof CREATED | typeof ENTERED | typeof EXPIRING | typeof EXPIRED | typeof EXITED;

/** @internal A deadline or delay argument: a number (not NaN) or null for "never". */
export function _checkTime(value: unknown, api: string, what: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number') {
    throw new TypeError(`${api}() needs ${what} (a number of seconds) or null for no timeout, got ${repr(value)}`);
  }
  if (Number.isNaN(value)) throw new ValueError(`${api}(): ${what} is NaN (not a number)`);
  return value;
}

/** The timer callback; a plain function with the Timeout as its argument, so no closure is made. */
function onTimeout(cm: Timeout): void {
  cm._onTimeout();
}

/**
 * asyncio.Timeout: the async context manager `timeout()` and `timeoutAt()`
 * return. Its `enter()` hands the body the Timeout itself, so the body can
 * read `when()`, move the deadline with `reschedule()`, and after the block
 * ask `expired()`. Only its own expiry becomes a TimeoutError: a cancellation
 * from anywhere else (an outer timeout, `task.cancel()`) goes through as
 * CancelledError.
 * @example
 * yield* asyncWith(timeout(10), function* (cm) {
 *   cm.reschedule(getRunningLoop().time() + 1); // now one second
 *   yield* longJob();
 * });
 */
export class Timeout implements AsyncContextManager<Timeout> {
  /** @internal */ _state: State = CREATED;
  /** @internal */ _when: number | null;
  /** @internal */ _timeoutHandler: Handle | null = null;
  /** @internal The task running the body. */ _task: Task<unknown> | null = null;
  /** @internal `task.cancelling()` at enter: the requests that were not ours. */ _cancelling = 0;

  /**
   * A timeout at loop time `when` (null: never). Prefer `timeout()` or
   * `timeoutAt()`. A `when` already past fires on the loop's next iteration.
   */
  constructor(when: number | null) {
    this._when = _checkTime(when, 'Timeout', 'the deadline');
  }

  /** The current deadline in loop time, or null when there is none. */
  when(): number | null {
    return this._when;
  }

  /**
   * Moves the deadline to loop time `when` (null: no deadline). Only while the
   * block runs: before enter it is `RuntimeError('Timeout has not been entered')`,
   * after expiry or exit `RuntimeError('Cannot change state of expired Timeout')`
   * (or `expiring` / `finished`). A time already past fires on the next iteration.
   */
  reschedule(when: number | null): void {
    if (this._state !== ENTERED) {
      if (this._state === CREATED) throw new RuntimeError('Timeout has not been entered');
      throw new RuntimeError(`Cannot change state of ${this._state} Timeout`);
    }
    const deadline = _checkTime(when, 'reschedule', 'the deadline');
    this._when = deadline;
    if (this._timeoutHandler !== null) this._timeoutHandler.cancel();
    if (deadline === null) {
      this._timeoutHandler = null;
    } else {
      const loop = getRunningLoop();
      // A deadline at or before now still waits for the next iteration, never fires inline.
      this._timeoutHandler = deadline <= loop.time() ? loop._callSoonWithArg(onTimeout, this, _currentBindings()) : loop.callAt(deadline, onTimeout, this);
    }
  }

  /** True once the deadline has passed while the block ran (states expiring and expired). */
  expired(): boolean {
    return this._state === EXPIRING || this._state === EXPIRED;
  }

  /** `<Timeout [active] when=12.345>`, `<Timeout [expired]>`, as Python's repr. */
  toString(): string {
    if (this._state !== ENTERED) return `<Timeout [${this._state}]>`;
    return `<Timeout [${this._state}] when=${this._when === null ? 'None' : pyFloat(Math.round(this._when * 1000) / 1000)}>`;
  }

  /**
   * `__aenter__`: starts the clock and hands the body this Timeout. It must
   * run inside a task (`RuntimeError('Timeout should be used inside a task')`)
   * and only once (`RuntimeError('Timeout has already been entered')`).
   */
  *enter(): Coroutine<Timeout> {
    if (this._state !== CREATED) throw new RuntimeError('Timeout has already been entered');
    const task = currentTask();
    if (task === null) throw new RuntimeError('Timeout should be used inside a task');
    this._state = ENTERED;
    this._task = task;
    this._cancelling = task.cancelling();
    this.reschedule(this._when);
    return this;
  }

  /**
   * `__aexit__`: stops the clock. If the deadline passed, takes back the
   * cancellation it made and, when no other request is pending, turns the
   * body's CancelledError into TimeoutError (its `cause` is the CancelledError).
   * Never swallows an error.
   */
  *exit(error?: unknown): Coroutine<void> {
    if (this._state !== ENTERED && this._state !== EXPIRING) {
      throw new RuntimeError(this._state === CREATED ? 'Timeout has not been entered' : `Cannot exit a ${this._state} Timeout`);
    }
    if (this._timeoutHandler !== null) {
      this._timeoutHandler.cancel();
      this._timeoutHandler = null;
    }
    if (this._state === EXPIRING) {
      this._state = EXPIRED;
      // Only when no cancel request is left beyond those that were there at
      // enter is the CancelledError ours to convert (3.11+, nested timeouts).
      // (3.13 also splices a TimeoutError into the implicit __context__ chain
      // of any other error; JavaScript errors have no such chain, so other
      // errors pass through untouched.)
      if ((this._task as Task<unknown>).uncancel() <= this._cancelling && error instanceof CancelledError) {
        throw new TimeoutError('', { cause: error });
      }
    } else {
      this._state = EXITED;
    }
  }

  /** @internal The deadline passed: cancel the body's task (no message, as in CPython). */
  _onTimeout(): void {
    // An entered Timeout always cancels its timer on exit, so only ENTERED can get here.
    (this._task as Task<unknown>).cancel();
    this._state = EXPIRING;
    this._timeoutHandler = null;
  }
}

/** Python's float repr for the deadlines we print: `5.0`, `12.345`, `inf`. */
function pyFloat(x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/**
 * asyncio.timeout: a Timeout `delay` seconds of loop time from now (null:
 * never). Needs a running loop. A delay of 0 or less expires at the block's
 * first suspension.
 * @example
 * try {
 *   yield* asyncWith(timeout(0.5), function* () { yield* sleep(10); });
 * } catch (e) {
 *   if (e instanceof TimeoutError) console.log('too slow');
 * }
 */
export function timeout(delay: number | null): Timeout {
  const d = _checkTime(delay, 'timeout', 'the delay');
  const loop = getRunningLoop();
  return new Timeout(d === null ? null : loop.time() + d);
}

/**
 * asyncio.timeout_at: a Timeout at the absolute loop time `when` (null:
 * never), on the clock of `loop.time()`.
 * @example
 * const deadline = getRunningLoop().time() + 5;
 * yield* asyncWith(timeoutAt(deadline), function* () { yield* step1(); yield* step2(); });
 */
export function timeoutAt(when: number | null): Timeout {
  return new Timeout(_checkTime(when, 'timeoutAt', 'the deadline'));
}
