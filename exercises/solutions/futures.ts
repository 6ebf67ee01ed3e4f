// Step 1 — the Future. CPython: Lib/asyncio/futures.py; tulip: lib/futures.ts.

/** A coroutine: a generator that yields the Futures it waits for (undefined: "let the others run"). */
export type Coroutine<T = unknown> = Generator<Future<unknown> | undefined, T, unknown>;

/** Whoever runs a future's callbacks: the loop (step 2) — or, in step 1's specs, you. */
export interface Scheduler {
  callSoon(callback: (arg: any) => void, arg?: unknown): unknown;
}

export class CancelledError extends Error {
  override name = 'CancelledError';
}
export class InvalidStateError extends Error {
  override name = 'InvalidStateError';
}

export class Future<T = unknown> {
  _state: 'PENDING' | 'FINISHED' | 'CANCELLED' = 'PENDING';
  _result: T | undefined = undefined;
  _exception: Error | null = null;
  _cancelMessage = '';
  _callbacks: ((future: Future<any>) => void)[] = []; // any: a Future<number> is also a Future<unknown>

  constructor(readonly _loop: Scheduler) {}

  done(): boolean {
    return this._state !== 'PENDING';
  }
  cancelled(): boolean {
    return this._state === 'CANCELLED';
  }

  /** The result — or what the future holds instead: its exception, CancelledError, or "not yet". */
  result(): T {
    if (this._state === 'CANCELLED') throw new CancelledError(this._cancelMessage);
    if (this._state === 'PENDING') throw new InvalidStateError('Result is not set.');
    if (this._exception !== null) throw this._exception;
    return this._result as T;
  }

  setResult(result: T): void {
    if (this.done()) throw new InvalidStateError(`${this._state}: a future is finished only once`);
    this._result = result;
    this._state = 'FINISHED';
    this._scheduleCallbacks();
  }
  setException(exception: Error): void {
    if (this.done()) throw new InvalidStateError(`${this._state}: a future is finished only once`);
    this._exception = exception;
    this._state = 'FINISHED';
    this._scheduleCallbacks();
  }
  /** Cancelling finishes the future too — unless it is done already (then: false). */
  cancel(msg = ''): boolean {
    if (this.done()) return false;
    this._cancelMessage = msg;
    this._state = 'CANCELLED';
    this._scheduleCallbacks();
    return true;
  }

  /** Pending: remember the callback. Done: schedule it at once. Never call it here. */
  addDoneCallback(callback: (future: Future<T>) => void): void {
    if (this.done()) this._loop.callSoon(callback, this);
    else this._callbacks.push(callback);
  }

  /** The rule of asyncio: callbacks go through callSoon, in the order they were added — never inline. */
  _scheduleCallbacks(): void {
    const callbacks = this._callbacks;
    this._callbacks = [];
    for (const callback of callbacks) this._loop.callSoon(callback, this);
  }

  /** `yield* fut` (Python's `await fut`): yield the future itself while pending, then evaluate to its result. */
  *[Symbol.iterator](): Generator<Future<unknown>, T, unknown> {
    if (!this.done()) yield this;
    return this.result();
  }
}
