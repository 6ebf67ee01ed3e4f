// Step 2 — the loop; step 8 — where it waits. CPython: Lib/asyncio/base_events.py,
// events.py (Handle), selector_events.py; tulip: lib/loop.ts, lib/handles.ts.
import { Future, type Coroutine, type Scheduler } from './futures';
import { Selector } from '../selector';

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
  readonly _selector = new Selector(this._clock);
  _ready: Handle[] = [];
  /** Sorted by `when`; equal times keep the order they were scheduled in. */
  _scheduled: Handle[] = [];

  time(): number {
    return this._clock.now;
  }

  callSoon(callback: (arg: any) => void, arg?: unknown): Handle {
    const handle = new Handle(callback, arg);
    this._ready.push(handle);
    return handle;
  }

  callLater(delay: number, callback: (arg: any) => void, arg?: unknown): Handle {
    const timer = new Handle(callback, arg, this.time() + delay);
    let i = this._scheduled.length;
    while (i > 0 && this._scheduled[i - 1].when > timer.when) i--;
    this._scheduled.splice(i, 0, timer);
    return timer;
  }

  /** One iteration (CPython's _run_once). */
  _runOnce(): void {
    while (this._scheduled.length > 0 && this._scheduled[0]._cancelled) this._scheduled.shift();
    // 1. How long may we wait? Not at all if callbacks are ready; else until the
    //    next timer; else for as long as it takes (null) — only I/O can wake us.
    let timeout: number | null = null;
    if (this._ready.length > 0) timeout = 0;
    else if (this._scheduled.length > 0) timeout = Math.max(0, this._scheduled[0].when - this.time());
    // 2. Wait for I/O; the readers of the fds that became readable are ready now.
    for (const key of this._selector.select(timeout)) this.callSoon(key.callback);
    // 3. Timers whose time has come are ready now.
    while (this._scheduled.length > 0 && this._scheduled[0].when <= this.time()) {
      this._ready.push(this._scheduled.shift() as Handle);
    }
    // 4. Run exactly what is ready now: what these callbacks schedule waits for
    //    the next iteration, so nothing can starve the timers or the I/O.
    const ntodo = this._ready.length;
    for (let i = 0; i < ntodo; i++) {
      const handle = this._ready.shift() as Handle;
      if (!handle._cancelled) handle._callback(handle._arg);
    }
  }

  /** Runs iterations until `future` is done — including the iteration that runs its done callbacks. */
  runUntilComplete<T>(future: Future<T>): T {
    if (runningLoop !== null) throw new Error('This event loop is already running');
    let stopping = false;
    future.addDoneCallback(() => (stopping = true));
    runningLoop = this;
    try {
      while (!stopping) this._runOnce();
    } finally {
      runningLoop = null;
    }
    return future.result();
  }

  // ---- step 8: file descriptors ----

  addReader(fd: number, callback: () => void): void {
    this._selector.register(fd, callback);
  }

  removeReader(fd: number): boolean {
    return this._selector.unregister(fd);
  }

  /** loop.sock_recv: wait until `fd` is readable, then read it. */
  *sockRecv(fd: number): Coroutine<string> {
    const fut = new Future<string>(this);
    this.addReader(fd, () => {
      this.removeReader(fd); // one read per call: stop watching
      fut.setResult(this._selector.read(fd));
    });
    try {
      return yield* fut;
    } finally {
      this.removeReader(fd); // cancelled while waiting: stop watching too
    }
  }
}
