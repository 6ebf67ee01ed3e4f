/**
 * TaskGroup (CPython: taskgroups.py, 3.11+): structured concurrency. Tasks
 * made with `tg.createTask()` live inside the block:
 *
 *   async with asyncio.TaskGroup() as tg:     yield* asyncWith(new TaskGroup(), function* (tg) {
 *       tg.create_task(a())                        tg.createTask(a());
 *       tg.create_task(b())                        tg.createTask(b());
 *   # both are done here                       }); // both are done here
 *
 * Exit waits for every task. The first task to fail cancels its siblings and
 * the body (the "parent" task); when all have finished, the failures come
 * out together as one ExceptionGroup. The cancellation the group made of its
 * parent is taken back with `uncancel()`, so a cancellation from outside
 * still comes out as CancelledError, and one from the group never does.
 *
 * (CPython also lets KeyboardInterrupt and SystemExit out as they are, not in
 * a group; JavaScript has no such errors, so every failure goes in the group.)
 */
import { BaseExceptionGroup, CancelledError, RuntimeError } from './exceptions';
import { getRunningLoop } from './events';
import { Future, type Coroutine, type WaitInfo } from './futures';
import { currentTask, type CreateTaskOptions, type Task } from './tasks';
import { CoroutineCall, isCoroutine } from './coroutines';
import { repr } from './repr';
import type { AsyncContextManager } from './contexts';
import type { EventLoop } from './loop';

/**
 * asyncio.TaskGroup: an async context manager whose `enter()` hands the body
 * the group. Leaving the block waits for all the group's tasks; a failing
 * task cancels the others and the body, and every failure is reported in one
 * `ExceptionGroup('unhandled errors in a TaskGroup', errors)`. A group is
 * entered once; `createTask` works only while it is active.
 * @example
 * try {
 *   yield* asyncWith(new TaskGroup(), function* (tg) {
 *     tg.createTask(download('a'));
 *     tg.createTask(download('b'), { name: 'b' });
 *   });
 * } catch (e) {
 *   if (e instanceof ExceptionGroup) for (const err of e.exceptions) console.error(err);
 * }
 */
export class TaskGroup implements AsyncContextManager<TaskGroup> {
  /** @internal */ _entered = false;
  /** @internal */ _exiting = false;
  /** @internal Cancelling the tasks (after a failure, an error in the body, or an outside cancellation). */ _aborting = false;
  /** @internal */ _loop: EventLoop | null = null;
  /** @internal The task running the body. */ _parentTask: Task<unknown> | null = null;
  /** @internal The group cancelled its parent and must take that back with uncancel(). */ _parentCancelRequested = false;
  /** @internal Tasks not finished yet. */ _tasks = new Set<Task<unknown>>();
  /** @internal Failures, in the order the tasks finished. */ _errors: unknown[] | null = [];
  /** @internal What exit waits on while tasks run. */ _onCompletedFut: Future<boolean> | null = null;
  /** @internal */ readonly _onTaskDoneFn: (task: Future<unknown>) => void;
  /** @internal For task trees: exit's waiter waits for the tasks still running (computed when asked). */
  readonly _waitInfo: WaitInfo;

  constructor() {
    this._onTaskDoneFn = (task) => this._onTaskDone(task as Task<unknown>);
    const tasks = this._tasks;
    this._waitInfo = {
      kind: 'TaskGroup',
      resource: this,
      get children(): Future<unknown>[] {
        return [...tasks];
      },
    };
  }

  /** `<TaskGroup tasks=2 errors=1 cancelling>`, as Python's repr. */
  toString(): string {
    let info = '';
    if (this._tasks.size > 0) info += ` tasks=${this._tasks.size}`;
    if (this._errors !== null && this._errors.length > 0) info += ` errors=${this._errors.length}`;
    if (this._aborting) info += ' cancelling';
    else if (this._entered) info += ' entered';
    return `<TaskGroup${info}>`;
  }

  /**
   * `__aenter__`: remembers the task running the body (its parent) and
   * hands the body the group. Entering twice is a RuntimeError, as is
   * entering outside a task.
   */
  *enter(): Coroutine<TaskGroup> {
    if (this._entered) throw new RuntimeError(`TaskGroup ${this} has already been entered`);
    if (this._loop === null) this._loop = getRunningLoop();
    this._parentTask = currentTask(this._loop);
    if (this._parentTask === null) throw new RuntimeError(`TaskGroup ${this} cannot determine the parent task`);
    this._entered = true;
    return this;
  }

  /**
   * `__aexit__`: waits until every task of the group is done, cancelling
   * them all first if the body failed or was cancelled. Then: a cancellation
   * from outside comes out as CancelledError (when no task failed); the
   * failures of the tasks, and the body's own error last, come out as one
   * ExceptionGroup. Never swallows an error.
   */
  *exit(error?: unknown): Coroutine<void> {
    this._exiting = true;
    const parent = this._parentTask as Task<unknown>;
    let propagateCancellationError: CancelledError | null = error instanceof CancelledError ? error : null;
    // The body failed, or its task is being cancelled: cancel the group's tasks.
    if (error !== undefined && !this._aborting) this._abort();

    // A loop, because the waiter is cancelled each time the parent task is
    // (even once our own cancellation is already under way).
    while (this._tasks.size > 0) {
      if (this._onCompletedFut === null) {
        this._onCompletedFut = (this._loop as EventLoop).createFuture<boolean>();
        this._onCompletedFut._waitInfo = this._waitInfo;
      }
      try {
        yield* this._onCompletedFut;
      } catch (exc) {
        if (!(exc instanceof CancelledError)) throw exc; // nobody sets an exception on the waiter
        if (!this._aborting) {
          // The parent task is cancelled from outside while tasks still run.
          propagateCancellationError = exc;
          this._abort();
        }
      }
      this._onCompletedFut = null;
    }

    if (this._parentCancelRequested) {
      // The group cancelled its parent: it must take that request back. With
      // none left, the CancelledError was the group's own and goes no further.
      if (parent.uncancel() === 0) propagateCancellationError = null;
    }
    // A cancellation propagates, unless tasks failed: those errors win.
    const errors = this._errors as unknown[];
    if (propagateCancellationError !== null && errors.length === 0) throw propagateCancellationError;
    // The body's own error goes last, after the tasks'.
    if (error !== undefined && !(error instanceof CancelledError)) errors.push(error);
    if (errors.length > 0) {
      // 3.13: if the parent is also being cancelled from outside, take one
      // request back and make it again, so that the cancellation is delivered
      // at the parent's next await while its count stays the same.
      if (parent.cancelling() > 0) {
        parent.uncancel();
        parent.cancel();
      }
      this._errors = null; // the group keeps no reference to them
      // CPython raises BaseExceptionGroup, which is an ExceptionGroup when every error is an Exception
      // (a BaseException such as GeneratorExit, from an async generator closed inside the group, keeps it a BaseExceptionGroup).
      throw new BaseExceptionGroup('unhandled errors in a TaskGroup', errors);
    }
  }

  /**
   * asyncio.TaskGroup.create_task: a Task of this group (same options as
   * `createTask`). Only while the group is active: before `enter` it is
   * `RuntimeError('TaskGroup … has not been entered')`, once exit has seen
   * every task finish `… is finished`, after a failure `… is shutting down`;
   * in those cases the coroutine is closed without running.
   */
  createTask<T>(coro: Coroutine<T> | CoroutineCall<T>, options: CreateTaskOptions = {}): Task<T> {
    if (!isCoroutine(coro)) {
      throw new TypeError(`TaskGroup.createTask() needs a coroutine, got ${repr(coro)}${typeof coro === 'function' ? ' (a function: call it to get a coroutine)' : ''}`);
    }
    if (!this._entered) {
      closeCoroutine(coro);
      throw new RuntimeError(`TaskGroup ${this} has not been entered`);
    }
    if (this._exiting && this._tasks.size === 0) {
      closeCoroutine(coro);
      throw new RuntimeError(`TaskGroup ${this} is finished`);
    }
    if (this._aborting) {
      closeCoroutine(coro);
      throw new RuntimeError(`TaskGroup ${this} is shutting down`);
    }
    const task = (this._loop as EventLoop).createTask(coro, options);
    // An eager task may be done already: account for it at once.
    if (task.done()) {
      this._onTaskDone(task as Task<unknown>);
    } else {
      this._tasks.add(task as Task<unknown>);
      task.addDoneCallback(this._onTaskDoneFn);
    }
    return task;
  }

  /** @internal Cancel every task still running. */
  _abort(): void {
    this._aborting = true;
    for (const t of this._tasks) if (!t.done()) t.cancel();
  }

  /** @internal A task of the group finished. */
  _onTaskDone(task: Task<unknown>): void {
    this._tasks.delete(task);
    if (this._onCompletedFut !== null && this._tasks.size === 0 && !this._onCompletedFut.done()) {
      this._onCompletedFut.setResult(true);
    }
    if (task.cancelled()) return;
    const exc = task.exception();
    if (exc === null) return;
    (this._errors as unknown[]).push(exc);
    const parent = this._parentTask as Task<unknown>;
    if (parent.done()) {
      // The body's task ended without exiting the group (its exit never ran): nobody else would see this error.
      (this._loop as EventLoop).callExceptionHandler({
        message: `Task ${task} has errored out but its parent task ${parent} is already completed`,
        exception: exc,
        task,
      });
      return;
    }
    if (!this._aborting && !this._parentCancelRequested) {
      // The first failure: cancel the siblings and interrupt the body, and
      // remember that this cancellation of the parent is ours (exit takes it back).
      this._abort();
      this._parentCancelRequested = true;
      parent.cancel();
    }
  }
}

/** Python's `coro.close()` on a coroutine that will never run: no body, no "never awaited" report. */
function closeCoroutine(coro: Coroutine<unknown> | CoroutineCall<unknown>): void {
  if (coro instanceof CoroutineCall) {
    if (!coro._started) coro._close();
  } else {
    try {
      coro.return(undefined);
    } catch {
      /* a generator that is running right now cannot be closed; it was not ours anyway */
    }
  }
}
