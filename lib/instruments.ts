/**
 * Instruments: hooks into the loop's life (tulip's own, in the spirit of
 * Trio's instruments; lib/inspect's Tracer is one). The hot paths pay one
 * field test per hook site while none is attached (`loop._instrumented`);
 * with one attached, every hook site calls `emitHook`.
 */
import { repr } from './repr';
import type { Task } from './tasks';
import type { Handle, TimerHandle } from './handles';
import type { EventLoop } from './loop';

/**
 * Hooks into the loop's life (tulip's own; see `lib/inspect`). Each is
 * optional. An instrument that throws is reported to the exception handler
 * and removed; the program goes on.
 */
export interface Instrument {
  taskCreated?(task: Task<unknown>): void;
  beforeTaskStep?(task: Task<unknown>): void;
  /** `yielded`: what the coroutine suspended on (a Future, undefined for a bare yield or when it finished). */
  afterTaskStep?(task: Task<unknown>, yielded: unknown): void;
  taskDone?(task: Task<unknown>): void;
  callbackScheduled?(handle: Handle): void;
  beforeCallback?(handle: Handle): void;
  afterCallback?(handle: Handle): void;
  timerScheduled?(handle: TimerHandle): void;
  /** The loop is about to wait: `timeout` seconds of loop time, or null for no limit. */
  beforeWait?(timeout: number | null): void;
  /** The wait is over, after `waited` seconds of loop time. */
  afterWait?(waited: number): void;
}

/** `loop.addInstrument(instrument)`. */
export function addInstrument(loop: EventLoop, instrument: Instrument): void {
  if (instrument === null || typeof instrument !== 'object') throw new TypeError(`addInstrument() needs an object with hook methods, got ${repr(instrument)}`);
  if (!loop._instruments.includes(instrument)) loop._instruments.push(instrument);
  loop._instrumented = true;
}

/** `loop.removeInstrument(instrument)`: false if it was not attached. */
export function removeInstrument(loop: EventLoop, instrument: Instrument): boolean {
  const i = loop._instruments.indexOf(instrument);
  if (i < 0) return false;
  loop._instruments.splice(i, 1);
  loop._instrumented = loop._instruments.length > 0;
  return true;
}

/** Calls `hook` on every instrument (on a copy of the list: a hook may remove one); one that throws is reported and removed. */
export function emitHook(loop: EventLoop, hook: keyof Instrument, a: unknown, b: unknown): void {
  for (const instrument of loop._instruments.slice()) {
    const fn = instrument[hook] as ((x: unknown, y: unknown) => void) | undefined;
    if (typeof fn !== 'function') continue;
    try {
      fn.call(instrument, a, b);
    } catch (exception) {
      removeInstrument(loop, instrument);
      loop.callExceptionHandler({ message: `Instrument hook ${hook}() raised an exception; the instrument was removed`, exception, instrument });
    }
  }
}
