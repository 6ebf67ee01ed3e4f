/**
 * EventLoop (CPython: base_events.py): a ready deque, a timer heap, and one
 * iteration run over and over.
 *
 * One iteration (CPython's `_run_once`):
 *   1. drop cancelled timers from the top of the heap (or rebuild the heap
 *      when most of it is cancelled);
 *   2. wait — not at all if callbacks are ready, else until the next timer;
 *   3. move every timer that is due to the ready deque;
 *   4. run exactly the callbacks that are in the deque now; callbacks they
 *      schedule run in the next iteration, so nothing can starve the timers.
 *
 * Only step 2 differs between the two drivers. The synchronous driver
 * (`runUntilComplete`, `runForever`) waits on its clock: a virtual clock
 * jumps, the real clock blocks the thread. The async driver
 * (`runUntilCompleteAsync`, `runForeverAsync`, in lib/host-driver.ts) hands
 * the waiting to Node, so sockets, child processes and promises can wake the loop.
 */
import { Deque } from './deque';
import { Heap } from './heap';
import { Handle, NO_ARGS, TimerHandle, timerBefore } from './handles';
import { Future, captureStack } from './futures';
import { Task, ensureFuture, type Awaitable, type TaskFactory } from './tasks';
import type { Coroutine } from './futures';
import type { CoroutineCall } from './coroutines';
import { makeClock, type Clock } from './clocks';
import { _getRunningLoop, _setRunningLoop } from './events';
import { runInHost, wakeHost } from './host-driver';
import { RuntimeError, ValueError } from './exceptions';
import { callableName, repr } from './repr';

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

/** What the exception handler receives (CPython's context dict). */
export interface ExceptionContext {
  message: string;
  exception?: unknown;
  future?: Future<unknown>;
  task?: Task<unknown>;
  handle?: Handle;
  sourceTraceback?: string;
  [key: string]: unknown;
}

/** `loop.setExceptionHandler(handler)`: called with the loop and the context. */
export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void;

/** A function an executor runs: self-contained (sent by its source text), or `{ module, export }`. */
export type ExecutorFunction = ((...args: any[]) => unknown) | { module: string; export: string };

/** A pool that runs functions off the loop's thread (concurrent.futures.Executor). */
export interface Executor {
  submit<T>(loop: EventLoop, fn: ExecutorFunction, args: unknown[]): Future<T>;
  shutdown(): void;
}

/**
 * Something besides timers that can wake an idle loop and that the
 * synchronous driver can wait for (the executor's worker threads): while
 * `busy()`, an idle loop blocks on its wake-up cell, then calls `poll()`.
 */
export interface WaitSource {
  busy(): boolean;
  poll(): void;
}

/** Options of `new EventLoop()` (and of policies, `run`, `runSync`, `Runner`). */
export interface EventLoopOptions {
  /** `'real'` (the default: monotonic seconds), `'virtual'` (jumps when idle), or a Clock. */
  clock?: 'real' | 'virtual' | Clock;
  debug?: boolean;
  /** Seed for seeded scheduling: each iteration's ready callbacks run in an order drawn from it. */
  shuffle?: number | null;
  /** Size of the default executor's worker pool. */
  maxWorkers?: number;
  taskFactory?: TaskFactory | null;
  exceptionHandler?: ExceptionHandler | null;
}

// The heap is rebuilt when more than half of it, and over this many entries, are cancelled.
const MIN_SCHEDULED_TIMER_HANDLES = 100;
const MIN_CANCELLED_TIMER_HANDLES_FRACTION = 0.5;

function runUntilCompleteCallback(fut: Future<unknown>): void {
  fut._loop.stop();
}

/** A small seeded PRNG (mulberry32): the same seed, the same schedule. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * asyncio's event loop. Schedule callbacks with `callSoon`/`callLater`/`callAt`,
 * run coroutines with `runUntilComplete` (synchronous) or
 * `runUntilCompleteAsync` (hosted in Node's own loop, needed for real I/O).
 * @example
 * const loop = new EventLoop({ clock: 'virtual' });
 * loop.callLater(5, () => console.log('five seconds of virtual time'));
 * loop.runUntilComplete(sleep(10));
 * loop.close();
 */
export class EventLoop {
  /** @internal Set by lib/executors.ts (Node only): makes the default worker pool. */
  static _defaultExecutorFactory: ((maxWorkers: number | undefined) => Executor) | null = null;

  /** Callbacks slower than this many seconds are reported in debug mode. */
  slowCallbackDuration = 0.1;

  /** @internal */ _ready = new Deque<Handle>();
  /** @internal */ _scheduled = new Heap<TimerHandle>(timerBefore);
  /** @internal */ _timerCancelledCount = 0;
  /** @internal */ _timerSeq = 0;
  /** @internal */ _stopping = false;
  /** @internal */ _closed = false;
  /** @internal A driver is running this loop (the async one also while it waits in Node). */ _running = false;
  /** @internal */ _clock: Clock;
  /** @internal */ _clockResolution: number;
  /** @internal */ _debug: boolean;
  /** @internal */ _exceptionHandler: ExceptionHandler | null = null;
  /** @internal */ _taskFactory: TaskFactory | null = null;
  /** @internal */ _instruments: Instrument[] = [];
  /** @internal The one check the hot paths make before calling instruments. */ _instrumented = false;
  /** @internal Outstanding waits only Node can end (promises, sockets, child processes). */ _hostWaits = 0;
  /** @internal */ _waitSources = new Set<WaitSource>();
  /** @internal Worker threads notify this cell to wake a blocked synchronous loop. */
  _wake = new Int32Array(typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(4) : new ArrayBuffer(4));
  /** @internal */ _currentTask: Task<unknown> | null = null;
  /** @internal Unfinished tasks (allTasks). */ _tasks = new Set<Task<unknown>>();
  /** @internal Futures whose exception nobody has read yet. */ _unretrieved = new Set<Future<unknown>>();
  /** @internal `coroutine()` calls made in debug mode and not yet awaited. */ _unawaited = new Set<CoroutineCall<unknown>>();
  /** @internal */ _defaultExecutor: Executor | null = null;
  /** @internal */ _executorShutdownCalled = false;
  /** @internal */ _maxWorkers: number | undefined;
  /** @internal */ _random: (() => number) | null = null;
  /** @internal The seed of `_random`, shown by toString() and deadlock reports so a failing schedule can be replayed. */
  _shuffleSeed: number | null = null;
  /** @internal The future runUntilComplete waits for (for deadlock reports). */ _awaiting: Future<unknown> | null = null;
  // The async driver's state while it waits in Node.
  /** @internal */ _hostIdle = false;
  /** @internal */ _hostIdleSince = 0;
  /** @internal */ _hostTimer: ReturnType<typeof setTimeout> | null = null;
  /** @internal */ _hostTick: (() => void) | null = null;

  constructor(options: EventLoopOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError('EventLoop options must be an object');
    this._clock = makeClock(options.clock);
    this._clockResolution = this._clock.kind === 'virtual' ? 0 : 1e-6;
    this._debug = Boolean(options.debug);
    if (options.shuffle != null) {
      if (typeof options.shuffle !== 'number' || !Number.isInteger(options.shuffle)) {
        throw new TypeError(`shuffle must be an integer seed, got ${repr(options.shuffle)}`);
      }
      this._random = seededRandom(options.shuffle);
      this._shuffleSeed = options.shuffle;
    }
    if (options.maxWorkers !== undefined) {
      if (!Number.isInteger(options.maxWorkers) || options.maxWorkers <= 0) {
        throw new ValueError(`maxWorkers must be a positive integer, got ${repr(options.maxWorkers)}`);
      }
      this._maxWorkers = options.maxWorkers;
    }
    if (options.taskFactory != null) this.setTaskFactory(options.taskFactory);
    if (options.exceptionHandler != null) this.setExceptionHandler(options.exceptionHandler);
  }

  // ---- time and scheduling ----

  /** The loop's time in seconds (its clock's; virtual time starts at 0). */
  time(): number {
    return this._clock.now();
  }

  /**
   * Schedules `callback(...args)` for the next iteration; FIFO with the other
   * ready callbacks. Returns a Handle that can cancel it.
   */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    this._checkClosed();
    this._checkCallback(callback, 'callSoon');
    const handle = new Handle(callback, args.length === 0 ? NO_ARGS : args, this);
    this._enqueue(handle);
    return handle;
  }

  /** Like callSoon, for host callbacks and other contexts: it also wakes a loop waiting in Node. */
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    return this.callSoon(callback, ...args); // callSoon already wakes an idle async loop
  }

  /** Schedules `callback(...args)` after `delay` seconds; a negative delay means as soon as possible. */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    if (typeof delay !== 'number') throw new TypeError(`callLater() needs a delay in seconds (a number), got ${repr(delay)}`);
    if (Number.isNaN(delay)) throw new ValueError('callLater(): the delay is NaN (not a number)');
    return this._timer(this.time() + delay, callback, args, 'callLater');
  }

  /** Schedules `callback(...args)` at loop time `when`. */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    if (typeof when !== 'number') throw new TypeError(`callAt() needs a loop time (a number), got ${repr(when)}`);
    if (Number.isNaN(when)) throw new ValueError('callAt(): the time is NaN (not a number)');
    return this._timer(when, callback, args, 'callAt');
  }

  /** @internal The fast path futures and tasks use: one argument, no rest array. */
  _callSoonWithArg(callback: (arg: any) => unknown, arg: unknown): Handle {
    this._checkClosed();
    const handle = new Handle(callback, null, this, arg);
    this._enqueue(handle);
    return handle;
  }

  private _enqueue(handle: Handle): void {
    if (this._debug) handle._sourceTraceback = captureStack(EventLoop.prototype._enqueue);
    this._ready.push(handle);
    if (this._instrumented) this._emit('callbackScheduled', handle);
    if (this._hostIdle) this._wakeHost();
  }

  private _timer(when: number, callback: (...args: any[]) => unknown, args: unknown[], method: string): TimerHandle {
    this._checkClosed();
    this._checkCallback(callback, method);
    const timer = new TimerHandle(when, this._timerSeq++, callback, args.length === 0 ? NO_ARGS : args, this);
    if (this._debug) timer._sourceTraceback = captureStack(EventLoop.prototype._timer);
    this._scheduled.push(timer);
    if (this._instrumented) this._emit('timerScheduled', timer);
    if (this._hostIdle) this._wakeHost(); // the new timer may be the earliest
    return timer;
  }

  /** @internal Called by TimerHandle.cancel() while the timer is in the heap. */
  _timerHandleCancelled(): void {
    this._timerCancelledCount++;
  }

  private _checkCallback(callback: unknown, method: string): void {
    if (typeof callback !== 'function') {
      throw new TypeError(`${method}() needs a function as its callback, got ${repr(callback)}`);
    }
    if (this._debug && callback.constructor?.name === 'GeneratorFunction') {
      throw new TypeError(`coroutines cannot be used with ${method}(): wrap the call in a task instead, createTask(${callableName(callback)}())`);
    }
  }

  /** @internal */
  _checkClosed(): void {
    if (this._closed) throw new RuntimeError('Event loop is closed');
  }

  // ---- one iteration ----

  /**
   * @internal Step 1, and whether step 2 may be skipped: drops cancelled
   * timers; true when callbacks are ready (or the loop is stopping).
   */
  _readyToRun(): boolean {
    const heap = this._scheduled;
    if (heap.length > MIN_SCHEDULED_TIMER_HANDLES && this._timerCancelledCount > heap.length * MIN_CANCELLED_TIMER_HANDLES_FRACTION) {
      // Lazy cancellation would leave too much garbage: rebuild the heap.
      heap.filter((t) => {
        if (t._cancelled) t._scheduled = false;
        return !t._cancelled;
      });
      this._timerCancelledCount = 0;
    } else {
      let top: TimerHandle | undefined;
      while ((top = heap.peek()) !== undefined && top._cancelled) {
        heap.pop();
        top._scheduled = false;
        this._timerCancelledCount--;
      }
    }
    return this._ready.length > 0 || this._stopping;
  }

  /** @internal The earliest timer's deadline, or null when there is none (an infinite one counts as none). */
  _nextDeadline(): number | null {
    const top = this._scheduled.peek();
    return top === undefined || top._when === Infinity ? null : top._when;
  }

  /** @internal Steps 3 and 4: move due timers to the ready deque, run what is ready now. */
  _runReady(): void {
    const heap = this._scheduled;
    const ready = this._ready;
    const end = this.time() + this._clockResolution;
    let top: TimerHandle | undefined;
    while ((top = heap.peek()) !== undefined && top._when <= end) {
      heap.pop();
      top._scheduled = false;
      if (top._cancelled) this._timerCancelledCount--;
      else ready.push(top);
    }
    // Only what is ready now: callbacks scheduled by these run next iteration.
    const ntodo = ready.length;
    if (this._random !== null && ntodo > 1) this._shuffleReady(ntodo);
    for (let i = 0; i < ntodo; i++) {
      const handle = ready.shift() as Handle;
      if (handle._cancelled) continue;
      if (this._instrumented) this._emit('beforeCallback', handle);
      if (this._debug) this._runTimed(handle);
      else handle._run();
      if (this._instrumented) this._emit('afterCallback', handle);
    }
  }

  private _runTimed(handle: Handle): void {
    // CPython's _format_handle: a slow step of a Task is reported as the Task,
    // not as its anonymous step callback. Found before running: a task that
    // finishes in this step leaves _tasks. (Debug mode only.)
    let task: Task<unknown> | null = null;
    if (handle._args === null) {
      const cb = handle._callback;
      for (const t of this._tasks) {
        if (t._stepFn === cb || t._wakeupFn === cb || t._throwFn === cb) {
          task = t;
          break;
        }
      }
    }
    const t0 = performance.now();
    handle._run();
    const dt = (performance.now() - t0) / 1000;
    if (dt >= this.slowCallbackDuration) {
      console.warn(`Executing ${task ?? handle} took ${dt.toFixed(3)} seconds`);
    }
  }

  /** Seeded scheduling: a Fisher–Yates permutation of this iteration's batch. */
  private _shuffleReady(n: number): void {
    const random = this._random as () => number;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      if (j !== i) this._ready.swap(i, j);
    }
  }

  // ---- the synchronous driver ----

  /** Runs iterations until `stop()` is called (synchronous driver). */
  runForever(): void {
    this._checkClosed();
    this._checkRunning();
    this._running = true;
    _setRunningLoop(this);
    try {
      for (;;) {
        if (!this._readyToRun()) this._waitSync(this._nextDeadline());
        if (this._waitSources.size !== 0) this._pollSources();
        this._runReady();
        if (this._stopping) break;
      }
    } finally {
      this._stopping = false;
      this._running = false;
      _setRunningLoop(null);
    }
  }

  /**
   * Runs until `aw` (a Future, or a coroutine made into a Task) is done and
   * returns its result or throws its exception (synchronous driver).
   */
  runUntilComplete<T>(aw: Awaitable<T>): T {
    const future = this._startRunUntil(aw);
    try {
      this.runForever();
    } finally {
      this._endRunUntil(future, aw);
    }
    return this._resultOfRun(future);
  }

  /** The start of runUntilComplete(Async): the future to wait for, which stops the loop when done. */
  private _startRunUntil<T>(aw: Awaitable<T>): Future<T> {
    this._checkClosed();
    this._checkRunning();
    const future = ensureFuture(aw, { loop: this });
    future.addDoneCallback(runUntilCompleteCallback);
    this._awaiting = future;
    return future;
  }

  /** The end of runUntilComplete(Async), whether the run returned or threw. */
  private _endRunUntil<T>(future: Future<T>, aw: Awaitable<T>): void {
    future.removeDoneCallback(runUntilCompleteCallback);
    this._awaiting = null;
    // A task made here from a coroutine is out of the caller's reach: reading
    // its exception keeps it from being reported as never retrieved.
    if (future !== aw && future.done() && !future.cancelled()) future.exception();
  }

  private _resultOfRun<T>(future: Future<T>): T {
    if (!future.done()) throw new RuntimeError('Event loop stopped before Future completed.');
    return future.result();
  }

  /** Step 2 on the synchronous driver. */
  private _waitSync(deadline: number | null): void {
    if (this._hostWaits > 0) {
      throw new RuntimeError(
        `the synchronous driver cannot wait for host I/O: ${this._hostWaits} wait(s) only Node can end are outstanding ` +
          '(a promise, a socket, a child process). Run this with the async driver instead: ' +
          '`await run(main())` or `await loop.runUntilCompleteAsync(main())`, not runSync()/runUntilComplete().',
      );
    }
    const busy = this._sourcesBusy();
    if (!busy && deadline === null) throw new RuntimeError(this._describeDeadlock());
    const t0 = this.time();
    if (this._instrumented) this._emit('beforeWait', deadline === null ? null : Math.max(0, deadline - t0));
    if (busy || this._clock.advanceTo === undefined) this._clock.block(deadline, this._wake);
    else this._clock.advanceTo(deadline as number);
    if (this._instrumented) this._emit('afterWait', this.time() - t0);
  }

  /** @internal Is an executor job (a WaitSource) outstanding? */
  _sourcesBusy(): boolean {
    for (const source of this._waitSources) if (source.busy()) return true;
    return false;
  }

  private _pollSources(): void {
    for (const source of this._waitSources) source.poll();
  }

  /** @internal The `deadlock:` message: what the run waits for, wait cycles, the task tree (lib/inspect/deadlock.ts). */
  _describeDeadlock(): string {
    // Loaded here, not at the top: lib/inspect imports this module (the same pattern as events.ts).
    const { formatDeadlock } = require('./inspect/deadlock') as typeof import('./inspect/deadlock');
    return formatDeadlock(this);
  }

  // ---- the async driver ----

  /**
   * Runs iterations until `stop()`, hosted in Node's event loop: when idle it
   * hands the waiting to Node (timers, sockets, promises, workers), and even
   * when busy it returns to Node every few milliseconds so I/O is polled.
   * How: lib/host-driver.ts.
   */
  runForeverAsync(): Promise<void> {
    try {
      this._checkClosed();
      this._checkRunning();
    } catch (e) {
      return Promise.reject(e);
    }
    return runInHost(this);
  }

  /** Like runUntilComplete, on the async driver. */
  async runUntilCompleteAsync<T>(aw: Awaitable<T>): Promise<T> {
    const future = this._startRunUntil(aw);
    try {
      await this.runForeverAsync();
    } finally {
      this._endRunUntil(future, aw);
    }
    return this._resultOfRun(future);
  }

  /** @internal Ends an async wait in Node: something was scheduled (see lib/host-driver.ts). */
  _wakeHost(): void {
    wakeHost(this);
  }

  /**
   * @internal Counts a wait only Node can end (a promise, a socket, a child
   * process); call the returned function once when it ends. The synchronous
   * driver refuses to wait while any is outstanding, and a virtual clock
   * does not jump past one.
   */
  _holdHostWait(): () => void {
    this._hostWaits++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this._hostWaits--;
      if (this._hostIdle) this._wakeHost(); // a virtual clock may jump now
    };
  }

  /** @internal Registers a WaitSource (the executor's workers); returns its removal. */
  _addWaitSource(source: WaitSource): () => void {
    this._waitSources.add(source);
    return () => {
      this._waitSources.delete(source);
    };
  }

  // ---- running state ----

  /** @internal */
  _checkRunning(): void {
    if (this._running) throw new RuntimeError('This event loop is already running');
    if (_getRunningLoop() !== null) throw new RuntimeError('Cannot run the event loop while another loop is running');
  }

  /** Makes the loop stop after the current iteration; called before a run, that run does one iteration. */
  stop(): void {
    this._stopping = true;
    if (this._hostIdle) this._wakeHost();
  }

  isRunning(): boolean {
    return this._running;
  }

  isClosed(): boolean {
    return this._closed;
  }

  /**
   * Closes the loop: reports exceptions nobody retrieved (and, in debug mode,
   * tasks still pending and `coroutine()` calls never awaited), clears the
   * queues and shuts the default executor down. Idempotent.
   */
  close(): void {
    if (this._running) throw new RuntimeError('Cannot close a running event loop');
    if (this._closed) return;
    this._reportAtClose();
    this._closed = true;
    this._ready.clear();
    for (const t of this._scheduled.toArray()) t._scheduled = false;
    this._scheduled.clear();
    this._timerCancelledCount = 0;
    this._executorShutdownCalled = true;
    const executor = this._defaultExecutor;
    this._defaultExecutor = null;
    if (executor !== null) executor.shutdown();
  }

  /** "Never retrieved" and "never awaited" come at the latest at close: deterministic, unlike CPython's GC. */
  private _reportAtClose(): void {
    for (const fut of [...this._unretrieved]) {
      fut._logTraceback = false;
      const context: ExceptionContext = {
        message: `${fut._className()} exception was never retrieved`,
        exception: fut._exception,
        future: fut,
      };
      if (fut._sourceTraceback) context.sourceTraceback = fut._sourceTraceback;
      this.callExceptionHandler(context);
    }
    this._unretrieved.clear();
    if (!this._debug) return;
    for (const task of this._tasks) {
      if (task.done()) continue;
      const context: ExceptionContext = { message: 'Task was destroyed but it is pending!', task };
      if (task._sourceTraceback) context.sourceTraceback = task._sourceTraceback;
      this.callExceptionHandler(context);
    }
    for (const call of this._unawaited) {
      this.callExceptionHandler({
        message: `coroutine '${call.name}' was never awaited${call.calledAt ? ` (called at ${call.calledAt})` : ''}`,
        coroutine: call,
      });
    }
    this._unawaited.clear();
  }

  // ---- futures and tasks ----

  /** A new Future attached to this loop. */
  createFuture<T = unknown>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  /** Wraps a coroutine in a Task on this loop (through the task factory, if one is set). */
  createTask<T>(coro: Coroutine<T> | CoroutineCall<T>, options: { name?: string | null } = {}): Task<T> {
    this._checkClosed();
    const name = options?.name;
    if (this._taskFactory === null) return new Task<T>(coro, { loop: this, name });
    const task = this._taskFactory(this, coro, { name });
    if (name != null) task.setName(name);
    return task;
  }

  /** `(loop, coro, { name }) => Task`, or null for the default (`new Task`). */
  setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null && typeof factory !== 'function') throw new TypeError(`A callable object or null is expected, got ${repr(factory)}`);
    this._taskFactory = factory;
  }

  getTaskFactory(): TaskFactory | null {
    return this._taskFactory;
  }

  // ---- errors ----

  /** Sets the handler for errors nobody else can handle (null: the default handler). */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== 'function') throw new TypeError(`A callable object or null is expected, got ${repr(handler)}`);
    this._exceptionHandler = handler;
  }

  getExceptionHandler(): ExceptionHandler | null {
    return this._exceptionHandler;
  }

  /** Logs the context to `console.error`: its message, its other keys, and the exception's stack. */
  defaultExceptionHandler(context: ExceptionContext): void {
    const lines = [context.message || 'Unhandled exception in event loop'];
    for (const key of Object.keys(context).sort()) {
      if (key === 'message' || key === 'exception') continue;
      const value = context[key];
      if (key === 'sourceTraceback' && typeof value === 'string') lines.push(`Object created at (most recent call first):\n${value}`);
      else lines.push(`${key}: ${value instanceof Object && !(value instanceof Error) ? String(value) : repr(value)}`);
    }
    const exc = context.exception;
    if (exc !== undefined) lines.push(exc instanceof Error && exc.stack ? exc.stack : repr(exc));
    console.error(lines.join('\n'));
  }

  /** Hands the context to the exception handler; an error in the handler itself is caught and logged too. */
  callExceptionHandler(context: ExceptionContext): void {
    const handler = this._exceptionHandler;
    if (handler === null) {
      try {
        this.defaultExceptionHandler(context);
      } catch (e) {
        console.error('Exception in default exception handler', e);
      }
      return;
    }
    try {
      handler(this, context);
    } catch (exception) {
      try {
        this.defaultExceptionHandler({ message: 'Unhandled error in exception handler', exception, context });
      } catch (e) {
        console.error('Exception in default exception handler while handling an unexpected error in custom exception handler', e);
      }
    }
  }

  // ---- debug ----

  setDebug(enabled: boolean): void {
    this._debug = Boolean(enabled);
  }

  getDebug(): boolean {
    return this._debug;
  }

  // ---- instruments ----

  /** Attaches an instrument (an object with optional hooks, see Instrument). */
  addInstrument(instrument: Instrument): void {
    if (instrument === null || typeof instrument !== 'object') throw new TypeError(`addInstrument() needs an object with hook methods, got ${repr(instrument)}`);
    if (!this._instruments.includes(instrument)) this._instruments.push(instrument);
    this._instrumented = true;
  }

  /** Detaches an instrument; false if it was not attached. */
  removeInstrument(instrument: Instrument): boolean {
    const i = this._instruments.indexOf(instrument);
    if (i < 0) return false;
    this._instruments.splice(i, 1);
    this._instrumented = this._instruments.length > 0;
    return true;
  }

  /** @internal Calls a hook on every instrument; one that throws is reported and removed. */
  _emit(hook: keyof Instrument, a?: unknown, b?: unknown): void {
    const list = this._instruments.slice();
    for (const instrument of list) {
      const fn = instrument[hook] as ((x: unknown, y: unknown) => void) | undefined;
      if (typeof fn !== 'function') continue;
      try {
        fn.call(instrument, a, b);
      } catch (exception) {
        this.removeInstrument(instrument);
        this.callExceptionHandler({ message: `Instrument hook ${hook}() raised an exception; the instrument was removed`, exception, instrument });
      }
    }
  }

  // ---- executors ----

  /**
   * Runs `fn(...args)` on a worker thread of `executor` (null: the default
   * pool, sized by the policy's maxWorkers); the result comes back as a Future.
   */
  runInExecutor<A extends unknown[], R>(executor: Executor | null, fn: (...args: A) => R, ...args: A): Future<Awaited<R>>;
  runInExecutor<T = unknown>(executor: Executor | null, fn: ExecutorFunction, ...args: unknown[]): Future<T>;
  runInExecutor<T>(executor: Executor | null, fn: ExecutorFunction, ...args: unknown[]): Future<T> {
    this._checkClosed();
    const isSpec = fn !== null && typeof fn === 'object' && typeof (fn as { module?: unknown }).module === 'string' && typeof (fn as { export?: unknown }).export === 'string';
    if (typeof fn !== 'function' && !isSpec) {
      throw new TypeError(`runInExecutor() needs a function or { module, export }, got ${repr(fn)}`);
    }
    let ex = executor;
    if (ex == null) {
      if (this._executorShutdownCalled) throw new RuntimeError('Executor shutdown has been called');
      ex = this._defaultExecutor;
      if (ex === null) {
        const factory = EventLoop._defaultExecutorFactory;
        if (factory === null) throw new RuntimeError('no default executor: worker threads need Node (import tulip, which loads lib/executors)');
        ex = this._defaultExecutor = factory(this._maxWorkers);
      }
    }
    return ex.submit<T>(this, fn, args);
  }

  /** Sets the executor `runInExecutor(null, …)` uses. */
  setDefaultExecutor(executor: Executor): void {
    if (executor === null || typeof executor !== 'object' || typeof executor.submit !== 'function') {
      throw new TypeError(`setDefaultExecutor() needs an executor (an object with submit and shutdown), got ${repr(executor)}`);
    }
    this._defaultExecutor = executor;
  }

  /** Shuts the default executor down (its workers exit); later runInExecutor(null, …) is refused. */
  *shutdownDefaultExecutor(): Coroutine<void> {
    this._executorShutdownCalled = true;
    const executor = this._defaultExecutor;
    this._defaultExecutor = null;
    if (executor !== null) executor.shutdown();
  }

  toString(): string {
    const seed = this._shuffleSeed !== null ? ` shuffle=${this._shuffleSeed}` : ''; // the seed replays a failing schedule
    return `<EventLoop running=${this._running} closed=${this._closed} debug=${this._debug} clock=${this._clock.kind}${seed}>`;
  }
}
