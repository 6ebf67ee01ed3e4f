/**
 * The running loop, the current loop, and event loop policies (CPython:
 * events.py). "Running" is the loop whose callback is executing right now;
 * "current" is the loop the policy hands out to code that has none.
 */
import { RuntimeError } from './exceptions';
import { repr } from './repr';
import { checkOptions } from './options';
import type { EventLoop, EventLoopOptions } from './loop';

/** @internal Every option of `new EventLoop()`, which a policy also takes: anything else is refused. */
export const EVENT_LOOP_OPTIONS: readonly (keyof EventLoopOptions)[] = ['clock', 'debug', 'shuffle', 'maxWorkers', 'taskFactory', 'exceptionHandler'];

let runningLoop: EventLoop | null = null;

/** @internal The running loop or null (CPython's `_get_running_loop`). */
export function _getRunningLoop(): EventLoop | null {
  return runningLoop;
}

/** @internal Set by the drivers around each stretch of running. */
export function _setRunningLoop(loop: EventLoop | null): void {
  runningLoop = loop;
}

/**
 * asyncio.get_running_loop: the loop running the current callback or task.
 * @throws RuntimeError('no running event loop') outside one.
 */
export function getRunningLoop(): EventLoop {
  if (runningLoop === null) throw new RuntimeError('no running event loop');
  return runningLoop;
}

/** The options a policy gives every loop it creates. */
export type PolicyOptions = EventLoopOptions;

/**
 * asyncio.DefaultEventLoopPolicy: keeps the current loop and creates new
 * ones. Its options (maxWorkers, taskFactory, exceptionHandler, clock,
 * debug, shuffle) reach every loop it creates.
 * @example
 * setEventLoopPolicy(new DefaultEventLoopPolicy({ clock: 'virtual', debug: true }));
 */
export class DefaultEventLoopPolicy {
  private loop: EventLoop | null = null;
  private setCalled = false;

  constructor(readonly options: PolicyOptions = {}) {
    checkOptions<PolicyOptions>('DefaultEventLoopPolicy', options, EVENT_LOOP_OPTIONS);
  }

  /**
   * The current loop. If none was ever set, one is created and becomes
   * current (as CPython 3.12 does in the main thread); after
   * `setEventLoop(null)` there is none, and this is a RuntimeError.
   */
  getEventLoop(): EventLoop {
    if (this.loop === null && !this.setCalled) this.setEventLoop(this.newEventLoop());
    if (this.loop === null) {
      throw new RuntimeError('There is no current event loop: create one with setEventLoop(newEventLoop()), or run your code with asyncio.run()');
    }
    return this.loop;
  }

  setEventLoop(loop: EventLoop | null): void {
    // As in CPython: only a loop or null (a loop is recognised by its run method, to avoid importing loop.ts here).
    if (loop !== null && (typeof loop !== 'object' || typeof (loop as { runUntilComplete?: unknown }).runUntilComplete !== 'function')) {
      throw new TypeError(`loop must be an EventLoop or null, got ${repr(loop)}`); // repr: never throws on the value
    }
    this.setCalled = true;
    this.loop = loop;
  }

  /** A new loop with this policy's options (`overrides` win). */
  newEventLoop(overrides: EventLoopOptions = {}): EventLoop {
    // Loaded here, not at the top: loop.ts itself depends on this module.
    const { EventLoop } = require('./loop') as typeof import('./loop');
    checkOptions<EventLoopOptions>('newEventLoop', overrides, EVENT_LOOP_OPTIONS);
    const options: EventLoopOptions = { ...this.options };
    for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (options as Record<string, unknown>)[k] = v;
    return new EventLoop(options);
  }
}

let policy: DefaultEventLoopPolicy | null = null;

/** asyncio.get_event_loop_policy. */
export function getEventLoopPolicy(): DefaultEventLoopPolicy {
  if (policy === null) policy = new DefaultEventLoopPolicy();
  return policy;
}

/** asyncio.set_event_loop_policy; null restores the default. */
export function setEventLoopPolicy(p: DefaultEventLoopPolicy | null): void {
  if (p !== null && !(p instanceof DefaultEventLoopPolicy)) {
    throw new TypeError(`policy must be a DefaultEventLoopPolicy or null, got ${repr(p)}`);
  }
  policy = p;
}

/** asyncio.get_event_loop: the running loop, else the policy's current loop. */
export function getEventLoop(): EventLoop {
  return runningLoop ?? getEventLoopPolicy().getEventLoop();
}

/** asyncio.set_event_loop. */
export function setEventLoop(loop: EventLoop | null): void {
  getEventLoopPolicy().setEventLoop(loop);
}

/** asyncio.new_event_loop: a new loop from the policy (not made current). */
export function newEventLoop(): EventLoop {
  return getEventLoopPolicy().newEventLoop();
}
