// Step 7 — a Lock.  npm run exercise -- 7
// The real thing: lib/locks.ts; CPython's Lib/asyncio/locks.py (Lock.acquire,
// release, _wake_up_first).
//
// A lock for coroutines is a flag plus a queue of futures, one per waiting
// acquire(). The hard part is not the waiting but cancellation: a task can be
// cancelled at any `yield*`, including the moment after release() chose it —
// and the lock must never end up free while somebody waits for it forever.
import { Future, type Coroutine } from './futures';
import { getRunningLoop } from './loop';

export class Lock {
  _locked = false;
  /** One future per waiting acquire(), oldest first. */
  _waiters: Future<boolean>[] = [];

  locked(): boolean {
    return this._locked;
  }

  /**
   * `yield* lock.acquire()` — Python's `await lock.acquire()`. Rules:
   * - the lock is free and nobody waits (waiters that were cancelled do not
   *   count): take it and return true at once, without yielding;
   * - otherwise: queue a new Future in `_waiters` and `yield*` it; when the
   *   wait ends — however it ends — take the future out of `_waiters` again;
   * - woken normally: take the lock (`_locked = true`) and return true;
   * - the wait ended with an exception (the task was cancelled): if the lock
   *   is free, release() may have chosen this waiter just before — wake the
   *   next one instead; then re-throw.
   */
  *acquire(): Coroutine<boolean> {
    throw new Error('TODO: step 7 — Lock.acquire');
  }

  /**
   * Rules: releasing a lock that is not locked throws
   * Error('Lock is not acquired.'). Otherwise the lock is free again, and the
   * first waiter — only that one — is woken (its future gets a result, unless
   * it is done already). The lock stays free until the woken task runs and
   * takes it; a newcomer meanwhile sees a waiter and queues behind it.
   */
  release(): void {
    throw new Error('TODO: step 7 — Lock.release');
  }
}
