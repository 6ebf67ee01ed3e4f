// Step 1 — the Future.  Check it with: npm run exercise -- 1
// The real thing: lib/futures.ts; CPython's Lib/asyncio/futures.py (class Future).
//
// A Future is a box for a result that is not there yet, plus the list of
// callbacks of those who wait for it. It is the only thing a coroutine ever
// waits on: everything else (sleep, tasks, locks, sockets) is built from it.
//
// The one rule to remember: a future never calls a callback itself. When it
// finishes, it hands every callback to the loop with `callSoon`, and the loop
// calls it later, from a clean stack. (No loop yet in step 1: the specs play
// the loop, with an object that has a callSoon method.)
//
// Replace every `throw new Error('TODO: …')` below. Keep the names: the
// specs (exercises/specs/01-future.spec.ts) and the later steps use them.

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

  /** True once the future has a result, an exception, or was cancelled. */
  done(): boolean {
    throw new Error('TODO: step 1 — Future.done');
  }

  cancelled(): boolean {
    throw new Error('TODO: step 1 — Future.cancelled');
  }

  /**
   * Rules:
   * - finished with a result: return it;
   * - finished with an exception: throw that exception (the same object);
   * - cancelled: throw `new CancelledError(message given to cancel)`;
   * - pending: throw `new InvalidStateError('Result is not set.')`.
   */
  result(): T {
    throw new Error('TODO: step 1 — Future.result');
  }

  /**
   * Rules (both): only a pending future can be finished — otherwise throw an
   * InvalidStateError whose message starts with the state, e.g.
   * 'FINISHED: a future is finished only once'. Store the value, mark the
   * future FINISHED, and schedule the callbacks (_scheduleCallbacks).
   */
  setResult(result: T): void {
    throw new Error('TODO: step 1 — Future.setResult');
  }

  setException(exception: Error): void {
    throw new Error('TODO: step 1 — Future.setException');
  }

  /**
   * Rules: a future that is done already cannot be cancelled: return false
   * and change nothing. Otherwise remember `msg`, mark it CANCELLED, schedule
   * the callbacks — cancelling is one more way of finishing — and return true.
   */
  cancel(msg = ''): boolean {
    throw new Error('TODO: step 1 — Future.cancel');
  }

  /**
   * Rules:
   * - pending: remember the callback;
   * - when the future finishes (setResult, setException or cancel), each
   *   remembered callback is handed to `this._loop.callSoon(callback, this)`,
   *   in the order they were added, and forgotten — never called directly;
   * - already done: hand it to callSoon at once (still not called directly).
   */
  addDoneCallback(callback: (future: Future<T>) => void): void {
    throw new Error('TODO: step 1 — Future.addDoneCallback');
  }

  /**
   * The helper setResult, setException and cancel share (CPython's
   * __schedule_callbacks). Rule: hand each remembered callback to
   * `this._loop.callSoon(callback, this)`, in order, and forget them all.
   */
  _scheduleCallbacks(): void {
    throw new Error('TODO: step 1 — Future._scheduleCallbacks');
  }

  /**
   * `yield* fut` — Python's `await fut` — runs this generator inside the
   * coroutine. Rules: while the future is pending, yield the future itself
   * (whoever drives the coroutine — a Task, from step 3 — then knows what it
   * waits for). When resumed, or at once if the future is already done,
   * return `this.result()`: that is the value of the `yield*` expression,
   * and if result() throws, the coroutine sees the exception at its `yield*`.
   */
  *[Symbol.iterator](): Generator<Future<unknown>, T, unknown> {
    throw new Error('TODO: step 1 — Future[Symbol.iterator]');
  }
}
