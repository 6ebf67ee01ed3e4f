/**
 * `loop.shutdownDefaultExecutor(timeout)` (CPython 3.12:
 * BaseEventLoop.shutdown_default_executor): shut the loop's default
 * executor down and wait, without blocking the loop, until its threads have
 * exited — or until `timeout` seconds have passed, after which it warns
 * (Python's RuntimeWarning, with Python's words) and returns, leaving the
 * threads to finish on their own.
 *
 * CPython waits for `executor.shutdown(wait=True)` in a helper thread. Here
 * the executor says itself when it is done: a ThreadPoolExecutor's
 * `waitClosed()` is a coroutine that works on both drivers; an executor of
 * your own may instead return a promise from `shutdown({ wait: true })`
 * (async driver only), or nothing (then there is nothing to wait for).
 */
import type { EventLoop, Executor } from './loop';
import type { Coroutine, Future } from './futures';
import { TimeoutError } from './exceptions';
import { waitFor } from './combinators';
import { fromPromise } from './promises';
import { _checkTime } from './timeouts';

/** asyncio's THREAD_JOIN_TIMEOUT: how long `run()` waits for the default executor's threads (seconds). */
export const THREAD_JOIN_TIMEOUT = 300;

/** Python's `warnings.warn(message, RuntimeWarning)`: Node's process warning, else the console. */
function warnRuntime(message: string): void {
  const proc = (globalThis as { process?: { emitWarning?: (message: string, type: string) => void } }).process;
  if (typeof proc?.emitWarning === 'function') proc.emitWarning(message, 'RuntimeWarning');
  else console.warn(`RuntimeWarning: ${message}`);
}

/** @internal Checks `timeout` at the call (before the coroutine runs), as asyncio checks its arguments. */
export function checkJoinTimeout(timeout: unknown): number | null {
  return _checkTime(timeout ?? null, 'shutdownDefaultExecutor', 'the timeout');
}

/** @internal The body of `loop.shutdownDefaultExecutor(timeout)`. */
export function* shutdownDefaultExecutor(loop: EventLoop, timeout: number | null): Coroutine<void> {
  loop._executorShutdownCalled = true;
  const executor: Executor | null = loop._defaultExecutor;
  if (executor === null) return;
  loop._defaultExecutor = null; // shut down once: close() will not do it again
  let joined: Coroutine<void> | Future<void>;
  if (typeof executor.waitClosed === 'function') {
    executor.shutdown({ wait: false });
    joined = executor.waitClosed();
  } else {
    const done = executor.shutdown({ wait: true }) as PromiseLike<void> | undefined;
    if (done === null || typeof done !== 'object' || typeof done.then !== 'function') return;
    joined = fromPromise(done, loop);
  }
  try {
    yield* waitFor(joined, timeout);
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    // CPython's words, typo included, so that the two can be grepped alike.
    warnRuntime(`The executor did not finishing joining its threads within ${timeout} seconds.`);
    executor.shutdown({ wait: false });
  }
}
