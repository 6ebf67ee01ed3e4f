// Step 7 — a Lock. CPython: Lib/asyncio/locks.py (Lock); tulip: lib/locks.ts.
import { Future, type Coroutine } from './futures';
import { getRunningLoop } from './loop';

/** A mutex for coroutines: `yield* lock.acquire()` … `lock.release()`, first come, first served. */
export class Lock {
  _locked = false;
  /** One future per waiting acquire(), oldest first. */
  _waiters: Future<boolean>[] = [];

  locked(): boolean {
    return this._locked;
  }

  *acquire(): Coroutine<boolean> {
    // Free and nobody queued (cancelled waiters do not count): take it without yielding.
    if (!this._locked && this._waiters.every((w) => w.cancelled())) {
      this._locked = true;
      return true;
    }
    const fut = new Future<boolean>(getRunningLoop());
    this._waiters.push(fut);
    try {
      try {
        yield* fut;
      } finally {
        this._waiters.splice(this._waiters.indexOf(fut), 1);
      }
    } catch (e) {
      // Cancelled — maybe just after release() chose us. Then nobody holds the
      // lock and nobody else was woken: pass the turn on, or the lock is stuck.
      if (!this._locked) this._wakeUpFirst();
      throw e;
    }
    this._locked = true;
    return true;
  }

  release(): void {
    if (!this._locked) throw new Error('Lock is not acquired.');
    this._locked = false;
    this._wakeUpFirst();
  }

  /** Wake the oldest waiter only — it takes the lock when it runs; no barging in between. */
  _wakeUpFirst(): void {
    const first = this._waiters[0];
    if (first !== undefined && !first.done()) first.setResult(true);
  }
}
