/**
 * loop.snapshot(): one look at everything a loop holds — the callbacks ready
 * to run, the timers in the order they will fire, and every unfinished task
 * with what it is doing and what it waits on.
 *
 * It is added to EventLoop from here (module augmentation plus a prototype
 * method), so lib/loop.ts stays about running, not about looking.
 */
import { EventLoop } from '../loop';
import { timerBefore } from '../handles';
import { LoopView, type TaskState } from './describe';
import type { Frame } from '../coroutines';

/** A timer of `Snapshot.timers`. */
export interface SnapshotTimer {
  /** Loop time it is due at. */
  when: number;
  /** What it will do: `wake Task 'a'`, `setResultUnlessCancelled(<Future pending, awaited by Task 'a'>)`, … */
  description: string;
}

/** A task of `Snapshot.tasks`. */
export interface SnapshotTask {
  name: string;
  /** running (it took the snapshot), ready (its step is queued), waiting, sleeping (on a timer), done. */
  state: TaskState;
  /** What it awaits — `Task 'b'`, `sleep until t=5.000`, `gather of 2`, `Lock.acquire on <Lock [locked]>` — or null. */
  waitingOn: string | null;
  /** Its frames, outermost first (`task.getStack()`). */
  stack: Frame[];
}

/** What `loop.snapshot()` returns (plain data: it can be printed, compared or turned into JSON). */
export interface Snapshot {
  /** The loop's time. */
  time: number;
  /** The callbacks in the ready queue, in the order they will run. */
  ready: string[];
  /** The pending timers, in the order they will fire. */
  timers: SnapshotTimer[];
  /** The unfinished tasks, in creation order. */
  tasks: SnapshotTask[];
}

declare module '../loop' {
  interface EventLoop {
    /**
     * What the loop holds right now: ready callbacks, timers in firing order,
     * and every unfinished task with its state and what it waits on
     * (tulip's own; lib/inspect). Reading it changes nothing.
     * @example
     * const snap = loop.snapshot();
     * for (const t of snap.tasks) console.log(t.name, t.state, t.waitingOn);
     */
    snapshot(): Snapshot;
  }
}

/** @internal The implementation of `EventLoop.prototype.snapshot`. */
export function takeSnapshot(loop: EventLoop): Snapshot {
  const view = new LoopView(loop);
  const ready: string[] = [];
  for (let i = 0; i < loop._ready.length; i++) {
    const handle = loop._ready.at(i);
    if (handle !== undefined && !handle._cancelled) ready.push(view.describeHandle(handle));
  }
  const timers = loop._scheduled
    .toArray()
    .filter((t) => !t._cancelled)
    .sort((a, b) => (timerBefore(a, b) ? -1 : 1)) // no two timers tie: equal deadlines go by sequence
    .map((t) => ({ when: t._when, description: view.describeHandle(t) }));
  const tasks = view.tasks.map((task) => {
    const fut = task._futWaiter;
    return {
      name: task.getName(),
      state: view.stateOf(task),
      waitingOn: fut !== null && !fut.done() ? view.describeFuture(fut) : null,
      stack: task.getStack(),
    };
  });
  return { time: loop.time(), ready, timers, tasks };
}

EventLoop.prototype.snapshot = function snapshot(this: EventLoop): Snapshot {
  return takeSnapshot(this);
};
