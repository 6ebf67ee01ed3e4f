/**
 * AbortSignal, JavaScript's cancellation token, both ways.
 *
 * Promise-based APIs (`fetch`, `fs.promises`, `timers/promises`, Node
 * streams) cannot be cancelled, only aborted through an AbortSignal they
 * were given. asyncio's rule is that cancelling a task cancels what it
 * awaits (CPython's `wrap_future` cancels the concurrent future it wraps),
 * so a tulip Future that stands for such a call owns an AbortController and
 * aborts it when the Future is cancelled: `fromPromise((signal) => fetch(url,
 * { signal }))`. `timeout()` and `TaskGroup` cancel tasks, so they abort the
 * calls those tasks are in, with no extra code.
 *
 * The other way, an AbortSignal from outside (a request that was closed,
 * `AbortSignal.timeout(ms)`) cancels a task: `cancelOnAbort(task, signal)`.
 */
import { CancelledError } from './exceptions';
import type { Future } from './futures';
import { repr } from './repr';

/**
 * @internal Aborts `controller` when `future` is cancelled, with a
 * CancelledError carrying the cancel message as the reason. A future that
 * finishes otherwise leaves it alone.
 */
export function _abortOnCancel(future: Future<unknown>, controller: AbortController): void {
  future.addDoneCallback((f) => {
    if (f.cancelled()) controller.abort(new CancelledError(f._cancelMessage ?? ''));
  });
}

/**
 * Cancels `future` (a Task, a gather, any Future) when `signal` aborts, with
 * the signal's reason as the cancel message; at once if it has aborted
 * already. The listener is removed when the future finishes, so a
 * long-lived signal does not keep finished tasks alive. No asyncio
 * counterpart: AbortSignal is JavaScript's.
 * @example
 * const task = cancelOnAbort(createTask(handle(request)), AbortSignal.timeout(5000));
 * // after 5 s: CancelledError('TimeoutError: The operation was aborted due to timeout')
 */
export function cancelOnAbort<F extends Future<unknown>>(future: F, signal: AbortSignal): F {
  if (future === null || typeof future !== 'object' || typeof future.cancel !== 'function' || typeof future.addDoneCallback !== 'function') {
    throw new TypeError(`cancelOnAbort() needs a Future or Task, got ${repr(future)}`);
  }
  if (!isAbortSignal(signal)) throw new TypeError(`cancelOnAbort() needs an AbortSignal, got ${repr(signal)}`);
  if (future.done()) return future;
  if (signal.aborted) {
    future.cancel(abortMessage(signal.reason));
    return future;
  }
  // Cancelled at once, like a direct task.cancel(): JavaScript runs the
  // listener on the loop's thread, and cancel() wakes an idle async loop.
  const onAbort = () => future.cancel(abortMessage(signal.reason));
  signal.addEventListener('abort', onAbort, { once: true });
  future.addDoneCallback(() => signal.removeEventListener('abort', onAbort));
  return future;
}

/** Whether `x` is an AbortSignal. */
function isAbortSignal(x: unknown): x is AbortSignal {
  return typeof AbortSignal === 'function' && x instanceof AbortSignal;
}

/** The cancel message for an abort reason: a string as it is, an Error as `Name: message`. */
function abortMessage(reason: unknown): string {
  if (typeof reason === 'string') return reason;
  if (reason instanceof Error) return reason.message === '' ? reason.name : `${reason.name}: ${reason.message}`; // a DOMException too
  return repr(reason); // never throws, whatever the reason is
}
