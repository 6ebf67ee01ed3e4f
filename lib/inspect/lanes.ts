/**
 * Lanes: the trace replayed into a grid the timeline renderers draw. One
 * column ("tick") per task step, plain callback, or stretch of time the loop
 * sat idle; one lane per task, and in each cell the task's state during that
 * tick; plus the wake-up arrows from the tick that completed a future to the
 * step it woke.
 */
import type { TaskState } from './describe';
import type { TaskRef, TraceEvent } from './trace-events';

/** One column: a task's step, a plain callback of the loop, or the loop waiting (idle) while time passed. */
export interface Tick {
  kind: 'step' | 'callback' | 'idle';
  /** Loop time it began at. */
  time: number;
  /** seq of the event that began it. */
  seq: number;
  /** The task that stepped (null for callbacks and idle ticks). */
  task: TaskRef | null;
  /** The stepStart, callback or waited event. */
  event: TraceEvent;
}

/** One task's row: its state in each tick (null before it exists). */
export interface Lane {
  task: TaskRef;
  /** During each tick: running if it stepped in it, else the state it reached by the tick's end. */
  cells: (TaskState | null)[];
  /** The state it was in at the end of each tick (never running, unless a step is still on). */
  ends: (TaskState | null)[];
}

/** A wake-up: the tick where the future was completed → the step it caused. */
export interface Arrow {
  from: number;
  to: number;
  /** The lane of the tick that completed the future, or -1 for the loop's own callbacks. */
  fromLane: number;
  toLane: number;
  label: string;
}

/** The grid: columns, rows, and the wake-up arrows between them. */
export interface Lanes {
  ticks: Tick[];
  lanes: Lane[];
  arrows: Arrow[];
}

/** Replays the events into lanes. */
export function buildLanes(events: readonly TraceEvent[]): Lanes {
  const ticks: Tick[] = [];
  const lanes: Lane[] = [];
  const arrows: Arrow[] = [];
  const laneOf = new Map<number, number>();
  const state = new Map<number, TaskState>(); // every lane's task has one from its first event on
  const tickOfSeq = new Map<number, number>(); // futureDone seq → the tick it happened in
  let ran = new Set<number>(); // tasks that stepped in the current tick
  let depth = 0; // > 0 while a step or callback runs

  const lane = (task: TaskRef): number => {
    let i = laneOf.get(task.id);
    if (i === undefined) {
      i = lanes.length;
      laneOf.set(task.id, i);
      lanes.push({ task: { ...task }, cells: [], ends: [] });
    }
    lanes[i].task.name = task.name; // a task may be renamed: show its latest name
    return i;
  };
  // Fill the current tick's column with the state each task reached by its end.
  const closeTick = () => {
    if (ticks.length === 0) return;
    const col = ticks.length - 1;
    for (const l of lanes) {
      const s = state.get(l.task.id) as TaskState;
      // A lane made during this tick has no cells yet for the ticks before it.
      while (l.cells.length < col) {
        l.cells.push(null);
        l.ends.push(null);
      }
      l.cells.push(ran.has(l.task.id) ? 'running' : s);
      l.ends.push(s);
    }
    ran = new Set();
  };
  const openTick = (kind: Tick['kind'], e: TraceEvent, task: TaskRef | null, time = e.time) => {
    closeTick();
    ticks.push({ kind, time, seq: e.seq, task, event: e });
  };
  let waitStarted = 0;

  for (const e of events) {
    switch (e.type) {
      case 'taskCreated':
        lane(e.task);
        state.set(e.task.id, 'ready');
        break;
      case 'taskScheduled':
        lane(e.task);
        if (state.get(e.task.id) !== 'running') state.set(e.task.id, 'ready');
        break;
      case 'stepStart': {
        openTick('step', e, e.task); // first: a lane new here has no state in the tick before
        const to = lane(e.task);
        ran.add(e.task.id);
        depth++;
        state.set(e.task.id, 'running');
        if (e.cause.kind === 'wakeup') {
          const from = tickOfSeq.get(e.cause.doneSeq);
          if (from !== undefined) {
            const fromTask = ticks[from].task;
            arrows.push({ from, to: ticks.length - 1, fromLane: fromTask === null ? -1 : lane(fromTask), toLane: to, label: e.cause.future.label });
          }
        }
        break;
      }
      case 'stepEnd':
        depth = Math.max(0, depth - 1);
        lane(e.task);
        state.set(e.task.id, e.action === 'await' ? 'waiting' : e.action === 'sleep' ? 'sleeping' : e.action === 'done' ? 'done' : 'ready');
        break;
      case 'taskDone':
        lane(e.task);
        state.set(e.task.id, 'done');
        break;
      case 'futureDone':
        if (depth > 0) tickOfSeq.set(e.seq, ticks.length - 1);
        break;
      case 'callback':
        openTick('callback', e, null);
        depth++;
        break;
      case 'callbackEnd':
        depth = Math.max(0, depth - 1);
        break;
      case 'wait':
        waitStarted = e.time;
        break;
      case 'waited':
        // A column for the stretch the loop sat idle, so sleeping tasks show as sleeping.
        if (e.waited > 0) openTick('idle', e, null, waitStarted);
        break;
      default:
        break;
    }
  }
  closeTick();
  return { ticks, lanes, arrows };
}
