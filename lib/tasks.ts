/**
 * Task (CPython: tasks.py): the trampoline that runs a coroutine on the loop.
 *
 * A step (`_step`, CPython's `Task.__step`) resumes the generator — sends
 * into it, or throws into it — until it suspends, then acts on what it
 * yielded (`_run`, CPython's `__step_run_and_handle_result`):
 *   - a Future (through `yield*`): register the Task itself on it, as a
 *     done callback; the Future's completion schedules the wakeup (CPython's
 *     `__wakeup`), which steps again;
 *   - `undefined` (a bare `yield`): schedule the next step right away, which
 *     gives every other ready callback one turn first (that is `sleep(0)`);
 *   - anything else is a mistake, thrown back into the coroutine as
 *     RuntimeError (lib/bad-yields.ts).
 * The generator's return value becomes the Task's result, a thrown error its
 * exception, and a thrown CancelledError leaves the Task cancelled.
 * `coroutine()` calls run as frames on the task's own stack
 * (lib/task-frames.ts); to a step, that stack is just the generator.
 */
import { CancelledError, InvalidStateError, RuntimeError, ValueError } from './exceptions';
import { _getRunningLoop, getEventLoop, getRunningLoop } from './events';
import { FINISHED, Future, _checkLoop, isFuture, type Coroutine } from './futures';
import { CoroutineCall, isCoroutine, type Frame } from './coroutines';
import { FrameStack, isAwaitedCall } from './task-frames';
import { badYieldError, explainLostThrow } from './bad-yields';
import { repr } from './repr';
import { _bareOwner, _checkContextOption, _contextOf, _currentBindings, _enterTask, _leaveTask, type Context, type CurrentContext } from './contextvars';
import { checkOptions } from './options';
import type { EventLoop } from './loop';
import type { Handle } from './handles';

/** Something a coroutine can wait for with `yield*`: a Future (a Task is one), a coroutine, or a `coroutine()` call. */
export type Awaitable<T> = Future<T> | Coroutine<T> | CoroutineCall<T>;

/** Options of `createTask()`, `loop.createTask()` and `TaskGroup.createTask()`. */
export interface CreateTaskOptions {
  name?: string | null;
  /** The Context the task runs in — that one itself, not a copy. Default: a copy of the current context. */
  context?: Context | null;
}

/** Options of `new Task()`. */
export interface TaskOptions extends CreateTaskOptions {
  loop?: EventLoop;
  /** Run the first step at once, inside the constructor, when the loop is running (3.12's eager tasks). */
  eagerStart?: boolean;
}

/** `(loop, coro, { name, context }) => Task`: what `loop.setTaskFactory()` takes (`context` only when one was given). */
export type TaskFactory = <T>(loop: EventLoop, coro: Coroutine<T> | CoroutineCall<T>, options: CreateTaskOptions) => Task<T>;

let taskCounter = 0;

/**
 * asyncio.Task: a Future that runs a coroutine. Create it with
 * `createTask(coro)`; its first step runs on the next loop iteration.
 * @example
 * const t = createTask(worker(), { name: 'worker' });
 * yield* sleep(1);
 * t.cancel();
 */
export class Task<T = unknown> extends Future<T> {
  /**
   * @internal What the task was created with (Python's `_coro`): a generator,
   * which a step resumes until there are `_frames`, or a `coroutine()` call,
   * which starts with its frames.
   */
  _coro: Coroutine<T> | CoroutineCall<T> | null;
  /**
   * @internal The task's own stack of `coroutine()` frames (lib/task-frames.ts),
   * made when it awaits its first `coroutine()` call (or at once, for a task
   * made from one); from then on a step resumes the top frame instead of the
   * generator. Null until then, and once the task is done.
   */
  _frames: FrameStack | null = null;
  /** @internal The future this task waits on (Python's `_fut_waiter`). */ _futWaiter: Future<unknown> | null = null;
  /** @internal A cancellation to deliver at the next step. */ _mustCancel = false;
  /** @internal */ _numCancelsRequested = 0;
  /**
   * @internal The name — or, while it is the default `Task-<n>`, just the
   * number n: getName() makes the string when first asked. Measured on M1:
   * ~40 bytes less per task, and no number-to-string conversion per task.
   */
  _name: string | number;
  /**
   * @internal The Context every step runs in (CPython's `_context`): the one
   * given, or a copy of the context current at creation — kept as that
   * context's bindings, bare, until the copy is needed (lib/contextvars.ts).
   * Read it with getContext().
   */
  _context: CurrentContext;
  /** @internal The loop's list of unfinished tasks runs through these (lib/task-list.ts). */ _prevTask: Task<unknown> | null = null;
  /** @internal */ _nextTask: Task<unknown> | null = null;

  constructor(coro: Coroutine<T> | CoroutineCall<T>, options: TaskOptions = {}) {
    if (!isCoroutine(coro)) {
      throw new TypeError(`a coroutine was expected, got ${repr(coro)}${typeof coro === 'function' ? ' (a function: call it to get a coroutine)' : ''}`);
    }
    if (coro instanceof CoroutineCall && coro._started) throw new RuntimeError(`cannot reuse already awaited coroutine ${coro}`);
    checkOptions<TaskOptions>('Task', options, ['loop', 'name', 'context', 'eagerStart']);
    super({ loop: options.loop }, true); // its options are checked: the Future's need no second check
    const loop = this._loop;
    loop._checkClosed();
    this._coro = coro;
    if (coro instanceof CoroutineCall) this._frames = new FrameStack(coro._start(), coro);
    this._name = options.name == null ? ++taskCounter : String(options.name);
    this._context = _checkContextOption(options.context, 'Task') ?? _currentBindings();
    if (loop._instrumented) loop._emit('taskCreated', this);
    if (options.eagerStart && loop.isRunning()) {
      this._eagerStart();
    } else {
      loop._tasks.add(this);
      loop._callSoonWithArg(taskStep, this, null);
    }
  }

  getName(): string {
    const name = this._name;
    return typeof name === 'number' ? (this._name = `Task-${name}`) : name;
  }

  setName(name: unknown): void {
    this._name = String(name);
  }

  /**
   * The Context the task runs in (3.12's `get_context()`): what its steps
   * set is there. Another task created with `{ context: t.getContext() }`
   * shares it.
   */
  getContext(): Context {
    return _contextOf(this);
  }

  /** The coroutine the task runs (null for an eager task that finished without suspending). */
  getCoro(): Coroutine<T> | CoroutineCall<T> | null {
    return this._coro;
  }

  /** Tasks are finished by their coroutine only. */
  override setResult(_result: T): never {
    throw new RuntimeError('Task does not support set_result operation');
  }

  override setException(_exception: unknown): never {
    throw new RuntimeError('Task does not support set_exception operation');
  }

  /**
   * Requests cancellation (Python's semantics): false if the task is done.
   * Otherwise the request is counted (`cancelling()`), and either the future
   * the task waits on is cancelled — which wakes the task with CancelledError —
   * or CancelledError is thrown into the coroutine at its next step.
   * The coroutine may catch it and refuse.
   */
  override cancel(msg?: string): boolean {
    this._retrieved(); // as for any future, cancel() counts as handling an exception
    if (this.done()) return false;
    this._numCancelsRequested++;
    // Leave _futWaiter set: it may be a Task that refuses the cancellation,
    // so it may have to be cancelled again later.
    if (this._futWaiter !== null && this._futWaiter.cancel(msg)) return true;
    // Otherwise a step is already scheduled: deliver the cancellation there.
    this._mustCancel = true;
    this._outcome = msg; // the message, kept until the step delivers it (see Future._outcome)
    return true;
  }

  /** The number of pending cancellation requests (3.11+). */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  /** Takes back one cancellation request; returns the number left (3.11+). */
  uncancel(): number {
    if (this._numCancelsRequested > 0) {
      this._numCancelsRequested--;
      // 3.13: with no request left, a cancellation not yet delivered is dropped too.
      if (this._numCancelsRequested === 0) this._mustCancel = false;
    }
    return this._numCancelsRequested;
  }

  /** The frames the task is suspended in, outermost first (empty once done). */
  getStack(): Frame[] {
    if (this.done()) return [];
    const frames: Frame[] = [];
    if (!(this._coro instanceof CoroutineCall)) frames.push({ name: '<generator>', calledAt: null });
    if (this._frames !== null) for (const call of this._frames.calls) frames.push(call._frame());
    return frames;
  }

  override toString(): string {
    // Python's repr says "cancelling" while a cancellation request is pending.
    const state = this._numCancelsRequested > 0 && !this.done() ? 'cancelling' : this._describeState();
    let s = `<Task ${state.replace(/^(\w+)/, `$1 name=${repr(this.getName())}`)}`;
    if (this._coro instanceof CoroutineCall) s += ` coro=${this._coro}`;
    const w = this._futWaiter;
    // Shallow on purpose: a full repr of what we wait for could recurse through a cycle of tasks.
    if (w !== null) s += ` wait_for=<${w._className()} ${w._stateName().toLowerCase()}${w instanceof Task ? ` name=${repr(w.getName())}` : ''}>`;
    return s + '>';
  }

  /** @internal */
  override _className(): string {
    return 'Task';
  }

  /** @internal The first time, the CancelledError the coroutine raised (its message and stack kept); after that, a new one as for any future. */
  override _makeCancelledError(): CancelledError {
    const exc = this._outcome;
    if (!(exc instanceof CancelledError)) return super._makeCancelledError();
    this._outcome = undefined;
    return exc;
  }

  // ---- the trampoline: CPython's Task.__step, __step_run_and_handle_result, __wakeup ----

  /** @internal CPython's `Task.__step`: one step of the coroutine, delivering a pending cancellation. */
  _step(hasExc: boolean, exc: unknown): void {
    if (this.done()) throw new InvalidStateError(`_step(): already done: ${this}`);
    if (this._mustCancel) {
      if (!(exc instanceof CancelledError)) exc = this._makeCancelledError();
      hasExc = true;
      this._mustCancel = false;
    }
    this._futWaiter = null;
    this._runAsCurrent(hasExc, exc);
  }

  /**
   * @internal Runs the step in the task's own context, with this task as
   * the loop's current task (CPython's `_enter_task` … `_leave_task`),
   * between the instruments' before/after hooks. The previous task and
   * context are restored, not cleared: an eager task steps inside another
   * task's step. A context current elsewhere already (two tasks sharing one,
   * or a task run from inside that context's `run`) cannot be entered:
   * RuntimeError, and the step does not run.
   */
  _runAsCurrent(hasExc: boolean, exc: unknown): void {
    const loop = this._loop;
    const outerBindings = _currentBindings();
    const outerOwner = _bareOwner();
    const outerContext = _enterTask(this);
    const previous = loop._currentTask;
    loop._currentTask = this;
    if (loop._instrumented) loop._emit('beforeTaskStep', this);
    let yielded: unknown;
    try {
      yielded = this._run(hasExc, exc);
    } finally {
      loop._currentTask = previous;
      _leaveTask(this, outerContext, outerBindings, outerOwner);
    }
    if (loop._instrumented) loop._emit('afterTaskStep', this, yielded);
  }

  /**
   * @internal CPython's `__step_run_and_handle_result`: resume the coroutine
   * (`coro.send(None)` or `coro.throw(exc)`), then act on what it did —
   * returned, raised, or yielded. Returns what it yielded, for the instruments.
   */
  _run(hasExc: boolean, exc: unknown): unknown {
    let r: IteratorResult<unknown, unknown>;
    try {
      r = this._resume(hasExc, exc);
    } catch (e) {
      if (e instanceof CancelledError) {
        super.cancel();
        this._outcome = e; // re-raised as is by the first result() (Python's `_cancelled_exc`)
      } else if (e === undefined) {
        super.setException(new RuntimeError('coroutine threw undefined'));
      } else {
        super.setException(hasExc ? explainLostThrow(exc, e) : e); // (`yield* [1, 2, 3]`: see lib/bad-yields.ts)
      }
      this._finished();
      return undefined;
    }
    if (r.done) {
      if (this._mustCancel) {
        // Cancelled right before the coroutine returned: the cancellation wins.
        this._mustCancel = false;
        super.cancel(this._cancelMessage);
      } else {
        super.setResult(r.value as T);
      }
      this._finished();
      return undefined;
    }
    this._suspend(r.value);
    return r.value;
  }

  /** @internal Sends into the coroutine, or throws into it: into its generator, or into the top of its `coroutine()` frames. */
  _resume(hasExc: boolean, exc: unknown): IteratorResult<unknown, unknown> {
    if (this._frames !== null) return this._frames.resume(hasExc, exc);
    const gen = this._coro as Coroutine<unknown>; // a generator: a coroutine() call has its frames from the start
    const r = hasExc ? gen.throw(exc) : gen.next(undefined);
    // Its first `yield* call` of a coroutine() function: from now on the task runs a stack of frames.
    if (!r.done && isAwaitedCall(r.value)) return (this._frames = new FrameStack(gen, null)).enter(r.value);
    return r;
  }

  /** @internal What to do with a value the coroutine yielded (the `else:` branch of `__step_run_and_handle_result`). */
  _suspend(y: unknown): void {
    const loop = this._loop;
    if (y === undefined) {
      // A bare yield gives up the loop for exactly one iteration.
      loop._callSoonWithArg(taskStep, this, null);
    } else if (y instanceof Future && y._asyncioFutureBlocking && y.getLoop() === loop && y !== this) {
      // `yield* fut`: sleep until the future is done; its done callback wakes us.
      y._asyncioFutureBlocking = false;
      // _futWaiter first: from now until the wakeup runs, it is the future the wakeup reads.
      this._futWaiter = y;
      y._addCallback(this, null); // the Task itself, not a function of its own (see taskWakeup)
      if (this._mustCancel && y.cancel(this._cancelMessage)) this._mustCancel = false;
    } else {
      // Anything else is a mistake, thrown back into the coroutine at its next step (lib/bad-yields.ts).
      loop._callSoonWithArgs(taskThrow, [this, badYieldError(this, y)], null);
    }
  }

  /** @internal The future this task waits on is done (Future._scheduleCallbacks calls this): wake up at the next iteration. */
  _scheduleWakeup(): void {
    this._loop._callSoonWithArg(taskWakeup, this, null);
  }

  /**
   * @internal CPython's `Task.__wakeup`: the awaited future is done; step,
   * throwing its exception in if it has one. CPython calls `future.result()`
   * in a `try` to get that exception; here the future hands it over without
   * being thrown and caught (`_errorForWaiter`): a cancelled sleeping task
   * goes through three throws instead of four (C1, bench/NOTES.md).
   */
  _wakeup(future: Future<unknown>): void {
    if (future._state === FINISHED) this._step(false, undefined); // the coroutine reads the result itself, in Future's iterator
    else this._step(true, future._errorForWaiter());
  }

  /** @internal 3.12's eager start (CPython's `__eager_start`): the first step runs now, inside createTask. */
  _eagerStart(): void {
    const tasks = this._loop._tasks;
    tasks.add(this); // before the step, as in CPython: allTasks() in that step includes it (_finished() removes it)
    try {
      this._runAsCurrent(false, undefined);
    } catch (e) {
      tasks.delete(this); // its context is current elsewhere (see _runAsCurrent): the task never started
      throw e;
    }
    if (this.done()) this._coro = null; // 3.13: an eager task done without suspending has no coroutine
  }

  private _finished(): void {
    this._frames = null;
    this._futWaiter = null;
    const loop = this._loop;
    loop._tasks.delete(this);
    if (loop._instrumented) loop._emit('taskDone', this);
  }
}

// ---- the callbacks of a task's handles ----
//
// One function of each kind for every task, with the task as the handle's
// argument, so that a Task makes no closure of its own (CPython's C Task
// neither: its step callback is a small object holding the task, which is
// what a Handle is already). Measured on M1: 176 bytes less per task (two
// closures and their context, and three fields). The handles read
// `taskStep(<Task …>)`, `taskWakeup(<Task … wait_for=<Future finished>>)`.

/** @internal A step of `task`: its first, or the one after a bare `yield`. */
export function taskStep(task: Task<unknown>): void {
  task._step(false, undefined);
}

/**
 * @internal `task` wakes up: the future it waits on is done. That future is
 * `task._futWaiter`: it is set before the task is registered on the future,
 * and only a step clears it — and while a task waits, its wakeup is the only
 * step it can get (a cancel() meanwhile sets `_mustCancel`, for this step).
 */
export function taskWakeup(task: Task<unknown>): void {
  task._wakeup(task._futWaiter as Future<unknown>);
}

/** @internal Throws `exc` into `task`'s coroutine: the step after a bad yield (lib/bad-yields.ts). */
export function taskThrow(task: Task<unknown>, exc: unknown): void {
  task._step(true, exc);
}

/**
 * @internal The task a handle steps, wakes or throws into, or null for any
 * other callback: the task is the handle's first argument. CPython's
 * `_format_handle` asks the same.
 */
export function _taskOfHandle(handle: Handle): Task<unknown> | null {
  const cb = handle._callback;
  if (cb === taskStep || cb === taskWakeup) return handle._arg as Task<unknown>;
  if (cb === taskThrow) return (handle._args as readonly unknown[])[0] as Task<unknown>;
  return null;
}

/** True for a Task. */
export function isTask(obj: unknown): obj is Task<unknown> {
  return obj instanceof Task;
}

/**
 * asyncio.create_task: wraps a coroutine in a Task on the running loop and
 * schedules its first step. Needs a running loop. The task runs in a copy
 * of the current context (its ContextVars' values as they are now), or in
 * `context` itself when given.
 * @example
 * const t = createTask(fetch('/'), { name: 'fetch' });
 * const u = createTask(audit(), { context: t.getContext() }); // shares t's context (they must not step at once)
 */
export function createTask<T>(coro: Coroutine<T> | CoroutineCall<T>, options: CreateTaskOptions = {}): Task<T> {
  return getRunningLoop().createTask(coro, options);
}

/**
 * asyncio.current_task: the Task being stepped on `loop` (default: the
 * running loop), or null — also when no loop runs (CPython raises there).
 */
export function currentTask(loop?: EventLoop): Task<unknown> | null {
  if (loop != null) _checkLoop(loop, 'currentTask'); // else a wrong loop would answer undefined
  const l = loop ?? _getRunningLoop();
  return l === null ? null : l._currentTask;
}

/** asyncio.all_tasks: the unfinished tasks of `loop` (default: the running loop). */
export function allTasks(loop?: EventLoop): Set<Task<unknown>> {
  if (loop != null) _checkLoop(loop, 'allTasks');
  const l = loop ?? getRunningLoop();
  const tasks = new Set<Task<unknown>>();
  for (const t of l._tasks) if (!t.done()) tasks.add(t);
  return tasks;
}

/**
 * asyncio.ensure_future: a Future stays itself, a coroutine becomes a Task.
 * @example
 * const fut = ensureFuture(work()); // a Task
 */
export function ensureFuture<T>(aw: Awaitable<T>, options?: { loop?: EventLoop }): Future<T> {
  const wanted = options === undefined ? undefined : checkOptions<{ loop?: EventLoop }>('ensureFuture', options, ['loop']).loop;
  if (isFuture(aw)) {
    if (wanted !== undefined && aw.getLoop() !== wanted) {
      throw new ValueError('The future belongs to a different loop than the one specified as the loop argument');
    }
    return aw;
  }
  if (isCoroutine(aw)) {
    const loop = wanted ?? _getRunningLoop() ?? getEventLoop();
    return loop.createTask(aw);
  }
  throw new TypeError(`An asyncio.Future, a coroutine or an awaitable is required, got ${repr(aw)}`);
}

/**
 * asyncio.eager_task_factory (3.12): with `loop.setTaskFactory(eagerTaskFactory)`,
 * `createTask` runs the coroutine at once until its first suspension; one that
 * finishes without suspending gives an already-done Task.
 */
export const eagerTaskFactory: TaskFactory = (loop, coro, options) => new Task(coro, { loop, name: options.name, context: options.context, eagerStart: true });

// asyncio.sleep lives in lib/sleep.ts (re-exported here: it is tasks.py's in CPython).
export { sleep } from './sleep';
