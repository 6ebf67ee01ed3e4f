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
 * Only step 2 differs between the two drivers:
 *
 *   synchronous (runForever)            async (runForeverAsync, lib/host-driver.ts)
 *   for (;;) {                          tick() {
 *     if (!_readyToRun())                 for (;;) {
 *       _waitSync(_nextDeadline());         if (!_readyToRun()) jump a virtual clock,
 *     _runReady();                            or return to Node until a deadline/callSoon;
 *     if (_stopping) break;                 _runReady(); if (_stopping) finish;
 *   }                                       every few ms: return to Node (setImmediate);
 *                                         } }
 *
 * The synchronous driver waits on its clock: a virtual clock jumps, the real
 * clock blocks the thread. The async driver hands the waiting to Node, so
 * sockets, child processes and promises can wake the loop. Around the loop
 * proper, in their own files: what an idle loop waits for besides timers
 * (lib/host-waits.ts), the default executor (lib/default-executor.ts), what
 * is reported when failures are lost (lib/lost-reports.ts), what the loop
 * owns in the host and closes with itself (lib/loop-resources.ts), the exception
 * handler (lib/exception-handler.ts), instruments (lib/instruments.ts),
 * seeded scheduling (lib/shuffle.ts).
 */
import { Deque } from './deque';
import { TimerHeap } from './timer-heap';
import { TaskList } from './task-list';
import { Handle, NO_ARGS, TimerHandle } from './handles';
import { Future, captureStack } from './futures';
import { Task, _taskOfHandle, ensureFuture, type Awaitable, type CreateTaskOptions, type TaskFactory } from './tasks';
import type { Coroutine } from './futures';
import type { CoroutineCall } from './coroutines';
import { makeClock, type Clock } from './clocks';
import { _getRunningLoop, _setRunningLoop, EVENT_LOOP_OPTIONS } from './events';
import { checkOptions } from './options';
import { runInHost, wakeHost } from './host-driver';
import { addWaitSource, holdHostWait, pollSources, sourcesBusy, type WaitSource } from './host-waits';
import { runInExecutor, setDefaultExecutor, type Executor, type ExecutorFactory, type ExecutorFunction } from './default-executor';
import { checkJoinTimeout, shutdownDefaultExecutor } from './executor-shutdown';
import { ReportIfLost, reportAtClose } from './lost-reports';
import { closeOwnedResources } from './loop-resources';
import { callExceptionHandler, formatExceptionContext, type ExceptionContext, type ExceptionHandler } from './exception-handler';
import { addInstrument, emitHook, removeInstrument, type Instrument } from './instruments';
import { seededRandom, shuffleBatch } from './shuffle';
import { keepSpecimens } from './specimens';
import { RuntimeError, ValueError } from './exceptions';
import { Context, _checkContextOption, _currentBindings, type CurrentContext } from './contextvars';
import { callableName, repr } from './repr';

export type { Executor, ExecutorFunction } from './default-executor';
export type { WaitSource } from './host-waits';
export type { ExceptionContext, ExceptionHandler } from './exception-handler';
export type { Instrument } from './instruments';

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
// A timer due within this many seconds is run now (CPython's `_clock_resolution`):
// performance.now() counts microseconds. A virtual clock is exact.
const REAL_CLOCK_RESOLUTION = 1e-6;

function checkWhen(when: number, method: string): number {
  if (typeof when !== 'number') throw new TypeError(`${method}() needs a loop time (a number), got ${repr(when)}`);
  if (Number.isNaN(when)) throw new ValueError(`${method}(): the time is NaN (not a number)`);
  return when;
}

function checkContext(context: Context, method: string): Context {
  if (!(context instanceof Context)) throw new TypeError(`${method}() needs a Context first (copyContext(), task.getContext()…), got ${repr(context)}`);
  return context;
}

function runUntilCompleteCallback(fut: Future<unknown>): void {
  fut.getLoop().stop();
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
  static _defaultExecutorFactory: ExecutorFactory | null = null;

  /** Callbacks slower than this many seconds are reported in debug mode. */
  slowCallbackDuration = 0.1;

  // The loop proper.
  /** @internal */ _ready = new Deque<Handle>();
  /** @internal The timer heap (lib/timer-heap.ts). */ _scheduled = new TimerHeap();
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
  /**
   * @internal The one check the hot paths make before calling instruments:
   * about six per task switch, under 2 ns of a ~110 ns switch while none is
   * attached (bench/instruments.ts; bench/NOTES.md, "Instruments on the hot path").
   */
  _instrumented = false;
  /** @internal */ _random: (() => number) | null = null;
  /** @internal The seed of `_random`, shown by toString() and deadlock reports so a failing schedule can be replayed. */
  _shuffleSeed: number | null = null;
  // Tasks, and what is reported if lost (lib/lost-reports.ts).
  /** @internal */ _currentTask: Task<unknown> | null = null;
  /** @internal Unfinished tasks (allTasks): lib/task-list.ts. */ _tasks = new TaskList();
  /** @internal Futures whose exception nobody has read yet, held weakly. */
  _unretrieved = new ReportIfLost<Future<unknown>>(this, 'future');
  /** @internal `coroutine()` calls made in debug mode and not yet awaited, held weakly. */
  _unawaited = new ReportIfLost<CoroutineCall<unknown>>(this, 'coroutine');
  /** @internal The future runUntilComplete waits for (for deadlock reports). */ _awaiting: Future<unknown> | null = null;
  // What an idle loop may wait for besides its timers (lib/host-waits.ts).
  /** @internal Outstanding waits only Node can end (promises, sockets, child processes). */ _hostWaits = 0;
  /** @internal */ _waitSources = new Set<WaitSource>();
  /** @internal Worker threads notify this cell to wake a blocked synchronous loop. */
  _wake = new Int32Array(typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(4) : new ArrayBuffer(4));
  // The async driver's state while it waits in Node (lib/host-driver.ts).
  /** @internal */ _hostIdle = false;
  /** @internal */ _hostIdleSince = 0;
  /** @internal */ _hostTimer: ReturnType<typeof setTimeout> | null = null;
  /** @internal */ _hostTick: (() => void) | null = null;
  // The default executor (lib/default-executor.ts).
  /** @internal */ _defaultExecutor: Executor | null = null;
  /** @internal */ _executorShutdownCalled = false;
  /** @internal */ _maxWorkers: number | undefined;

  constructor(options: EventLoopOptions = {}) {
    checkOptions<EventLoopOptions>('EventLoop', options, EVENT_LOOP_OPTIONS);
    this._clock = makeClock(options.clock);
    this._clockResolution = this._clock.kind === 'virtual' ? 0 : REAL_CLOCK_RESOLUTION;
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

  // ---- the loop proper: one iteration ----

  /**
   * @internal Step 1, and whether step 2 may be skipped: drops cancelled
   * timers; true when callbacks are ready (or the loop is stopping).
   */
  _readyToRun(): boolean {
    const heap = this._scheduled;
    if (heap.length > MIN_SCHEDULED_TIMER_HANDLES && this._timerCancelledCount > heap.length * MIN_CANCELLED_TIMER_HANDLES_FRACTION) {
      // Lazy cancellation would leave too much garbage: rebuild the heap.
      heap.filter((t) => {
        if (t.cancelled()) t._scheduled = false;
        return !t.cancelled();
      });
      this._timerCancelledCount = 0;
    } else {
      let top: TimerHandle | undefined;
      while ((top = heap.peek()) !== undefined && top.cancelled()) {
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
    return top === undefined || top.when() === Infinity ? null : top.when();
  }

  /** @internal Steps 3 and 4: move due timers to the ready deque, run what is ready now. */
  _runReady(): void {
    const heap = this._scheduled;
    const ready = this._ready;
    const end = this.time() + this._clockResolution;
    let top: TimerHandle | undefined;
    while (heap.peekWhen() <= end) {
      top = heap.pop() as TimerHandle;
      top._scheduled = false;
      if (top.cancelled()) this._timerCancelledCount--;
      else ready.push(top);
    }
    // Only what is ready now: callbacks scheduled by these run next iteration.
    const ntodo = ready.length;
    if (this._random !== null && ntodo > 1) shuffleBatch(ready, ntodo, this._random);
    for (let i = 0; i < ntodo; i++) {
      const handle = ready.shift() as Handle;
      if (handle.cancelled()) continue;
      if (this._instrumented) this._emit('beforeCallback', handle);
      if (this._debug) this._runTimed(handle);
      else handle._run();
      if (this._instrumented) this._emit('afterCallback', handle);
    }
  }

  /** Debug mode: runs the handle and warns when it took longer than `slowCallbackDuration`. */
  private _runTimed(handle: Handle): void {
    // CPython's _format_handle: a slow step of a Task is reported as the Task,
    // not as its step callback (taskStep, taskWakeup, taskThrow: lib/tasks.ts).
    const task = _taskOfHandle(handle);
    const t0 = performance.now();
    handle._run();
    const dt = (performance.now() - t0) / 1000;
    if (dt >= this.slowCallbackDuration) {
      console.warn(`Executing ${task ?? handle} took ${dt.toFixed(3)} seconds`);
    }
  }

  // ---- the synchronous driver ----

  /** Runs iterations until `stop()` is called (synchronous driver). */
  runForever(): void {
    this._checkClosed();
    this._checkRunning();
    keepSpecimens(); // once per process (lib/specimens.ts)
    this._running = true;
    _setRunningLoop(this);
    try {
      for (;;) {
        if (!this._readyToRun()) this._waitSync(this._nextDeadline());
        if (this._waitSources.size !== 0) pollSources(this);
        this._runReady();
        if (this._stopping) break;
      }
    } finally {
      this._stopping = false;
      this._running = false;
      _setRunningLoop(null);
    }
  }

  /** Step 2 on the synchronous driver: jump a virtual clock, or block the thread until the deadline or a worker's signal. */
  private _waitSync(deadline: number | null): void {
    if (this._hostWaits > 0) {
      throw new RuntimeError(
        `the synchronous driver cannot wait for host I/O: ${this._hostWaits} wait(s) only Node can end are outstanding ` +
          '(a promise, a socket, a child process). Run this with the async driver instead: ' +
          '`run(main())`, which returns a Promise (`.then()` in CommonJS, `await` in an ES module), or `loop.runUntilCompleteAsync(main())`; not runSync()/runUntilComplete().',
      );
    }
    const busy = sourcesBusy(this);
    if (!busy && deadline === null) throw new RuntimeError(this._describeDeadlock());
    const t0 = this.time();
    if (this._instrumented) this._emit('beforeWait', deadline === null ? null : Math.max(0, deadline - t0));
    if (busy || this._clock.advanceTo === undefined) this._clock.block(deadline, this._wake);
    else this._clock.advanceTo(deadline as number);
    if (this._instrumented) this._emit('afterWait', this.time() - t0);
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

  // ---- the async driver (lib/host-driver.ts) ----

  /**
   * Runs iterations until `stop()`, hosted in Node's event loop: when idle it
   * hands the waiting to Node (timers, sockets, promises, workers), and even
   * when busy it returns to Node every few milliseconds so I/O is polled.
   */
  runForeverAsync(): Promise<void> {
    try {
      this._checkClosed();
      this._checkRunning();
    } catch (e) {
      return Promise.reject(e);
    }
    keepSpecimens(); // once per process (lib/specimens.ts)
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

  /** @internal Ends an async wait in Node: something was scheduled. */
  _wakeHost(): void {
    wakeHost(this);
  }

  // ---- both drivers ----

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

  /** @internal */
  _checkRunning(): void {
    if (this._running) throw new RuntimeError('This event loop is already running');
    if (_getRunningLoop() !== null) throw new RuntimeError('Cannot run the event loop while another loop is running');
  }

  /** @internal The `deadlock:` message: what the run waits for, wait cycles, the task tree (lib/inspect/deadlock.ts). */
  _describeDeadlock(): string {
    // Loaded here, not at the top: lib/inspect imports this module (the same pattern as events.ts).
    const { formatDeadlock } = require('./inspect/deadlock') as typeof import('./inspect/deadlock');
    return formatDeadlock(this);
  }

  // ---- time and scheduling ----

  /** The loop's time in seconds (its clock's; virtual time starts at 0). */
  time(): number {
    return this._clock.now();
  }

  /**
   * Schedules `callback(...args)` for the next iteration; FIFO with the other
   * ready callbacks. Returns a Handle that can cancel it. The callback runs
   * in a copy of the context current now (its ContextVars' values; what it
   * sets is dropped when it returns) — `callSoonIn` runs it in a Context of
   * your choice.
   */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    this._checkClosed();
    this._checkCallback(callback, 'callSoon');
    const handle = new Handle(callback, args.length === 0 ? NO_ARGS : args, this, undefined, _currentBindings());
    this._enqueue(handle);
    return handle;
  }

  /**
   * `callSoon` in the Context `context` itself (Python's
   * `loop.call_soon(callback, *args, context=context)`): what the callback
   * sets stays in `context`.
   * @example
   * const ctx = copyContext();
   * loop.callSoonIn(ctx, () => requestId.set('r7'));
   * // after it ran: ctx.get(requestId) === 'r7'
   */
  callSoonIn<A extends unknown[]>(context: Context, callback: (...args: A) => unknown, ...args: A): Handle {
    this._checkClosed();
    this._checkCallback(callback, 'callSoonIn');
    const handle = new Handle(callback, args.length === 0 ? NO_ARGS : args, this, undefined, checkContext(context, 'callSoonIn'));
    this._enqueue(handle);
    return handle;
  }

  /** Like callSoon, for host callbacks and other contexts: it also wakes a loop waiting in Node. */
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    return this.callSoon(callback, ...args); // callSoon already wakes an idle async loop
  }

  /** `callSoonThreadsafe` in the Context `context` itself (Python's `call_soon_threadsafe(…, context=context)`). */
  callSoonThreadsafeIn<A extends unknown[]>(context: Context, callback: (...args: A) => unknown, ...args: A): Handle {
    return this.callSoonIn(context, callback, ...args);
  }

  /** Schedules `callback(...args)` after `delay` seconds; a negative delay means as soon as possible. It runs in a copy of the current context, as with callSoon. */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    return this._timer(this._deadline(delay, 'callLater'), callback, args, 'callLater', _currentBindings());
  }

  /** `callLater` in the Context `context` itself (Python's `call_later(…, context=context)`). */
  callLaterIn<A extends unknown[]>(context: Context, delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    return this._timer(this._deadline(delay, 'callLaterIn'), callback, args, 'callLaterIn', checkContext(context, 'callLaterIn'));
  }

  /** Schedules `callback(...args)` at loop time `when`, in a copy of the current context. */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    return this._timer(checkWhen(when, 'callAt'), callback, args, 'callAt', _currentBindings());
  }

  /** `callAt` in the Context `context` itself (Python's `call_at(…, context=context)`). */
  callAtIn<A extends unknown[]>(context: Context, when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    return this._timer(checkWhen(when, 'callAtIn'), callback, args, 'callAtIn', checkContext(context, 'callAtIn'));
  }

  /**
   * @internal callSoon for the hot paths — a future's done callbacks, a
   * task's steps: one argument, kept in the Handle itself (no rest array, no
   * array of one: see Handle._args), and no checks, as the callers are the
   * library's own. They say which context the callback runs in (see
   * Handle._context).
   */
  _callSoonWithArg(callback: (arg: any) => unknown, arg: unknown, context: CurrentContext | null): Handle {
    this._checkClosed();
    const handle = new Handle(callback, null, this, arg, context);
    this._enqueue(handle);
    return handle;
  }

  /** @internal The same with a list of arguments (a task's throw after a bad yield: the task and the error). */
  _callSoonWithArgs(callback: (...args: any[]) => unknown, args: readonly unknown[], context: CurrentContext | null): Handle {
    this._checkClosed();
    const handle = new Handle(callback, args, this, undefined, context);
    this._enqueue(handle);
    return handle;
  }

  private _deadline(delay: number, method: string): number {
    if (typeof delay !== 'number') throw new TypeError(`${method}() needs a delay in seconds (a number), got ${repr(delay)}`);
    if (Number.isNaN(delay)) throw new ValueError(`${method}(): the delay is NaN (not a number)`);
    return this.time() + delay;
  }

  private _enqueue(handle: Handle): void {
    if (this._debug) handle._sourceTraceback = captureStack(EventLoop.prototype._enqueue);
    this._ready.push(handle);
    if (this._instrumented) this._emit('callbackScheduled', handle);
    if (this._hostIdle) this._wakeHost();
  }

  private _timer(when: number, callback: (...args: any[]) => unknown, args: unknown[], method: string, context: CurrentContext): TimerHandle {
    this._checkClosed();
    this._checkCallback(callback, method);
    // One argument rides in the handle itself, as in _callSoonWithArg: the rest
    // array then dies young instead of living as long as the timer (sleep()'s
    // timer: ~110 bytes less per sleeping task, M1). Not an undefined one: a
    // handle with no argument prints `cb()`, and this one must print `cb(undefined)`.
    const timer =
      args.length === 1 && args[0] !== undefined
        ? new TimerHandle(when, this._timerSeq++, callback, null, this, args[0], context)
        : new TimerHandle(when, this._timerSeq++, callback, args.length === 0 ? NO_ARGS : args, this, undefined, context);
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

  // ---- running state ----

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
   * queues, then closes everything it still owns in the host
   * (lib/loop-resources.ts): servers stop listening, connections and pipes
   * close, child processes still running are killed, signal handlers are
   * removed, the default executor is shut down. In debug mode each one the
   * program left open is reported (`unclosed transport <…>`). Idempotent.
   */
  close(): void {
    if (this._running) throw new RuntimeError('Cannot close a running event loop');
    if (this._closed) return;
    reportAtClose(this);
    this._closed = true;
    this._ready.clear();
    for (const t of this._scheduled.toArray()) t._scheduled = false;
    this._scheduled.clear();
    this._timerCancelledCount = 0;
    this._executorShutdownCalled = true; // runInExecutor(null, …) is refused from now on
    closeOwnedResources(this);
  }

  // ---- futures and tasks ----

  /** A new Future attached to this loop. */
  createFuture<T = unknown>(): Future<T> {
    return new Future<T>({ loop: this }, true);
  }

  /**
   * Wraps a coroutine in a Task on this loop (through the task factory, if
   * one is set). The task runs in a copy of the current context, or in
   * `context` itself when given.
   */
  createTask<T>(coro: Coroutine<T> | CoroutineCall<T>, options?: CreateTaskOptions): Task<T> {
    this._checkClosed();
    const { name, context } = checkOptions<CreateTaskOptions>('createTask', options, ['name', 'context']);
    _checkContextOption(context, 'createTask');
    if (this._taskFactory === null) return new Task<T>(coro, { loop: this, name, context });
    // As CPython: a factory is told of a context only when there is one.
    const task = this._taskFactory(this, coro, context == null ? { name } : { name, context });
    if (name != null) task.setName(name);
    return task;
  }

  /** `(loop, coro, { name, context }) => Task`, or null for the default (`new Task`). */
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
    console.error(formatExceptionContext(context));
  }

  /** Hands the context to the exception handler; an error in the handler itself is caught and reported too. */
  callExceptionHandler(context: ExceptionContext): void {
    callExceptionHandler(this, context);
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
    addInstrument(this, instrument);
  }

  /** Detaches an instrument; false if it was not attached. */
  removeInstrument(instrument: Instrument): boolean {
    return removeInstrument(this, instrument);
  }

  /** @internal Calls a hook on every instrument; one that throws is reported and removed. */
  _emit(hook: keyof Instrument, a?: unknown, b?: unknown): void {
    emitHook(this, hook, a, b);
  }

  // ---- host waits (lib/host-waits.ts) ----

  /**
   * @internal Counts a wait only Node can end (a promise, a socket, a child
   * process); call the returned function once when it ends.
   */
  _holdHostWait(): () => void {
    return holdHostWait(this);
  }

  /** @internal Registers a WaitSource (the executor's workers); returns its removal. */
  _addWaitSource(source: WaitSource): () => void {
    return addWaitSource(this, source);
  }

  // ---- executors (lib/default-executor.ts) ----

  /**
   * Runs `fn(...args)` on a worker thread of `executor` (null: the default
   * pool, sized by the policy's maxWorkers); the result comes back as a Future.
   */
  runInExecutor<A extends unknown[], R>(executor: Executor | null, fn: (...args: A) => R, ...args: A): Future<Awaited<R>>;
  runInExecutor<T = unknown>(executor: Executor | null, fn: ExecutorFunction, ...args: unknown[]): Future<T>;
  runInExecutor<T>(executor: Executor | null, fn: ExecutorFunction, ...args: unknown[]): Future<T> {
    return runInExecutor<T>(this, EventLoop._defaultExecutorFactory, executor, fn, args);
  }

  /** Sets the executor `runInExecutor(null, …)` uses. */
  setDefaultExecutor(executor: Executor): void {
    setDefaultExecutor(this, executor);
  }

  /**
   * asyncio's `loop.shutdown_default_executor(timeout)`: shuts the default
   * executor down and waits, without blocking the loop, until its threads
   * have exited (running jobs finish first). After `timeout` seconds (null:
   * no limit) it warns "The executor did not finishing joining its threads
   * within N seconds." (a RuntimeWarning) and returns. Later
   * `runInExecutor(null, …)` is refused. Both drivers.
   * @example
   * yield* loop.shutdownDefaultExecutor(5);
   */
  shutdownDefaultExecutor(timeout: number | null = null): Coroutine<void> {
    return shutdownDefaultExecutor(this, checkJoinTimeout(timeout));
  }

  toString(): string {
    const seed = this._shuffleSeed !== null ? ` shuffle=${this._shuffleSeed}` : ''; // the seed replays a failing schedule
    return `<EventLoop running=${this._running} closed=${this._closed} debug=${this._debug} clock=${this._clock.kind}${seed}>`;
  }
}
