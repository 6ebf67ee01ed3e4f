/**
 * Interop with native Promises. A Promise settles in Node's microtask queue,
 * outside the loop, so waiting for one is a "host wait": only the async
 * driver can deliver it, and a virtual clock must not jump past it.
 */
import { _getRunningLoop, getEventLoop } from './events';
import type { Future } from './futures';
import { repr } from './repr';
import type { EventLoop } from './loop';

/**
 * A Future settled with the promise's outcome. A promise that settles after
 * its loop closed, or after the future was cancelled, is ignored.
 * @example
 * const text = yield* fromPromise(fs.promises.readFile('a.txt', 'utf8'));
 */
export function fromPromise<T>(promise: PromiseLike<T>, loop?: EventLoop): Future<T> {
  if (promise === null || typeof promise !== 'object' && typeof promise !== 'function' || typeof (promise as PromiseLike<T>).then !== 'function') {
    throw new TypeError(`fromPromise() needs a promise (a thenable), got ${repr(promise)}`); // repr: never throws on the value
  }
  const l = loop ?? _getRunningLoop() ?? getEventLoop();
  const future = l.createFuture<T>();
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
