/**
 * Future (CPython: futures.py) and the `yield*` protocol.
 *
 * A Future is a box for a result that is not there yet. Coroutines wait for
 * one with `yield* fut`: the Future's iterator yields the Future itself to the
 * Task that runs the coroutine (PEP 3156's "yield from a Future"), the Task
 * registers a done callback on it, and when the Future is finished the
 * callback resumes the coroutine, which then reads `fut.result()`.
 */
import { CancelledError, InvalidStateError, RuntimeError } from './exceptions';
import { _getRunningLoop, getEventLoop } from './events';
import { repr } from './repr';
import { checkOptions } from './options';
import { _checkContextOption, _currentBindings, type Context, type CurrentContext } from './contextvars';
import type { EventLoop, ExceptionContext } from './loop';
import type { LostEntry } from './lost-reports';
import type { Task } from './tasks';
import { sourceTracebacks } from './handles';

/**
 * @internal A CancelledError made by the loop's machinery — a task reading
 * its cancelled future, gather reporting a cancelled child — without
 * capturing a JavaScript stack. Capturing one is most of what a
 * cancellation costs (V8 on this machine: 6–11 µs per error, against
 * ~0.05 µs for this; cancelling a million sleeping tasks made two each),
 * and the frames it would hold are the loop's own (`Future.result` ←
 * `Task._wakeup` ← `Handle._run`), never the user's. Same class, message
 * and name; `stack` is the error's first line (`console.log` prints
 * `[CancelledError: msg]`). `new CancelledError()` in
 * user code captures a stack as any error does.
 */
export function cancelledErrorWithoutStack(message: string): CancelledError {
  // Plain assignments keep one hidden class (defineProperty took 25× longer);
  // the cost is that message and stack are enumerable own properties here.
  const err = Object.create(CancelledError.prototype) as CancelledError;
  err.message = message;
  err.stack = message ? `CancelledError: ${message}` : 'CancelledError';
  err.name = 'CancelledError';
  return err;
}

declare const suspensionBrand: unique symbol;

/**
 * What a coroutine yields when it suspends on a Future — as a type only. At
 * run time the Future itself is yielded, but only `Future[Symbol.iterator]`
 * produces a value of this type, so in a function typed `Coroutine<T>` the
 * forgotten star (`yield fut` instead of `yield* fut`) is a compile error.
 */
export interface Suspension {
  readonly [suspensionBrand]: 'Suspension';
}

/**
 * A coroutine: the generator object a `function*` returns (Python's coroutine
 * object). It yields Suspensions (through `yield* future`) or `undefined`
 * (a bare `yield`: give up the loop for one iteration), and returns a `T`.
 * @example
 * function* add(a: number, b: number): Coroutine<number> { yield* sleep(1); return a + b; }
 */
export type Coroutine<T = void> = Generator<Suspension | undefined, T, unknown>;

/** The callback type of `addDoneCallback`. */
export type DoneCallback<T> = (future: Future<T>) => void;

/**
 * @internal What a done-callback slot holds: a function, or a Task awaiting
 * the future, registered as itself — it schedules its own wakeup
 * (`Task._scheduleWakeup`), so a Task needs no function of its own to be woken.
 */
type Waiter = DoneCallback<any> | Task<unknown>;

/**
 * What a future stands for, when someone waits on it (see Future._waitInfo).
 * `kind` names the operation ('gather', 'wait', 'shield', 'TaskGroup',
 * 'Lock.acquire', 'Queue.get', …); `children` are the futures it waits for in
 * turn; `resource` is the lock, queue, event… it belongs to.
 */
export interface WaitInfo {
  kind: string;
  children?: readonly Future<unknown>[];
  resource?: object;
}

// A future's states. CPython has three (PENDING, FINISHED, CANCELLED) and
// keeps a result and an exception side by side; here "finished with an
// exception" is a state of its own, RAISED (FINISHED in reprs and errors,
// as in CPython), so that one field, `_outcome`, can hold whichever the
// future settled with — the way a Promise keeps one [[PromiseResult]]
// beside its [[PromiseState]]. Two fields less on every Future (M1,
// bench/NOTES.md).
const PENDING = 0;
/** @internal (Task._wakeup reads it too.) */
export const FINISHED = 1;
const CANCELLED = 2;
const RAISED = 3;
type State = typeof PENDING | typeof FINISHED | typeof CANCELLED | typeof RAISED;

/** Options of `addDoneCallback()`. */
export interface DoneCallbackOptions {
  /** The Context the callback runs in — that one itself (default: a copy of the context current when it is added). */
  context?: Context | null;
}

/** Options of `new Future()`. */
export interface FutureOptions {
  /** The loop the future belongs to; default: the running loop, else `getEventLoop()`. */
  loop?: EventLoop;
}

/**
 * asyncio.Future: a result that will be set later, by someone else.
 * Done callbacks always run through `loop.callSoon`, never synchronously.
 * @example
 * const fut = loop.createFuture<number>();
 * loop.callLater(1, () => fut.setResult(42));
 * const v = yield* fut; // 42, one (loop) second later
 */
export class Future<T = unknown> implements Iterable<Suspension> {
  /** @internal */ _state: State = PENDING;
  /**
   * @internal What the future settled with, as `_state` says: the result
   * (FINISHED), the exception (RAISED), the cancel message (CANCELLED; for a
   * Task, the CancelledError its coroutine raised, until `result()` hands it
   * out). A pending future has none — but a Task keeps there the message of
   * a `cancel(msg)` it has not delivered yet (Python's `_cancel_message`).
   * Read through `_result`, `_exception` and `_cancelMessage`.
   */
  _outcome: unknown = undefined;
  /** @internal */ _loop: EventLoop;
  /**
   * @internal The first done callback, kept in a field rather than in an
   * array: most futures have exactly one (the Task awaiting it). The same
   * trick as tulip's `_callback0` and CPython's C `_asyncio`
   * (`fut_callback0`). Measured on M1 (pending sleeping tasks): 1 366 →
   * 1 180 bytes per task; no difference in speed on W5/W7.
   * (Typed loosely, as `_callbacks`, so that a Future<T> is usable as a Future<unknown>.)
   */
  _callback0: Waiter | null = null;
  /**
   * @internal The context `_callback0` runs in (see Handle._context): the
   * bindings current when it was added, the Context given, or null for a
   * Task (the Task enters its own).
   */
  _context0: CurrentContext | null = null;
  /** @internal The done callbacks after the first, each with its context, in registration order (null while there are none). CPython's `_callbacks` of `(fn, context)`. */
  _callbacks: [Waiter, CurrentContext | null][] | null = null;
  /**
   * @internal Python's `_log_traceback`: set while the exception is one
   * nobody has looked at yet — it is then the loop's weak registration
   * (lib/lost-reports.ts), which reports it if the future is collected or
   * the loop closes first. Null otherwise.
   */
  _logTraceback: LostEntry<Future<unknown>> | null = null;
  /**
   * @internal Python's `_asyncio_future_blocking`: set by the `yield*` protocol
   * just before the Future is yielded, so a Task can tell `yield* fut` (set)
   * from the mistaken `yield fut` (not set).
   */
  _asyncioFutureBlocking = false;
  /**
   * @internal What waiting on this future means, for task trees and deadlock
   * reports (lib/inspect). Set by whoever makes the future: gather/wait/shield
   * list their children, locks and queues name themselves. Null: a plain future.
   */
  _waitInfo: WaitInfo | null = null;

  /** @param _own @internal The library's own `{ loop }` (loop.createFuture()): its keys need no check on this hot path. */
  constructor(options: FutureOptions = {}, _own = false) {
    // Bad options fail here, with a message, not later inside the loop's internals.
    if (options === null || typeof options !== 'object') throw new TypeError(`Future options must be an object like { loop }, got ${repr(options)}`);
    if (!_own) checkOptions<FutureOptions>('Future', options, ['loop']);
    if (options.loop != null) _checkLoop(options.loop, 'Future');
    this._loop = options.loop ?? _getRunningLoop() ?? getEventLoop();
    if (this._loop._debug) this._sourceTraceback = captureStack(this.constructor);
  }

  /** @internal The result, when the future finished with one (Python's `_result`). */
  get _result(): T | undefined {
    return this._state === FINISHED ? (this._outcome as T) : undefined;
  }

  /** @internal The exception, when the future finished with one (Python's `_exception`). */
  get _exception(): unknown {
    return this._state === RAISED ? this._outcome : undefined;
  }

  /**
   * @internal Python's `_cancel_message`: the message of a cancelled future
   * (or of a task's cancel() not yet delivered). Undefined for a task whose
   * coroutine raised the CancelledError, as in CPython, where the task's
   * `Future.cancel()` takes no message: gather's copy of it reads ''.
   */
  get _cancelMessage(): string | undefined {
    const outcome = this._outcome;
    return (this._state === CANCELLED || this._state === PENDING) && typeof outcome === 'string' ? outcome : undefined;
  }

  /** Where the future was created (debug mode only), as a stack string; else null. */
  get _sourceTraceback(): string | null {
    return sourceTracebacks.get(this) ?? null;
  }

  set _sourceTraceback(stack: string | null) {
    if (stack === null) sourceTracebacks.delete(this);
    else sourceTracebacks.set(this, stack);
  }

  /** The loop this future belongs to. */
  getLoop(): EventLoop {
    return this._loop;
  }

  /** True once the future has a result, an exception, or was cancelled. */
  done(): boolean {
    return this._state !== PENDING;
  }

  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /**
   * The result. Throws the exception if one was set, `CancelledError` if the
   * future was cancelled, `InvalidStateError` if it is still pending.
   */
  result(): T {
    const state = this._state;
    if (state === FINISHED) return this._outcome as T;
    if (state === RAISED) {
      if (this._logTraceback !== null) this._retrieved();
      throw this._outcome;
    }
    if (state === CANCELLED) throw this._makeCancelledError();
    throw new InvalidStateError('Result is not set.');
  }

  /**
   * @internal What `result()` would throw, returned instead — for a Task
   * waking up on this done future (Task._wakeup): the exception (now
   * retrieved), or the CancelledError. Only for a future finished without a
   * result.
   */
  _errorForWaiter(): unknown {
    if (this._state === CANCELLED) return this._makeCancelledError();
    if (this._logTraceback !== null) this._retrieved();
    return this._outcome;
  }

  /** The exception, or null if the future has a result. Throws as `result()` does when cancelled or pending. */
  exception(): unknown {
    const state = this._state;
    if (state === FINISHED) return null;
    if (state === RAISED) {
      if (this._logTraceback !== null) this._retrieved();
      return this._outcome;
    }
    if (state === CANCELLED) throw this._makeCancelledError();
    throw new InvalidStateError('Exception is not set.');
  }

  /** Finishes the future with a result and schedules its callbacks. */
  setResult(result: T): void {
    if (this._state !== PENDING) throw new InvalidStateError(`invalid state: ${this._stateName()} ${this}`);
    this._outcome = result;
    this._state = FINISHED;
    this._scheduleCallbacks();
  }

  /** Finishes the future with an exception and schedules its callbacks. */
  setException(exception: unknown): void {
    if (this._state !== PENDING) throw new InvalidStateError(`invalid state: ${this._stateName()} ${this}`);
    if (exception === undefined || exception === null) {
      throw new TypeError(`setException() needs an error to store, got ${exception}`);
    }
    this._outcome = exception;
    this._state = RAISED;
    const context: ExceptionContext = { message: `${this._className()} exception was never retrieved`, exception };
    if (this._sourceTraceback) context.sourceTraceback = this._sourceTraceback;
    this._logTraceback = this._loop._unretrieved.add(this, context);
    this._scheduleCallbacks();
  }

  /**
   * Cancels the future: false if it is already done, else it becomes
   * cancelled, its callbacks are scheduled, and the result is true. Calling
   * cancel() counts as having handled an exception that was set (as in CPython).
   */
  cancel(msg?: string): boolean {
    if (this._logTraceback !== null) this._retrieved();
    if (this._state !== PENDING) return false;
    this._state = CANCELLED;
    this._outcome = msg;
    this._scheduleCallbacks();
    return true;
  }

  /**
   * Schedules `cb(future)` with `loop.callSoon` once the future is done (at
   * once if it already is). It runs in a copy of the context current now,
   * or in `context` itself (Python's `add_done_callback(fn, context=…)`).
   */
  addDoneCallback(cb: DoneCallback<T>, options?: DoneCallbackOptions): void {
    if (typeof cb !== 'function') throw new TypeError(`addDoneCallback() needs a function, got ${repr(cb)}`);
    const context = options === undefined ? null : _checkContextOption(checkOptions<DoneCallbackOptions>('addDoneCallback', options, ['context']).context, 'addDoneCallback');
    this._addCallback(cb, context ?? _currentBindings());
  }

  /** @internal addDoneCallback with the context said by the caller; or a Task that awaits this future (context null: it enters its own). */
  _addCallback(cb: DoneCallback<T> | Task<unknown>, context: CurrentContext | null): void {
    if (this._state !== PENDING) {
      this._schedule(cb, context);
    } else if (this._callback0 === null && this._callbacks === null) {
      this._callback0 = cb;
      this._context0 = context;
    } else {
      if (this._callbacks === null) this._callbacks = [];
      this._callbacks.push([cb, context]);
    }
  }

  /** @internal Is `cb` registered as a done callback? (gather asks: see its merging of repeated awaitables.) */
  _hasDoneCallback(cb: DoneCallback<any>): boolean {
    if (this._callback0 === cb) return true;
    const rest = this._callbacks;
    if (rest !== null) for (let i = 0; i < rest.length; i++) if (rest[i][0] === cb) return true;
    return false;
  }

  /** Removes every registration of `cb`; returns how many there were. */
  removeDoneCallback(cb: DoneCallback<T>): number {
    if (typeof cb !== 'function') return 0; // only functions are registered by addDoneCallback (a waiting Task is not one)
    let removed = 0;
    if (this._callback0 === cb) {
      this._callback0 = null;
      this._context0 = null;
      removed++;
    }
    if (this._callbacks !== null) {
      const kept = this._callbacks.filter(([c]) => c !== cb);
      removed += this._callbacks.length - kept.length;
      this._callbacks = kept.length ? kept : null;
    }
    return removed;
  }

  /**
   * The `yield*` protocol (Python's `Future.__await__`): suspend the coroutine
   * on this future until it is done, then evaluate to its result. The
   * iterator is a `FutureIter` (below), the same steps as the generator
   *
   *     *[Symbol.iterator]() {
   *       if (this._state === PENDING) { this._asyncioFutureBlocking = true; yield this; }
   *       if (this._state === PENDING) throw new RuntimeError("await wasn't used with future");
   *       return this.result();
   *     }
   *
   * written out by hand (exercises/solutions/futures.ts keeps the generator).
   */
  [Symbol.iterator](): Generator<Suspension, T, unknown> {
    return new FutureIter(this);
  }

  /** A native Promise that settles the same way (reading it counts as retrieving the exception). */
  toPromise(): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = () => {
        try {
          resolve(this.result());
        } catch (e) {
          reject(e);
        }
      };
      if (this._state !== PENDING) settle();
      else this.addDoneCallback(settle);
    });
  }

  toString(): string {
    return `<${this._className()} ${this._describeState()}>`;
  }

  // ---- internals ----

  /** @internal */
  _className(): string {
    return 'Future';
  }

  /** @internal */
  _stateName(): string {
    return this._state === PENDING ? 'PENDING' : this._state === CANCELLED ? 'CANCELLED' : 'FINISHED';
  }

  /** @internal */
  _describeState(): string {
    if (this._state === PENDING) return 'pending';
    if (this._state === CANCELLED) return 'cancelled';
    if (this._state === RAISED) return `finished exception=${repr(this._outcome)}`;
    return `finished result=${repr(this._outcome)}`;
  }

  /** @internal The exception was looked at: nothing to report any more. */
  _retrieved(): void {
    const entry = this._logTraceback;
    if (entry === null) return;
    this._logTraceback = null;
    this._loop._unretrieved.delete(entry);
  }

  /**
   * @internal The CancelledError to raise for this cancelled future: a new
   * one with the cancel message. (A Task first hands out the one its
   * coroutine raised: Task._makeCancelledError.)
   */
  _makeCancelledError(): CancelledError {
    return cancelledErrorWithoutStack(this._cancelMessage ?? '');
  }

  /**
   * @internal CPython's `Future.__schedule_callbacks`: callbacks always go
   * through callSoon, never run inline, in registration order.
   */
  _scheduleCallbacks(): void {
    const cb0 = this._callback0;
    const rest = this._callbacks;
    if (cb0 === null && rest === null) return;
    const context0 = this._context0;
    this._callback0 = null;
    this._context0 = null;
    this._callbacks = null;
    if (cb0 !== null) this._schedule(cb0, context0);
    if (rest !== null) for (let i = 0; i < rest.length; i++) this._schedule(rest[i][0], rest[i][1]);
  }

  /** @internal Schedules one done callback `cb(this)`, or the wakeup of a Task awaiting this future. */
  _schedule(cb: Waiter, context: CurrentContext | null): void {
    if (typeof cb === 'function') this._loop._callSoonWithArg(cb, this, context);
    else cb._scheduleWakeup();
  }
}

/**
 * @internal A `loop` argument must be an EventLoop (recognised by its run
 * method, as events.ts does, so that this module need not import loop.ts).
 */
export function _checkLoop(loop: unknown, api: string): void {
  if (loop === null || typeof loop !== 'object' || typeof (loop as { runUntilComplete?: unknown }).runUntilComplete !== 'function') {
    throw new TypeError(`${api}(): loop must be an EventLoop, got ${repr(loop)}`);
  }
}

/** True for a Future (or Task). */
export function isFuture(obj: unknown): obj is Future<unknown> {
  return obj instanceof Future;
}

/** A stack string for debug mode's `sourceTraceback`, without the library's own frame. */
export function captureStack(below?: Function): string {
  const holder: { stack?: string } = {};
  if (typeof Error.captureStackTrace === 'function') Error.captureStackTrace(holder, below);
  else holder.stack = new Error().stack; // engines other than V8
  return (holder.stack ?? '').replace(/^Error\n/, '');
}

/**
 * @internal What `yield* fut` iterates: the generator of `Future[Symbol.iterator]`'s
 * comment, as an object with its one bit of state — CPython does the same in
 * C (`FutureIter` of Modules/_asynciomodule.c) for futures.py's `__await__`
 * generator. Every suspended task holds one, so its size counts: a generator
 * object and its register file took ~80 bytes more per waiting task (M1), and
 * resuming it cost W5 and W7 about 8% (bench/NOTES.md).
 */
export class FutureIter<T> implements Generator<Suspension, T, unknown> {
  /** @internal Has `next()` yielded the future (the generator is suspended at `yield this`)? */ _yielded = false;
  /** @internal Finished: the generator has returned or thrown. */ _done = false;

  constructor(/** @internal */ readonly _future: Future<T>) {}

  next(): IteratorResult<Suspension, T> {
    if (this._done) return { value: undefined as T, done: true };
    const fut = this._future;
    if (!this._yielded && fut._state === PENDING) {
      this._yielded = true;
      fut._asyncioFutureBlocking = true;
      return { value: fut as unknown as Suspension, done: false }; // yield this
    }
    this._done = true;
    // A Task resumes us only after the future is done; anything else is a driver bug.
    if (fut._state === PENDING) throw new RuntimeError("await wasn't used with future");
    return { value: fut.result(), done: true };
  }

  /** An error thrown in at `yield this` (a cancellation): nothing catches it here. */
  throw(error: unknown): IteratorResult<Suspension, T> {
    this._done = true;
    throw error;
  }

  /** `gen.return(v)` through the `yield*`: there is no `finally` to run. */
  return(value: T): IteratorResult<Suspension, T> {
    this._done = true;
    return { value, done: true };
  }

  [Symbol.iterator](): this {
    return this;
  }
}
