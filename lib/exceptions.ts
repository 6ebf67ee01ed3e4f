/**
 * The error classes of asyncio (exceptions.py), plus the few Python builtins
 * asyncio raises (RuntimeError, ValueError, TimeoutError, ExceptionGroup).
 * JavaScript's own TypeError stands in for Python's TypeError.
 *
 * Every class sets `name` to its own class name, so `String(err)` and stack
 * traces read the way a Python traceback would.
 */

/** Base for the errors below: sets `name` from the constructor. */
class NamedError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * asyncio.CancelledError: a cancelled Future or Task was awaited or read.
 * `message` carries the cancel message (an empty string when none was given).
 * @example
 * try { yield* task; } catch (e) { if (e instanceof CancelledError) console.log('cancelled:', e.message); }
 */
export class CancelledError extends NamedError {}

/** asyncio.InvalidStateError: e.g. `result()` of a pending future, `setResult` on a done one. */
export class InvalidStateError extends NamedError {}

/** Python's TimeoutError: `waitFor`, `timeout`, `asCompleted` ran out of time. */
export class TimeoutError extends NamedError {}

/** Python's RuntimeError: misuse of loops and tasks. */
export class RuntimeError extends NamedError {}

/** Python's ValueError: an argument of the right type but a bad value. */
export class ValueError extends NamedError {}

/** asyncio.QueueEmpty: `getNowait()` on an empty queue. */
export class QueueEmpty extends NamedError {}

/** asyncio.QueueFull: `putNowait()` on a full queue. */
export class QueueFull extends NamedError {}

/** asyncio.QueueShutDown (3.13): the queue was shut down. */
export class QueueShutDown extends NamedError {}

/** asyncio.BrokenBarrierError: a Barrier was aborted or reset while tasks waited. */
export class BrokenBarrierError extends NamedError {}

/**
 * asyncio.IncompleteReadError: the stream ended before the expected bytes came.
 * `partial` holds what was read; `expected` the count asked for (null: unbounded).
 */
export class IncompleteReadError extends NamedError {
  constructor(public readonly partial: Uint8Array, public readonly expected: number | null) {
    super(`${partial.length} bytes read on a total of ${expected === null ? 'null' : expected} expected bytes`);
  }
}

/** asyncio.LimitOverrunError: a separator was not found within the stream's limit. */
export class LimitOverrunError extends NamedError {
  constructor(message: string, public readonly consumed: number) {
    super(message);
  }
}

type ErrorClass = abstract new (...args: never[]) => unknown;
type Condition = ErrorClass | ((error: unknown) => boolean);

function matcher(cond: Condition): (e: unknown) => boolean {
  if (typeof cond !== 'function') throw new TypeError('ExceptionGroup: the condition must be an error class or a predicate');
  // A class (has a prototype chain to Error or is a constructor) matches by instanceof.
  if (cond.prototype !== undefined && (cond.prototype instanceof Error || cond === Error)) {
    return (e) => e instanceof (cond as ErrorClass);
  }
  return cond as (e: unknown) => boolean;
}

/**
 * Python's ExceptionGroup: several errors raised together (TaskGroup's
 * failures). `exceptions` is the same array as AggregateError's `errors`.
 * `subgroup(cond)` and `split(cond)` do by hand what `except*` does in Python.
 * @example
 * const [timeouts, rest] = group.split(TimeoutError);
 */
export class ExceptionGroup extends AggregateError {
  constructor(message: string, exceptions: readonly unknown[]) {
    if (typeof message !== 'string') throw new TypeError('ExceptionGroup: the first argument must be a message string');
    if (!Array.isArray(exceptions) || exceptions.length === 0) {
      throw new ValueError('ExceptionGroup: the second argument (exceptions) must be a non-empty array');
    }
    super([...exceptions], message);
    this.name = new.target.name;
  }

  /** Python's str(): the message and how many errors it holds, e.g. `… (2 sub-exceptions)`. */
  override toString(): string {
    const n = this.errors.length;
    return `${this.name}: ${this.message} (${n} sub-exception${n === 1 ? '' : 's'})`;
  }

  /** The errors of the group (Python's `exceptions`). */
  get exceptions(): unknown[] {
    return this.errors;
  }

  /** A group of the same message with just the matching errors (nested groups are filtered too), or null. */
  subgroup(cond: Condition): ExceptionGroup | null {
    return this.split(cond)[0];
  }

  /** `[matching, rest]`, each a group or null, keeping nesting as Python does. */
  split(cond: Condition): [ExceptionGroup | null, ExceptionGroup | null] {
    const match = matcher(cond);
    if (match(this)) return [this, null];
    const yes: unknown[] = [];
    const no: unknown[] = [];
    for (const e of this.errors) {
      if (e instanceof ExceptionGroup) {
        const [a, b] = e.split(match);
        if (a) yes.push(a);
        if (b) no.push(b);
      } else if (match(e)) {
        yes.push(e);
      } else {
        no.push(e);
      }
    }
    const derive = (list: unknown[]) => (list.length ? new ExceptionGroup(this.message, list) : null);
    return [derive(yes), derive(no)];
  }
}
