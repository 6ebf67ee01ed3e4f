/** Options of `new Barrier()`: Python's keyword argument. */
export interface BarrierOptions {
  /** How many tasks must wait before all are released (≥ 1). */
  parties: number;
}

/**
 * asyncio.Barrier (CPython: locks.py, 3.11+), built as CPython builds it: a
 * Condition and a state machine.
 *
 *   filling   — tasks arrive and wait; the last of `parties` trips the barrier
 *   draining  — the tripped tasks leave; newcomers wait until all have left
 *   resetting — reset() came while tasks waited: they get BrokenBarrierError,
 *               and the barrier fills again once they have left
 *   broken    — abort(): every waiter, now and later, gets BrokenBarrierError
 */
import { BrokenBarrierError, ValueError } from './exceptions';
import { Condition } from './locks';
import { checkOptions, isOptionsObject } from './options';
import { repr } from './repr';
import type { Coroutine } from './futures';
import type { AsyncContextManager } from './contexts';

type BarrierState = 'filling' | 'draining' | 'resetting' | 'broken';

/**
 * asyncio.Barrier: `parties` tasks meet here. Each `wait()` blocks until
 * `parties` tasks are waiting, then all are released together, each with its
 * own index from 0 to parties − 1. The barrier can be used again and again.
 * `abort()` breaks it, `reset()` breaks the current round and starts afresh.
 * @example
 * const barrier = new Barrier(3);
 * function* worker(): Coroutine<void> {
 *   yield* setUp();
 *   const i = yield* barrier.wait(); // all three continue together
 * }
 * yield* asyncWith(barrier, function* (index) { console.log('passed as', index); });
 */
export class Barrier implements AsyncContextManager<number> {
  /** @internal Notifies every task when the state changes. */ readonly _cond = new Condition();
  /** @internal */ readonly _parties: number;
  /** @internal */ _state: BarrierState = 'filling';
  /** @internal The tasks inside wait(). */ _count = 0;

  /** `parties`: how many tasks must wait before all are released (≥ 1); given alone, as in Python, or as `{ parties }`. */
  constructor(options: number | BarrierOptions) {
    const parties = isOptionsObject(options) ? checkOptions<BarrierOptions>('Barrier', options, ['parties']).parties : options;
    if (typeof parties !== 'number' || !Number.isInteger(parties)) {
      throw new TypeError(`Barrier(parties) needs an integer number of tasks, got ${repr(parties)}`);
    }
    if (parties < 1) throw new ValueError(`parties must be > 0, got ${parties}`);
    this._parties = parties;
    // Its waiters wait for the barrier, and task trees should say so.
    this._cond._info = { kind: 'Barrier.wait', resource: this };
  }

  /** The number of tasks needed to trip the barrier. */
  get parties(): number {
    return this._parties;
  }

  /** The number of tasks waiting while the barrier fills (Python's `n_waiting`). */
  get nWaiting(): number {
    return this._state === 'filling' ? this._count : 0;
  }

  /** True once `abort()` broke the barrier. */
  get broken(): boolean {
    return this._state === 'broken';
  }

  /**
   * Waits until `parties` tasks are waiting, then evaluates to this task's
   * index (0 … parties − 1; the last to arrive gets parties − 1).
   * @throws BrokenBarrierError when the barrier is aborted or reset meanwhile.
   */
  *wait(): Coroutine<number> {
    const cond = this._cond;
    yield* cond.acquire();
    try {
      yield* this._block(); // wait while the previous round drains or resets
      const index = this._count++;
      try {
        if (index + 1 === this._parties) this._release();
        else yield* this._wait();
        return index;
      } finally {
        this._count--;
        this._exit(); // the last to leave lets the next round in
      }
    } finally {
      cond.release();
    }
  }

  /**
   * Puts the barrier back to its empty state. Tasks waiting now get
   * BrokenBarrierError; tasks arriving later wait for a new round.
   */
  *reset(): Coroutine<void> {
    const cond = this._cond;
    yield* cond.acquire();
    try {
      if (this._count > 0) this._state = 'resetting'; // the waiters must leave first
      else this._state = 'filling';
      cond.notifyAll();
    } finally {
      cond.release();
    }
  }

  /** Breaks the barrier: every waiting task, and every later `wait()`, gets BrokenBarrierError. */
  *abort(): Coroutine<void> {
    const cond = this._cond;
    yield* cond.acquire();
    try {
      this._state = 'broken';
      cond.notifyAll();
    } finally {
      cond.release();
    }
  }

  /** `async with barrier as index:` — waits, and hands the body its index. */
  enter(): Coroutine<number> {
    return this.wait();
  }

  /** Nothing to undo after the body. */
  *exit(_error?: unknown): Coroutine<void> {}

  toString(): string {
    let extra: string = this._state;
    if (this._state !== 'broken') extra += `, waiters:${this.nWaiting}/${this._parties}`;
    return `<${this.constructor.name} [${extra}]>`;
  }

  /** @internal Blocks while the barrier drains or resets; fails if it is broken. */
  *_block(): Coroutine<void> {
    while (this._state === 'draining' || this._state === 'resetting') yield* this._cond.wait();
    if (this._state === 'broken') throw new BrokenBarrierError('Barrier aborted');
  }

  /** @internal The last task trips the barrier: the others may go. */
  _release(): void {
    this._state = 'draining';
    this._cond.notifyAll();
  }

  /** @internal Waits in the barrier until the round is released, reset or broken. */
  *_wait(): Coroutine<void> {
    while (this._state === 'filling') yield* this._cond.wait();
    if (this._state === 'broken' || this._state === 'resetting') throw new BrokenBarrierError('Abort or reset of barrier');
  }

  /** @internal When the last task leaves, a draining or resetting barrier fills again. */
  _exit(): void {
    if (this._count === 0) {
      if (this._state === 'resetting' || this._state === 'draining') this._state = 'filling';
      this._cond.notifyAll();
    }
  }
}
