/**
 * Words for what the loop holds: a task, the future it waits on, a
 * scheduled callback. snapshot(), formatTaskTree() and the deadlock report
 * share them, so the three say the same thing the same way.
 *
 * Everything here reads the loop's internals without changing anything.
 */
import { Future } from '../futures';
import { Task, _taskOfHandle, taskThrow, taskWakeup } from '../tasks';
import { callableName, repr } from '../repr';
import { TimerHandle, type Handle } from '../handles';
import type { EventLoop } from '../loop';

/** What a task is doing: the lanes of a timeline, the `state` of a snapshot. */
export type TaskState = 'running' | 'ready' | 'waiting' | 'sleeping' | 'done';

/** `t=1.000`: loop time as the traces print it. */
export function formatTime(t: number): string {
  return `t=${t.toFixed(3)}`;
}

/** `Task 'name'`. */
export function taskLabel(task: Task<unknown>): string {
  return `Task ${repr(task.getName())}`;
}

/**
 * What one look at a loop needs to describe it: which futures a pending
 * timer will complete (a sleep), and which task each step or wake-up
 * callback belongs to. Built once per snapshot, tree or report.
 */
export class LoopView {
  /** Pending futures a scheduled timer will complete, with the timer's deadline (a sleep's future). */
  readonly timerFutures = new Map<Future<unknown>, number>();
  /** The loop's unfinished tasks (and the running one), in creation order. */
  readonly tasks: Task<unknown>[];
  /** Tasks with a step, wake-up or throw in the ready queue. */
  private readonly queued = new Set<Task<unknown>>();

  constructor(readonly loop: EventLoop) {
    const tasks = [...loop._tasks].filter((t) => !t.done());
    const current = loop._currentTask;
    if (current !== null && !current.done() && !tasks.includes(current)) tasks.push(current);
    this.tasks = tasks;
    for (let i = 0; i < loop._ready.length; i++) {
      const task = this.taskOf(loop._ready.at(i) as Handle);
      if (task !== null) this.queued.add(task);
    }
    // Timers still in the heap, and due ones already moved to the ready deque
    // (between "iteration begins" and their callback, a sleeper is still sleeping).
    const timers: Handle[] = loop._scheduled.toArray();
    for (let i = 0; i < loop._ready.length; i++) {
      const h = loop._ready.at(i) as Handle;
      if (h instanceof TimerHandle) timers.push(h);
    }
    for (const timer of timers) {
      if (timer._cancelled) continue;
      for (const arg of handleArgs(timer)) {
        // A plain future a timer completes is a sleep (a combinator's future says what it is itself).
        if (arg instanceof Future && !arg.done() && arg._waitInfo === null && !(arg instanceof Task)) {
          const seen = this.timerFutures.get(arg);
          const when = (timer as TimerHandle)._when;
          if (seen === undefined || when < seen) this.timerFutures.set(arg, when);
        }
      }
    }
  }

  /** running / ready / waiting / sleeping / done (see TaskState). */
  stateOf(task: Task<unknown>): TaskState {
    if (task.done()) return 'done';
    if (task === this.loop._currentTask) return 'running';
    const fut = task._futWaiter;
    if (fut !== null && !fut.done()) return this.timerFutures.has(fut) ? 'sleeping' : 'waiting';
    if (this.queued.has(task)) return 'ready';
    // Neither waiting nor queued: its step is on the stack, below an eager task it started.
    return 'running';
  }

  /** The task a ready callback steps, wakes or throws into, if it is one of theirs. */
  taskOf(handle: Handle): Task<unknown> | null {
    return _taskOfHandle(handle);
  }

  /**
   * A future as a waiter sees it: `Task 'b'`, `sleep until t=5.000`,
   * `gather of 2`, `Lock.acquire on <Lock [locked, waiters:1]>`, or the
   * future's own repr.
   */
  describeFuture(fut: Future<unknown>): string {
    if (fut instanceof Task) return taskLabel(fut);
    const when = this.timerFutures.get(fut);
    if (when !== undefined) return `sleep until ${formatTime(when)}`;
    const info = fut._waitInfo;
    if (info === null) return String(fut);
    let s = info.kind;
    if (info.resource !== undefined) s += ` on ${describeResource(info.resource)}`;
    else if (info.children !== undefined) s += ` of ${info.children.length}`;
    const holder = holderOf(info.resource);
    if (holder !== null) s += `, held by ${taskLabel(holder)}`;
    return s;
  }

  /** A ready or timer callback: `step Task 'a'`, `wake Task 'a' (Task 'b' is done)`, or `name(args)`. */
  describeHandle(handle: Handle): string {
    const task = this.taskOf(handle);
    if (task !== null) {
      if (handle._callback === taskWakeup) {
        const fut = task._futWaiter; // what it wakes from (see taskWakeup)
        return `wake ${taskLabel(task)} (${fut instanceof Task ? taskLabel(fut) : 'its Future'} is done)`;
      }
      if (handle._callback === taskThrow) return `throw into ${taskLabel(task)}: ${repr(handleArgs(handle)[1])}`;
      return `step ${taskLabel(task)}`;
    }
    const args = handleArgs(handle).map((a) => (a instanceof Future ? this.shortFuture(a) : repr(a)));
    return `${callableName(handle._callback)}(${args.join(', ')})`;
  }

  /** A future inside a callback's arguments: a task by name, another future by state. */
  private shortFuture(fut: Future<unknown>): string {
    if (fut instanceof Task) return taskLabel(fut);
    const waiter = this.tasks.find((t) => t._futWaiter === fut);
    return waiter !== undefined ? `<Future ${fut._stateName().toLowerCase()}, awaited by ${taskLabel(waiter)}>` : String(fut);
  }
}

/** A handle's arguments, whether stored as a list or as the one-argument fast path. */
export function handleArgs(handle: Handle): readonly unknown[] {
  return handle._args === null ? [handle._arg] : handle._args;
}

/** The task holding a lock-like resource (locks record it in `_holder`), if any. */
export function holderOf(resource: object | undefined): Task<unknown> | null {
  if (resource === undefined) return null;
  const holder = (resource as { _holder?: unknown })._holder;
  return holder instanceof Task && !holder.done() ? holder : null;
}

/** `<Lock [locked, waiters:1]>`: the resource's own toString, else its class name. */
export function describeResource(resource: object): string {
  const own = (resource as { toString?: unknown }).toString;
  if (typeof own === 'function' && own !== Object.prototype.toString) return String(resource);
  return `<${resource.constructor?.name ?? 'object'}>`; // a null-prototype object has no constructor
}
