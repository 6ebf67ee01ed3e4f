/**
 * Clocks: what time it is for a loop, and how an idle loop on the
 * synchronous driver waits (the waiting half of CPython's selectors).
 *
 * - The real clock is monotonic seconds; waiting blocks the thread with
 *   `Atomics.wait` until the next deadline or until a worker thread (the
 *   executor) notifies the loop's wake-up cell.
 * - The virtual clock starts at 0 and never waits for a timer: an idle loop
 *   jumps it straight to the next deadline, so an hour of `sleep` costs
 *   nothing and every run is deterministic.
 *
 * Both use only JavaScript globals (performance, Atomics), so the core runs
 * in a browser too.
 */
import { repr } from './repr';

/** A loop's clock. */
export interface Clock {
  readonly kind: 'real' | 'virtual';
  /** Loop time, in seconds. */
  now(): number;
  /**
   * Synchronous driver, idle: wait until `deadline` (loop time; null for no
   * deadline) has come or `wake[0]` becomes non-zero. A virtual clock is
   * only asked to block while a worker thread is busy (it waits for it in
   * real time); otherwise the loop calls `advanceTo`.
   */
  block(deadline: number | null, wake: Int32Array): void;
  /** Virtual clocks: move time forward to `when` (never backwards). */
  advanceTo?(when: number): void;
}

function waitForWake(wake: Int32Array, ms: number): void {
  // Only the main thread of a browser refuses Atomics.wait; Node allows it.
  if (Atomics.load(wake, 0) === 0) Atomics.wait(wake, 0, 0, ms);
  Atomics.store(wake, 0, 0);
}

/** Monotonic real time in seconds (`performance.now()`). */
export class RealClock implements Clock {
  readonly kind = 'real' as const;

  now(): number {
    return performance.now() / 1000;
  }

  block(deadline: number | null, wake: Int32Array): void {
    const ms = deadline === null ? Infinity : Math.max(0, (deadline - this.now()) * 1000);
    waitForWake(wake, ms);
  }
}

/** Simulated time: starts at `start` (0) and jumps when the loop is idle. */
export class VirtualClock implements Clock {
  readonly kind = 'virtual' as const;
  private t: number;

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  advanceTo(when: number): void {
    if (when > this.t) this.t = when;
  }

  block(_deadline: number | null, wake: Int32Array): void {
    // Time stands still while a worker computes: wait for its signal in real time.
    waitForWake(wake, Infinity);
  }
}

/** The clock for a loop option: `'real'` (default), `'virtual'`, or a Clock of one's own. */
export function makeClock(spec: 'real' | 'virtual' | Clock | undefined): Clock {
  if (spec === undefined || spec === 'real') return new RealClock();
  if (spec === 'virtual') return new VirtualClock();
  if (typeof spec === 'object' && spec !== null && typeof spec.now === 'function' && typeof spec.block === 'function') return spec;
  // Not String(spec) for objects: an error message must never throw on the value it reports.
  throw new TypeError(`clock must be 'real', 'virtual' or a Clock object, got ${typeof spec === 'string' ? spec : repr(spec)}`);
}
