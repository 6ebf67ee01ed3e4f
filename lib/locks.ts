/**
 * Synchronisation primitives (CPython: locks.py): Lock, Event, Condition,
 * Semaphore, BoundedSemaphore. Barrier lives in barriers.ts.
 *
 * Two rules hold for all of them, as in asyncio:
 *   - FIFO fairness: waiters are served in arrival order, and a release wakes
 *     exactly the next one. A newcomer does not jump the queue while others
 *     wait, even when the primitive looks free for a moment.
 *   - Cancellation safety: a waiter cancelled while it waits, or after it was
 *     woken but before it ran, never keeps the lock (or a permit); it passes
 *     the wake-up on to the next waiter.
 *
 * Each waiter is a Future in a deque. Waiters remove themselves (in a
 * `finally`) when they resume, so a cancelled waiter stays in the deque until
 * its task runs — which is why the fast paths check `cancelled()`.
 */
import { CancelledError, RuntimeError, ValueError } from './exceptions';
import { getRunningLoop } from './events';
import { Future, type Coroutine, type WaitInfo } from './futures';
import { currentTask, type Task } from './tasks';
import { Deque } from './deque';
import { checkOptions, isOptionsObject } from './options';
import { repr } from './repr';
import type { AsyncContextManager } from './contexts';
import type { EventLoop } from './loop';

/**
 * @internal CPython's `mixins._LoopBoundMixin`: a primitive belongs to the
 * first loop that makes it wait, and refuses every other loop after that.
 */
export abstract class _LoopBound {
  /** @internal */ _loop: EventLoop | null = null;

  /** @internal A new waiter future on the running loop, labelled for task trees and deadlock reports. */
  _newWaiter<R>(info: WaitInfo): Future<R> {
    const loop = getRunningLoop();
    if (this._loop === null) this._loop = loop;
    else if (this._loop !== loop) throw new RuntimeError(`${this} is bound to a different event loop`);
    const fut = loop.createFuture<R>();
    fut._waitInfo = info;
    return fut;
  }
}

/** " [locked, waiters:2]"-style state, as the reprs of locks.py print it. */
function withWaiters(extra: string, waiters: Deque<unknown> | null): string {
  return waiters !== null && waiters.length > 0 ? `${extra}, waiters:${waiters.length}` : extra;
}

/**
 * asyncio.Lock: a mutual-exclusion lock for tasks. `acquire()` waits until
 * the lock is free and takes it; `release()` frees it and wakes the first
 * waiter. Waiters get the lock in FIFO order. Not owned by a task: any task
 * may release it. Use it with `asyncWith` so it is released on every path.
 * @example
 * const lock = new Lock();
 * yield* asyncWith(lock, function* () {
 *   const v = counter; yield* sleep(0); counter = v + 1;
 * });
 */
export class Lock extends _LoopBound implements AsyncContextManager<void> {
  /** @internal Futures of the tasks waiting in acquire(), oldest first. */ _waiters: Deque<Future<boolean>> | null = null;
  /** @internal */ _locked = false;
  /**
   * @internal The task that last acquired the lock, until it is released (not
   * in Python): lets a deadlock report say "Lock held by A, awaited by B".
   */
  _holder: Task<unknown> | null = null;
  /** @internal */ readonly _info: WaitInfo = { kind: 'Lock.acquire', resource: this };

  /** True while the lock is held. */
  locked(): boolean {
    return this._locked;
  }

  /**
   * Waits until the lock is free, takes it, and evaluates to true. FIFO: a
   * task never overtakes one that is already waiting.
   */
  *acquire(): Coroutine<true> {
    // Fair scheduling: take the lock at once only when nobody is waiting its
    // turn (waiters that were all cancelled do not count).
    if (!this._locked && (this._waiters === null || allCancelled(this._waiters))) {
      this._locked = true;
      this._holder = currentTask();
      return true;
    }
    if (this._waiters === null) this._waiters = new Deque();
    const fut = this._newWaiter<boolean>(this._info);
    this._waiters.push(fut);
    try {
      try {
        yield* fut;
      } finally {
        this._waiters.remove(fut);
      }
    } catch (error) {
      // Only a cancellation can get here. Keep the lock's invariant: if the
      // lock is free (we may have been woken already), the next waiter must run.
      if (!this._locked) this._wakeUpFirst();
      throw error;
    }
    this._locked = true;
    this._holder = currentTask();
    return true;
  }

  /**
   * Frees the lock and wakes the first waiter, if any.
   * @throws RuntimeError('Lock is not acquired.') when the lock is not held.
   */
  release(): void {
    if (!this._locked) throw new RuntimeError('Lock is not acquired.');
    this._locked = false;
    this._holder = null;
    this._wakeUpFirst();
  }

  /** `async with lock:` — acquires (the body gets nothing, as in Python). */
  *enter(): Coroutine<void> {
    yield* this.acquire();
  }

  /** Releases the lock after the body; never swallows the body's error. */
  *exit(_error?: unknown): Coroutine<void> {
    this.release();
  }

  override toString(): string {
    return `<${this.constructor.name} [${withWaiters(this._locked ? 'locked' : 'unlocked', this._waiters)}]>`;
  }

  /** @internal Ensures the first waiter will wake up (one already woken is left alone). */
  _wakeUpFirst(): void {
    const waiters = this._waiters;
    if (waiters === null || waiters.length === 0) return;
    const fut = waiters.at(0) as Future<boolean>;
    // done() means it is already set to wake up (or cancelled, and it will pass the turn on).
    if (!fut.done()) fut.setResult(true);
  }
}

function allCancelled(waiters: Deque<Future<boolean>>): boolean {
  for (let i = 0, n = waiters.length; i < n; i++) if (!(waiters.at(i) as Future<boolean>).cancelled()) return false;
  return true;
}

/**
 * asyncio.Event: a flag that tasks can wait for. `set()` wakes every waiter;
 * while the flag is set, `wait()` returns at once; `clear()` lowers it again.
 * @example
 * const ready = new Event();
 * createTask((function* () { yield* sleep(1); ready.set(); })());
 * yield* ready.wait(); // one second later
 */
export class Event extends _LoopBound {
  /** @internal */ _waiters = new Deque<Future<boolean>>();
  /** @internal */ _value = false;
  /** @internal What its waiters stand for (a Queue's join() relabels its event). */
  _info: WaitInfo = { kind: 'Event.wait', resource: this };

  /** True when the flag is set (Python's `is_set`). */
  isSet(): boolean {
    return this._value;
  }

  /** Sets the flag and wakes every task waiting for it. */
  set(): void {
    if (this._value) return;
    this._value = true;
    const waiters = this._waiters;
    for (let i = 0, n = waiters.length; i < n; i++) {
      const fut = waiters.at(i) as Future<boolean>;
      if (!fut.done()) fut.setResult(true);
    }
  }

  /** Lowers the flag: later `wait()` calls block until the next `set()`. */
  clear(): void {
    this._value = false;
  }

  /** Waits until the flag is set (at once if it is), then evaluates to true. */
  *wait(): Coroutine<true> {
    if (this._value) return true;
    const fut = this._newWaiter<boolean>(this._info);
    this._waiters.push(fut);
    try {
      yield* fut;
      return true;
    } finally {
      this._waiters.remove(fut);
    }
  }

  override toString(): string {
    return `<${this.constructor.name} [${withWaiters(this._value ? 'set' : 'unset', this._waiters)}]>`;
  }
}

/** Options of `new Condition()`: Python's keyword argument. */
export interface ConditionOptions {
  /** The Lock to use; default a new one. */
  lock?: Lock | null;
}

/**
 * asyncio.Condition: lets tasks wait, with a lock held, until another task
 * notifies them. `wait()` releases the lock while it waits and always
 * re-acquires it before returning — even when cancelled. Waiting or notifying
 * without holding the lock is a RuntimeError. Several Conditions may share
 * one Lock.
 * @example
 * const cond = new Condition();
 * // consumer
 * yield* asyncWith(cond, function* () { yield* cond.waitFor(() => items.length > 0); use(items.shift()); });
 * // producer
 * yield* asyncWith(cond, function* () { items.push(x); cond.notify(); });
 */
export class Condition extends _LoopBound implements AsyncContextManager<void> {
  /** @internal */ readonly _lock: Lock;
  /** @internal */ _waiters = new Deque<Future<boolean>>();
  /** @internal What its waiters stand for (a Barrier relabels its condition). */
  _info: WaitInfo = { kind: 'Condition.wait', resource: this };

  /** `lock`: the Lock to use (default a new one); given alone, as in Python, or as `{ lock }`. */
  constructor(lock?: Lock | null | ConditionOptions) {
    super();
    // A plain object is the options; anything else is the lock itself (and checked as one).
    if (isOptionsObject(lock)) lock = checkOptions<ConditionOptions>('Condition', lock, ['lock']).lock;
    if (lock != null && !(lock instanceof Lock)) {
      throw new TypeError(`Condition(lock) needs a Lock (or nothing, for a new one), got ${repr(lock)}`);
    }
    this._lock = lock ?? new Lock();
  }

  /** The lock's `locked()`. */
  locked(): boolean {
    return this._lock._locked;
  }

  /** The lock's `acquire()`. */
  acquire(): Coroutine<true> {
    return this._lock.acquire();
  }

  /** The lock's `release()`. */
  release(): void {
    this._lock.release();
  }

  /** `async with cond:` — acquires the lock. */
  *enter(): Coroutine<void> {
    yield* this._lock.acquire();
  }

  /** Releases the lock after the body. */
  *exit(_error?: unknown): Coroutine<void> {
    this._lock.release();
  }

  /**
   * Releases the lock, waits until notified, re-acquires the lock, and
   * evaluates to true. It may return without a matching notify (a "spurious
   * wake-up", allowed by the condition-variable protocol), so re-check the
   * state afterwards — or use `waitFor`.
   * @throws RuntimeError('cannot wait on un-acquired lock') when the lock is not held.
   */
  *wait(): Coroutine<true> {
    if (!this.locked()) throw new RuntimeError('cannot wait on un-acquired lock');
    const fut = this._newWaiter<boolean>(this._info);
    this.release();
    try {
      try {
        this._waiters.push(fut);
        try {
          yield* fut;
          return true;
        } finally {
          this._waiters.remove(fut);
        }
      } finally {
        // The lock must be re-acquired even if the wait was cancelled. Only
        // cancellations are retried; the last one is re-raised once we hold it.
        let cancelled: CancelledError | null = null;
        for (;;) {
          try {
            yield* this._lock.acquire();
            break;
          } catch (error) {
            if (!(error instanceof CancelledError)) throw error;
            cancelled = error;
          }
        }
        if (cancelled !== null) throw cancelled; // re-raise the cancellation (it overrides `return true`)
      }
    } catch (error) {
      // An error here may come after we were notified: hand the notification
      // to another waiter instead of losing it (a spurious wake-up is allowed).
      this._notify(1);
      throw error;
    }
  }

  /**
   * Waits until `predicate()` is truthy, calling `wait()` as often as needed,
   * and evaluates to the predicate's last value. Checked first, so a true
   * predicate returns without waiting.
   * @example
   * yield* cond.waitFor(() => queue.length > 0);
   */
  waitFor<T>(predicate: () => T): Coroutine<T> {
    if (typeof predicate !== 'function') throw new TypeError(`waitFor() needs a predicate function, got ${repr(predicate)}`);
    return this._waitFor(predicate);
  }

  /** @internal */
  *_waitFor<T>(predicate: () => T): Coroutine<T> {
    let result = predicate();
    while (!result) {
      yield* this.wait();
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiting tasks (default 1). They return from `wait()` only
   * once they get the lock back, which the caller still holds.
   * @throws RuntimeError('cannot notify on un-acquired lock') when the lock is not held.
   */
  notify(n = 1): void {
    if (typeof n !== 'number' || Number.isNaN(n)) throw new TypeError(`notify(n) needs a number of tasks to wake, got ${repr(n)}`);
    if (!this.locked()) throw new RuntimeError('cannot notify on un-acquired lock');
    this._notify(n);
  }

  /** Wakes every waiting task (Python's `notify_all`). */
  notifyAll(): void {
    this.notify(this._waiters.length);
  }

  override toString(): string {
    return `<${this.constructor.name} [${withWaiters(this.locked() ? 'locked' : 'unlocked', this._waiters)}]>`;
  }

  /** @internal Wakes the first `n` waiters not already woken or cancelled. */
  _notify(n: number): void {
    const waiters = this._waiters;
    let woken = 0;
    for (let i = 0, len = waiters.length; i < len && woken < n; i++) {
      const fut = waiters.at(i) as Future<boolean>;
      if (!fut.done()) {
        woken++;
        fut.setResult(false);
      }
    }
  }
}

/** Options of `new Semaphore()` and `new BoundedSemaphore()`: Python's keyword argument. */
export interface SemaphoreOptions {
  /** The initial number of permits (default 1). */
  value?: number;
}

/** The permits a Semaphore constructor was given: the number itself, or `{ value }`. */
function permitsOf(options: unknown, cls: string): unknown {
  return isOptionsObject(options) ? checkOptions<SemaphoreOptions>(cls, options, ['value']).value ?? 1 : options;
}

/**
 * asyncio.Semaphore: a counter of permits. `acquire()` takes one, waiting
 * while there are none; `release()` gives one back and wakes the first
 * waiter. FIFO, like Lock. `release()` is not checked: it may raise the
 * count above its start value (use BoundedSemaphore to forbid that).
 * @example
 * const sem = new Semaphore(3); // at most three fetches at once
 * yield* asyncWith(sem, function* () { yield* fetchPage(url); });
 */
export class Semaphore extends _LoopBound implements AsyncContextManager<void> {
  /** @internal */ _waiters: Deque<Future<boolean>> | null = null;
  /** @internal The free permits. */ _value: number;
  /** @internal */ readonly _info: WaitInfo = { kind: 'Semaphore.acquire', resource: this };

  /**
   * `value`: the initial number of permits (default 1); negative is a
   * ValueError. Given alone, as in Python, or as `{ value }`.
   */
  constructor(options: number | SemaphoreOptions = 1) {
    super();
    const value = permitsOf(options, new.target.name);
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new TypeError(`${new.target.name} value must be an integer number of permits, got ${repr(value)}`);
    }
    if (value < 0) throw new ValueError(`Semaphore initial value must be >= 0, got ${value}`);
    this._value = value;
  }

  /**
   * True when `acquire()` would wait: no permit is free, or (FIFO) other
   * tasks are already waiting for one.
   */
  locked(): boolean {
    if (this._value === 0) return true;
    const waiters = this._waiters;
    if (waiters !== null) {
      for (let i = 0, n = waiters.length; i < n; i++) if (!(waiters.at(i) as Future<boolean>).cancelled()) return true;
    }
    return false;
  }

  /** Takes a permit, waiting for one if needed; evaluates to true. */
  *acquire(): Coroutine<true> {
    if (!this.locked()) {
      // FIFO: a free permit is taken at once only when nobody waits before us.
      this._value--;
      return true;
    }
    if (this._waiters === null) this._waiters = new Deque();
    const fut = this._newWaiter<boolean>(this._info);
    this._waiters.push(fut);
    try {
      try {
        yield* fut;
      } finally {
        this._waiters.remove(fut);
      }
    } catch (error) {
      // Only a cancellation can get here. If we had been handed a permit
      // (woken, then cancelled before we ran), give it back.
      if (fut.done() && !fut.cancelled()) this._value++;
      throw error;
    } finally {
      // New waiters may have queued behind us only because of FIFO: wake as
      // many of them as there are permits.
      while (this._value > 0) if (!this._wakeUpNext()) break;
    }
    return true;
  }

  /** Gives a permit back and wakes the first waiter, if any. */
  release(): void {
    this._value++;
    this._wakeUpNext();
  }

  /** `async with sem:` — takes a permit. */
  *enter(): Coroutine<void> {
    yield* this.acquire();
  }

  /** Gives the permit back after the body. */
  *exit(_error?: unknown): Coroutine<void> {
    this.release();
  }

  override toString(): string {
    const extra = this.locked() ? 'locked' : `unlocked, value:${this._value}`;
    return `<${this.constructor.name} [${withWaiters(extra, this._waiters)}]>`;
  }

  /** @internal Hands a permit to the first waiter not yet woken; false if there is none. */
  _wakeUpNext(): boolean {
    const waiters = this._waiters;
    if (waiters === null) return false;
    for (let i = 0, n = waiters.length; i < n; i++) {
      const fut = waiters.at(i) as Future<boolean>;
      if (!fut.done()) {
        this._value--; // the permit is the woken waiter's from now on
        fut.setResult(true);
        return true;
      }
    }
    return false;
  }
}

/**
 * asyncio.BoundedSemaphore: a Semaphore whose `release()` refuses to raise
 * the count above its initial value — a release without a matching acquire
 * is a bug, and this catches it.
 * @example
 * const sem = new BoundedSemaphore(2);
 * sem.release(); // ValueError: BoundedSemaphore released too many times
 */
export class BoundedSemaphore extends Semaphore {
  /** @internal */ readonly _boundValue: number;

  /** `value`: as for Semaphore — the permits, alone or as `{ value }`; also the most there can ever be. */
  constructor(options: number | SemaphoreOptions = 1) {
    super(options);
    this._boundValue = this._value;
  }

  /** @throws ValueError('BoundedSemaphore released too many times') above the initial value. */
  override release(): void {
    if (this._value >= this._boundValue) throw new ValueError('BoundedSemaphore released too many times');
    super.release();
  }
}
