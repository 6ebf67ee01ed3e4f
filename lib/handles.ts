/**
 * Handle and TimerHandle (CPython: events.Handle, events.TimerHandle): a
 * callback with its arguments, waiting in the loop's ready deque or timer
 * heap. `cancel()` marks it; the loop skips cancelled handles when it gets to
 * them, which is cheaper than finding and removing them.
 */
import { callableName, repr } from './repr';
import type { EventLoop, ExceptionContext } from './loop';

/** The argument list of a callback called with no arguments. */
export const NO_ARGS: readonly unknown[] = Object.freeze([]);

/** A callback scheduled with `callSoon` (asyncio.Handle). */
export class Handle {
  /** @internal */ _callback: ((...args: any[]) => unknown) | null;
  /**
   * @internal The arguments; null means "one argument, in `_arg`": the form
   * `loop._callSoonWithArg` makes for futures' done callbacks and tasks'
   * steps, so that no array of one is made per callback. Measured: 82
   * instead of 136 bytes per queued handle; no difference in speed (W2, W5).
   */
  _args: readonly unknown[] | null;
  /** @internal The one argument when `_args` is null. */ _arg: unknown;
  /** @internal */ _loop: EventLoop;
  /** @internal */ _cancelled = false;
  /** @internal Where it was scheduled (debug mode only). */ _sourceTraceback: string | null = null;

  /** @internal Created by the loop; use `loop.callSoon`. */
  constructor(callback: (...args: any[]) => unknown, args: readonly unknown[] | null, loop: EventLoop, arg?: unknown) {
    this._callback = callback;
    this._args = args;
    this._arg = arg;
    this._loop = loop;
  }

  /** Prevents the callback from running, if it has not run yet. */
  cancel(): void {
    if (!this._cancelled) {
      this._cancelled = true;
      // Drop references so a cancelled handle does not keep its arguments alive.
      this._callback = null;
      this._args = NO_ARGS;
      this._arg = undefined;
    }
  }

  cancelled(): boolean {
    return this._cancelled;
  }

  /**
   * @internal Runs the callback. Errors never escape into the loop: they go to
   * the exception handler, and the loop goes on (asyncio's rule).
   */
  _run(): void {
    try {
      const args = this._args;
      const callback = this._callback as (...a: unknown[]) => unknown;
      if (args === null) callback(this._arg);
      else if (args.length === 0) callback();
      else callback(...args);
    } catch (exception) {
      const context: ExceptionContext = {
        message: `Exception in callback ${this._describe()}`,
        exception,
        handle: this,
      };
      if (this._sourceTraceback) context.sourceTraceback = this._sourceTraceback;
      this._loop.callExceptionHandler(context);
    }
  }

  /** @internal */
  _describe(): string {
    if (this._callback === null) return '<cancelled>';
    // The one-argument fast path carries `undefined` for a call with no argument (a task's step).
    const list = this._args ?? (this._arg === undefined ? [] : [this._arg]);
    const args = list.map((a) => repr(a)).join(', ');
    return `${callableName(this._callback)}(${args})`;
  }

  toString(): string {
    return this._cancelled ? '<Handle cancelled>' : `<Handle ${this._describe()}>`;
  }
}

/** A callback scheduled for a time with `callLater`/`callAt` (asyncio.TimerHandle). */
export class TimerHandle extends Handle {
  /** @internal */ readonly _when: number;
  /** @internal Tie-breaker: equal deadlines fire in scheduling order. */ readonly _seq: number;
  /** @internal True while it sits in the loop's heap. */ _scheduled = true;

  /** @internal Created by the loop; use `loop.callLater` or `loop.callAt`. */
  constructor(when: number, seq: number, callback: (...args: any[]) => unknown, args: readonly unknown[] | null, loop: EventLoop, arg?: unknown) {
    super(callback, args, loop, arg);
    this._when = when;
    this._seq = seq;
  }

  /** The loop time at which the callback is due. */
  when(): number {
    return this._when;
  }

  override cancel(): void {
    if (!this._cancelled && this._scheduled) this._loop._timerHandleCancelled();
    super.cancel();
  }

  override toString(): string {
    return this._cancelled ? `<TimerHandle cancelled when=${this._when}>` : `<TimerHandle when=${this._when} ${this._describe()}>`;
  }
}

/** Heap order of timers: by deadline, then by scheduling order. */
export function timerBefore(a: TimerHandle, b: TimerHandle): boolean {
  return a._when < b._when || (a._when === b._when && a._seq < b._seq);
}
