/**
 * Interop with native Promises. A Promise settles in Node's microtask queue,
 * outside the loop, so waiting for one is a "host wait": only the async
 * driver can deliver it, and a virtual clock must not jump past it.
 *
 * The other way round, `runCoroutineThreadsafe` lets code outside the loop
 * (a Node callback, another async function) run a coroutine on a running
 * loop and await its outcome as a Promise.
 */
import { _getRunningLoop, getEventLoop } from './events';
import type { Coroutine, Future } from './futures';
import { isCoroutine, type CoroutineCall } from './coroutines';
import { ensureFuture } from './tasks';
import { _abortOnCancel } from './abort';
import { repr } from './repr';
import { checkOptions } from './options';
import type { EventLoop } from './loop';

/**
 * A Future settled with the promise's outcome (asyncio.wrap_future, for
 * JavaScript's foreign futures). A promise that settles after its loop
 * closed, or after the future was cancelled, is ignored.
 *
 * Given a function instead, it calls `start(signal)` at once for the promise
 * and aborts `signal` when the future is cancelled — so cancelling the task
 * that waits (directly, by `timeout()`, by a TaskGroup) aborts the call
 * itself, and the future ends cancelled, not failed with the call's
 * AbortError. The signal's reason is a CancelledError with the cancel message.
 * @example
 * const text = yield* fromPromise(fs.promises.readFile('a.txt', 'utf8'));
 * const res = yield* fromPromise((signal) => fetch(url, { signal }));     // cancellable
 * yield* asyncWith(timeout(5), function* () { yield* fromPromise((signal) => setTimeout(60_000, 'x', { signal })); });
 */
export function fromPromise<T>(promise: PromiseLike<T> | ((signal: AbortSignal) => PromiseLike<T>), loop?: EventLoop): Future<T> {
  if (typeof promise === 'function') return fromAbortable(promise, loop);
  if (!isThenable(promise)) {
    throw new TypeError(`fromPromise() needs a promise (a thenable) or a function (signal) => promise, got ${repr(promise)}`); // repr: never throws on the value
  }
  const l = loop ?? _getRunningLoop() ?? getEventLoop();
  return settleWith(l.createFuture<T>(), promise);
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === 'object' || typeof x === 'function') && typeof (x as PromiseLike<unknown>).then === 'function';
}

/** fromPromise(start): the call gets the signal that the future's cancellation aborts. */
function fromAbortable<T>(start: (signal: AbortSignal) => PromiseLike<T>, loop?: EventLoop): Future<T> {
  const l = loop ?? _getRunningLoop() ?? getEventLoop();
  const controller = new AbortController();
  let promise: unknown;
  try {
    promise = start(controller.signal);
  } catch (e) {
    promise = Promise.reject(e); // as an async function would report it
  }
  if (!isThenable(promise)) {
    const error = new TypeError(`fromPromise() needs start(signal) to return a promise, got ${repr(promise)} from ${repr(start)}`);
    controller.abort(error); // whatever it started with the signal has no one to wait for it
    throw error;
  }
  const future = l.createFuture<T>();
  _abortOnCancel(future, controller);
  return settleWith(future, promise as PromiseLike<T>);
}

/** Settles `future` with the promise's outcome, which the loop waits for as host I/O. */
function settleWith<T>(future: Future<T>, promise: PromiseLike<T>): Future<T> {
  const l = future.getLoop();
  const release = l._holdHostWait();
  // Once the future is done (e.g. cancelled), the loop no longer waits on the host for it.
  future.addDoneCallback(release);
  promise.then(
    (value) => {
      release();
      if (!l.isClosed() && !future.done()) future.setResult(value);
    },
    (error: unknown) => {
      release();
      if (!l.isClosed() && !future.done()) future.setException(error ?? new Error(`promise rejected with ${error}`));
    },
  );
  return future;
}

/** A native Promise settled like `future` (same as `future.toPromise()`). */
export function toPromise<T>(future: Future<T>): Promise<T> {
  // Checked, else a wrong argument fails with "future.toPromise is not a function".
  if (future === null || typeof future !== 'object' || typeof future.toPromise !== 'function') throw new TypeError(`toPromise() needs a Future, got ${repr(future)}`);
  return future.toPromise();
}

/** Options of `runCoroutineThreadsafe()`. */
export interface RunCoroutineThreadsafeOptions {
  /** Aborting it cancels the task; the promise then rejects with CancelledError. */
  signal?: AbortSignal;
}

/**
 * asyncio.run_coroutine_threadsafe: from outside the loop — a Node callback,
 * an `async` function, another loop — schedule `coro` on `loop` (through
 * `callSoonThreadsafe`, so it may be running or not yet) to run as a Task
 * there, and get a Promise of its outcome: its value, its exception, or
 * CancelledError if the task was cancelled. CPython returns a
 * concurrent.futures.Future; a Promise is what TypeScript awaits.
 *
 * To cancel it from outside, pass an AbortSignal: `controller.abort()`
 * cancels the task (on the loop, at its next iteration), which may still
 * catch the cancellation and finish otherwise. A closed loop is a
 * RuntimeError at the call; a loop that closes before it runs the
 * coroutine leaves the promise pending, as Python leaves its future.
 * @example
 * const controller = new AbortController();
 * const reply = runCoroutineThreadsafe(handle(request), loop, { signal: controller.signal });
 * req.on('close', () => controller.abort()); // the client left: cancel the task
 * res.end(await reply);
 */
export function runCoroutineThreadsafe<T>(coro: Coroutine<T> | CoroutineCall<T>, loop: EventLoop, options: RunCoroutineThreadsafeOptions = {}): Promise<T> {
  // CPython's words.
  if (!isCoroutine(coro)) throw new TypeError('A coroutine object is required');
  if (loop === null || typeof loop !== 'object' || typeof (loop as Partial<EventLoop>).callSoonThreadsafe !== 'function') {
    throw new TypeError(`runCoroutineThreadsafe() needs the EventLoop to run it on, got ${repr(loop)}`);
  }
  const { signal } = checkOptions<RunCoroutineThreadsafeOptions>('runCoroutineThreadsafe', options, ['signal']);
  if (signal !== undefined && !(typeof AbortSignal === 'function' && signal instanceof AbortSignal)) {
    throw new TypeError(`runCoroutineThreadsafe() option signal must be an AbortSignal, got ${repr(signal)}`);
  }
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  let task: Future<T> | null = null;
  const onAbort = () => {
    if (task !== null && !task.done() && !loop.isClosed()) loop.callSoonThreadsafe(cancelUnlessDone, task);
  };
  // Raises at once (RuntimeError) if the loop is closed, as CPython's does.
  loop.callSoonThreadsafe(() => {
    try {
      task = ensureFuture(coro, { loop });
    } catch (e) {
      reject(e);
      throw e; // and the loop reports it, as CPython's callback re-raises
    }
    task.addDoneCallback((done) => {
      signal?.removeEventListener('abort', onAbort);
      try {
        resolve(done.result()); // the value, else its exception or CancelledError
      } catch (e) {
        reject(e);
      }
    });
    if (signal?.aborted) task.cancel();
  });
  signal?.addEventListener('abort', onAbort, { once: true });
  return promise;
}

function cancelUnlessDone(future: Future<unknown>): void {
  if (!future.done()) future.cancel();
}
