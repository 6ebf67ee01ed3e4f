// Step 2 — the loop (callSoon, callLater, one iteration).  npm run exercise -- 2
// Step 8 — where the loop waits (the selector).            npm run exercise -- 8
// The real thing: lib/loop.ts, lib/handles.ts; CPython's Lib/asyncio/base_events.py
// (BaseEventLoop.call_soon, call_later, _run_once, run_until_complete),
// events.py (Handle, TimerHandle) and selector_events.py (add_reader, sock_recv).
//
// An event loop is two queues and one iteration, run again and again:
// `_ready`, the callbacks to run now, and `_scheduled`, the timers, sorted by
// time. Time here is virtual: it only moves when the loop waits, and waiting
// for a timer means jumping the clock to it. So a program that sleeps for an
// hour finishes at once, and prints the same thing on every run.
import { Future, type Coroutine, type Scheduler } from './futures';
import { Selector } from './selector';

/** A scheduled callback (CPython's Handle and TimerHandle in one): cancelling it means skipping it. */
export class Handle {
  _cancelled = false;
  constructor(readonly _callback: (arg: any) => void, readonly _arg: unknown, readonly when = 0) {}
  cancel(): void {
    this._cancelled = true;
  }
}

let runningLoop: EventLoop | null = null;

/** The loop running now (asyncio.get_running_loop): how a coroutine finds its loop. */
export function getRunningLoop(): EventLoop {
  if (runningLoop === null) throw new Error('no running event loop');
  return runningLoop;
}

export class EventLoop implements Scheduler {
  /** Virtual time, in seconds: only waiting moves it. */
  readonly _clock = { now: 0 };
  /** Step 8: the simulated operating system (./selector.ts); it moves `_clock` when it waits. */
  readonly _selector = new Selector(this._clock);
  _ready: Handle[] = [];
  /** The timers: keep them sorted by `when`; equal times in the order they were scheduled. */
  _scheduled: Handle[] = [];

  time(): number {
    return this._clock.now;
  }

  /** Rule: append a Handle for `callback(arg)` to `_ready` and return it; never call it here. */
  callSoon(callback: (arg: any) => void, arg?: unknown): Handle {
    throw new Error('TODO: step 2 — EventLoop.callSoon');
  }

  /**
   * Rule: a Handle with `when = time() + delay`, put into `_scheduled` so the
   * list stays sorted by `when` — after the timers with the same `when`.
   */
  callLater(delay: number, callback: (arg: any) => void, arg?: unknown): Handle {
    throw new Error('TODO: step 2 — EventLoop.callLater');
  }

  /**
   * One iteration (CPython's _run_once). Step 2's rules, in order:
   * 1. drop cancelled timers from the front of `_scheduled`;
   * 2. wait: if nothing is ready, jump the clock to the first timer (never
   *    backwards); if there is no timer either, nothing can ever happen —
   *    throw an Error whose message says the loop 'would wait forever';
   * 3. move every timer whose `when` has come (<= time()) to `_ready`;
   * 4. run exactly the handles that are in `_ready` now — count them first:
   *    what they schedule runs in the next iteration, so a callback that
   *    keeps rescheduling itself cannot starve the timers. Skip cancelled
   *    handles; run the others as `handle._callback(handle._arg)`.
   *
   * Step 8 replaces the wait (rule 2) with the selector's, as CPython does:
   *  - timeout = 0 if callbacks are ready; else the time until the first
   *    timer (not below 0); else null — only I/O can wake us now;
   *  - `this._selector.select(timeout)` waits (moving the clock) and returns
   *    the keys of the fds that became readable: `callSoon(key.callback)`
   *    for each (CPython's _process_events). With nothing to wait for and
   *    timeout null, select() throws its own 'would wait forever' error.
   */
  _runOnce(): void {
    throw new Error('TODO: step 2 — EventLoop._runOnce');
  }

  /**
   * Rules: run iterations until `future` is done, then return its result
   * (or throw its exception: future.result() does both).
   * - While it runs, getRunningLoop() returns this loop (set `runningLoop`);
   *   afterwards — even when an iteration throws — it throws again.
   * - Stop after the iteration that runs the future's done callbacks, not as
   *   soon as it is done: add a done callback that says "stop" (CPython's
   *   _run_until_complete_cb), so callbacks added earlier still run.
   * - If a loop is already running, throw Error('This event loop is already running').
   */
  runUntilComplete<T>(future: Future<T>): T {
    throw new Error('TODO: step 2 — EventLoop.runUntilComplete');
  }

  // ---- step 8: file descriptors ----

  /** Rule: watch `fd`; when it is readable, the loop calls `callback` (selector.register). */
  addReader(fd: number, callback: () => void): void {
    throw new Error('TODO: step 8 — EventLoop.addReader');
  }

  /** Rule: stop watching `fd`; false if it was not watched (selector.unregister). */
  removeReader(fd: number): boolean {
    throw new Error('TODO: step 8 — EventLoop.removeReader');
  }

  /**
   * loop.sock_recv in miniature: wait until `fd` is readable, then return
   * `this._selector.read(fd)`. Rules: make a Future, add a reader that
   * removes itself and sets the future's result, and wait with `yield*`.
   * If the task is cancelled while it waits, the fd must not stay watched
   * (try/finally).
   */
  *sockRecv(fd: number): Coroutine<string> {
    throw new Error('TODO: step 8 — EventLoop.sockRecv');
  }
}
