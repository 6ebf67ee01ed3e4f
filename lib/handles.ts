/**
 * Handle and TimerHandle (CPython: events.Handle, events.TimerHandle): a
 * callback with its arguments, waiting in the loop's ready deque or timer
 * heap. `cancel()` marks it; the loop skips cancelled handles when it gets to
 * them, which is cheaper than finding and removing them.
 */
import { callableName, repr } from './repr';
import { Context, _currentBindings, _enter, _enterBare, _leave, _leaveBare, type CurrentContext } from './contextvars';
import type { EventLoop, ExceptionContext } from './loop';

/**
 * @internal Where each handle, future and task was made, in debug mode only
 * (their `_sourceTraceback`, CPython's `_source_traceback`): kept beside
 * them rather than in a field of each, so that objects made by the
 * thousand carry no slot that only debug mode fills.
 */
export const sourceTracebacks = new WeakMap<object, string>();

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
  /**
   * @internal The context the callback runs in (lib/contextvars.ts): the
   * bindings current when it was scheduled — run bare, so a callback gets a
   * copy of that context for nothing until it sets a variable —, or the
   * Context it was given (`callSoonIn`, `addDoneCallback(cb, { context })`),
   * or null for a Task's own step and wakeup: the Task enters its own
   * context (`Task._runAsCurrent`).
   */
  _context: CurrentContext | null;
  /** @internal */ _loop: EventLoop;

  /** @internal Created by the loop; use `loop.callSoon`. */
  constructor(callback: (...args: any[]) => unknown, args: readonly unknown[] | null, loop: EventLoop, arg: unknown, context: CurrentContext | null) {
    this._callback = callback;
    this._args = args;
    this._arg = arg;
    this._context = context;
    this._loop = loop;
  }

  /** @internal Where it was scheduled (debug mode only; see `sourceTracebacks`). */
  get _sourceTraceback(): string | null {
    return sourceTracebacks.get(this) ?? null;
  }

  set _sourceTraceback(stack: string | null) {
    if (stack === null) sourceTracebacks.delete(this);
    else sourceTracebacks.set(this, stack);
  }

  /** Prevents the callback from running, if it has not run yet. */
  cancel(): void {
    if (this._callback !== null) {
      // Drop references so a cancelled handle does not keep its arguments alive.
      this._callback = null;
      this._args = NO_ARGS;
      this._arg = undefined;
      this._context = null;
    }
  }

  cancelled(): boolean {
    return this._callback === null;
  }

  /**
   * @internal A handle is cancelled when its callback is gone: no field of
   * its own (measured: one more field per Handle costs W3, whose 300 000
   * handles are all alive at once, about 15% — it is GC-bound).
   */
  get _cancelled(): boolean {
    return this._callback === null;
  }

  /**
   * @internal Runs the callback in its context (CPython:
   * `self._context.run(self._callback, *self._args)`). Errors never escape
   * into the loop: they go to the exception handler, and the loop goes on
   * (asyncio's rule) — also when the context cannot be entered because it
   * is current elsewhere already.
   */
  _run(): void {
    const context = this._context;
    if (context === null) {
      this._call(); // a Task's step or wakeup: the Task enters its own context
    } else if (context instanceof Context) {
      this._callIn(context);
    } else {
      const outerBindings = _currentBindings();
      const outer = _enterBare(context);
      this._call(); // never throws: the callback's errors go to the exception handler
      _leaveBare(outer, outerBindings);
    }
  }

  /** @internal `_call` in a Context given explicitly, unless it is current elsewhere already. */
  _callIn(context: Context): void {
    let outer: CurrentContext;
    try {
      outer = _enter(context);
    } catch (exception) {
      this._report(exception); // RuntimeError('cannot enter context: … is already entered')
      return;
    }
    try {
      this._call();
    } finally {
      _leave(context, outer);
    }
  }

  /** @internal The callback with its arguments; an error goes to the exception handler. */
  _call(): void {
    try {
      const args = this._args;
      const callback = this._callback as (...a: unknown[]) => unknown;
      if (args === null) callback(this._arg);
      else if (args.length === 0) callback();
      else callback(...args);
    } catch (exception) {
      this._report(exception);
    }
  }

  /** @internal Hands an error of the callback to the loop's exception handler. */
  _report(exception: unknown): void {
    const context: ExceptionContext = {
      message: `Exception in callback ${this._describe()}`,
      exception,
      handle: this,
    };
    if (this._sourceTraceback) context.sourceTraceback = this._sourceTraceback;
    this._loop.callExceptionHandler(context);
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
  constructor(when: number, seq: number, callback: (...args: any[]) => unknown, args: readonly unknown[] | null, loop: EventLoop, arg: unknown, context: CurrentContext) {
    super(callback, args, loop, arg, context);
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
