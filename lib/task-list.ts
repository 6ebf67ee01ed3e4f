/**
 * The loop's unfinished tasks (`allTasks()`; CPython 3.12/3.13:
 * `_scheduled_tasks`, a WeakSet, plus `_eager_tasks`; 3.14's C
 * implementation: a linked list through the tasks themselves).
 *
 * A doubly linked list threaded through two fields of each Task, used where
 * a `Set` was: every task is added when created and removed when it
 * finishes, so a short-lived task paid a hash-table insert and delete —
 * 7% of W1 (50 000 tasks spawned and gathered) in the profile, and the
 * table's rehashing as it grew and shrank. Here both are two pointer
 * writes. Iteration (allTasks, the debug reports, close) is rare: it walks
 * a snapshot, so tasks may finish while it runs.
 *
 * Like the Set before it, the list holds its tasks strongly: a task parked
 * on a future nobody will finish stays listed (CPython's WeakSet would let
 * it be collected and say "Task was destroyed but it is pending!").
 */
import type { Task } from './tasks';

export class TaskList {
  private _head: Task<unknown> | null = null;
  private _size = 0;

  get size(): number {
    return this._size;
  }

  add(task: Task<unknown>): void {
    if (this.has(task)) return;
    const head = this._head;
    task._nextTask = head;
    task._prevTask = null;
    if (head !== null) head._prevTask = task;
    this._head = task;
    this._size++;
  }

  has(task: Task<unknown>): boolean {
    return task._prevTask !== null || this._head === task;
  }

  /** Removes `task` if it is listed; true if it was. */
  delete(task: Task<unknown>): boolean {
    const prev = task._prevTask;
    const next = task._nextTask;
    if (prev !== null) prev._nextTask = next;
    else if (this._head === task) this._head = next;
    else return false;
    if (next !== null) next._prevTask = prev;
    task._prevTask = null;
    task._nextTask = null; // a finished task keeps no other task alive
    this._size--;
    return true;
  }

  /** The tasks, oldest first (as a Set iterates), from a snapshot taken now. */
  [Symbol.iterator](): IterableIterator<Task<unknown>> {
    const out = new Array<Task<unknown>>(this._size);
    let i = this._size;
    for (let t = this._head; t !== null; t = t._nextTask) out[--i] = t;
    return out[Symbol.iterator]();
  }
}
