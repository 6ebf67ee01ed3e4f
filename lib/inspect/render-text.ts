/**
 * Text renderings of a trace: narrate() tells it in plain English, one line
 * per event; timeline() draws one lane per task.
 */
import { ValueError } from '../exceptions';
import { checkOptions } from '../options';
import { formatTime } from './describe';
import { buildLanes, type Lanes } from './lanes';
import type { TaskState } from './describe';
import type { StepCause, TaskRef, TraceEvent } from './trace-events';

/** Options of `Tracer.narrate()`. */
export interface NarrateOptions {
  /** Also tell the plain callbacks the loop runs (timers firing, done callbacks); default true. */
  callbacks?: boolean;
  /** Also tell when the loop goes idle and wakes up; default true. */
  waits?: boolean;
}

/** Options of `Tracer.timeline()`. */
export interface TimelineOptions {
  /** `'step'` (default): one column per step or callback; `'time'`: columns are equal slices of loop time. */
  by?: 'step' | 'time';
  /** Columns of a `'time'` timeline (default 60). */
  width?: number;
}

function task(t: TaskRef): string {
  return `Task '${t.name}'`;
}

function by(who: TaskRef | null, callback: string | null, verb: string): string {
  if (who !== null) return ` (${verb} ${task(who)})`;
  if (callback !== null) return ` (${verb} callback ${callback})`;
  return '';
}

function resumes(t: TaskRef, cause: StepCause): string {
  switch (cause.kind) {
    case 'start':
      return `${task(t)} starts`;
    case 'yield':
      return `${task(t)} resumes after its bare yield`;
    case 'throw':
      return `${task(t)} resumes: the mistake it yielded is thrown back into it as RuntimeError`;
    case 'resume':
      return `${task(t)} resumes`;
    case 'wakeup': {
      const { future, outcome, value } = cause;
      if (cause.sleepUntil !== null) {
        if (outcome !== 'cancelled') return `${task(t)} wakes up: its sleep until ${formatTime(cause.sleepUntil)} is over`;
        return `${task(t)} resumes: its sleep was cancelled${by(cause.by, cause.callback, 'by')}`;
      }
      if (future.label.startsWith('Task ')) {
        const how = outcome === 'result' ? `finished with result ${value}` : outcome === 'exception' ? `failed with ${value}` : 'was cancelled';
        return `${task(t)} resumes: ${future.label}, which it awaited, ${how}`;
      }
      const kind = future.label.replace(/ #\d+$/, '');
      const what = outcome === 'result' ? `got result ${value}` : outcome === 'exception' ? `got exception ${value}` : 'was cancelled';
      return `${task(t)} resumes: the ${kind} it awaited ${what}${by(cause.by, cause.callback, outcome === 'cancelled' ? 'by' : 'set by')}`;
    }
  }
}

function asyncgenSentence(e: Extract<TraceEvent, { type: 'asyncgen' }>): string {
  const gen = `async generator '${e.generator}'`;
  const who = task(e.task);
  switch (e.action) {
    case 'anext':
      return `${who} asks ${gen} for its next value (anext)`;
    case 'asend':
      return `${who} sends a value into ${gen} and asks for the next one (asend)`;
    case 'athrow':
      return `${who} throws an error into ${gen} (athrow)`;
    case 'aclose':
      return `${who} closes ${gen} (aclose): its finally blocks run`;
    case 'value':
      return `${gen} emits ${e.value} to ${who}`;
    case 'stop':
      return `${gen} is exhausted: StopAsyncIteration for ${who}`;
    case 'closed':
      return `${gen} is closed`;
    case 'error':
      return `${gen} fails: ${e.value}`;
  }
}

/** One event in plain English, without its time (null for events not worth a line). */
export function sentence(e: TraceEvent, options: NarrateOptions = {}): string | null {
  switch (e.type) {
    case 'taskCreated':
      return `${task(e.task)} is created${e.by !== null ? ` by ${task(e.by)}` : ''}`;
    case 'stepStart':
      return resumes(e.task, e.cause);
    case 'stepEnd': {
      const inside = e.inside !== undefined ? `, inside ${e.inside}` : '';
      switch (e.action) {
        case 'await':
          return `${task(e.task)} suspends: it awaits ${e.future?.label}${inside}`;
        case 'sleep':
          return `${task(e.task)} sleeps until ${formatTime(e.until as number)}${inside}`;
        case 'yield':
          return `${task(e.task)} yields: it gives the loop one turn before its next step${inside}`;
        case 'error':
          return `${task(e.task)} yielded something it must not (yield* was needed): it gets an error at its next step`;
        default:
          return null; // 'done': taskDone says it
      }
    }
    case 'asyncgen':
      return asyncgenSentence(e);
    case 'taskDone':
      if (e.outcome === 'result') return `${task(e.task)} is done: result ${e.value}`;
      if (e.outcome === 'exception') return `${task(e.task)} fails: ${e.value}`;
      return `${task(e.task)} is cancelled`;
    case 'callback':
      if (options.callbacks === false) return null;
      return e.timer ? `timer fires: ${e.callback}` : `callback runs: ${e.callback}`;
    case 'wait':
      if (options.waits === false) return null;
      return `the loop is idle: it waits ${e.timeout === null ? 'with no deadline' : `at most ${e.timeout.toFixed(3)} s`}`;
    case 'waited':
      if (options.waits === false) return null;
      return e.virtual ? `the virtual clock jumps ${e.waited.toFixed(3)} s ahead` : `the loop wakes up after ${e.waited.toFixed(3)} s`;
    default:
      return null; // taskScheduled, futureDone, callbackEnd, timerScheduled: told by the events they lead to
  }
}

/** The events in plain English, one line each: `t=1.000 Task 'a' resumes: …`. */
export function narrate(events: readonly TraceEvent[], options: NarrateOptions = {}): string {
  checkOptions<NarrateOptions>('narrate', options, ['callbacks', 'waits']);
  const lines: string[] = [];
  for (const e of events) {
    const s = sentence(e, options);
    if (s !== null) lines.push(`${formatTime(e.time)} ${s}`);
  }
  return lines.join('\n');
}

/** The glyph of each state; done shows once, in the column where the task finished. */
const GLYPH: Record<TaskState, string> = { running: '█', ready: '░', waiting: '─', sleeping: 'z', done: '✓' };
const LEGEND = '█ running  ░ ready  ─ waiting  z sleeping  ✓ done  • loop callback  · loop idle';

function glyphs(cells: readonly (TaskState | null)[]): string {
  let s = '';
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    if (c === null || (c === 'done' && cells[i - 1] === 'done')) s += ' ';
    else s += GLYPH[c];
  }
  return s.replace(/\s+$/, '');
}

/** Rows of `t=…` labels placed over the columns where time moves on, in the first of two rows where each fits. */
function timeRows(times: readonly (number | null)[]): string[] {
  const rows = ['', ''];
  let last: number | null = null;
  for (let col = 0; col < times.length; col++) {
    const t = times[col];
    if (t === null || t === last) continue;
    last = t;
    const label = formatTime(t);
    const row = rows.findIndex((r) => r.length === 0 || col > r.length);
    if (row >= 0) rows[row] = rows[row].padEnd(col) + label; // no room in either row: this time goes unlabelled
  }
  return rows.filter((r) => r.length > 0);
}

function render(names: string[], rows: string[], header: string, axis: string[]): string {
  const width = Math.min(24, Math.max(6, ...names.map((n) => n.length))) + 2;
  const fit = (n: string) => (n.length > width - 2 ? `${n.slice(0, width - 3)}…` : n).padEnd(width);
  const lines = [header, ...axis.map((a) => `${''.padEnd(width)}${a}`)];
  for (let i = 0; i < names.length; i++) lines.push(`${fit(names[i])}${rows[i]}`.replace(/\s+$/, ''));
  return lines.join('\n');
}

function byStep(l: Lanes): string {
  const loopRow = l.ticks.map((t) => (t.kind === 'callback' ? '•' : t.kind === 'idle' ? '·' : ' ')).join('').replace(/\s+$/, '');
  const names = ['(loop)', ...l.lanes.map((x) => x.task.name)];
  const rows = [loopRow, ...l.lanes.map((x) => glyphs(x.cells))];
  return render(names, rows, `Timeline, one column per step, callback or idle wait (${LEGEND})`, timeRows(l.ticks.map((t) => t.time)));
}

function byTime(l: Lanes, width: number): string {
  const t0 = l.ticks[0].time;
  const span = l.ticks[l.ticks.length - 1].time - t0;
  const colOf = (t: number) => Math.min(width - 1, Math.floor(((t - t0) / span) * (width - 1)));
  const cols = l.ticks.map((t) => colOf(t.time));
  // Columns nothing ran in are time the loop sat idle.
  const loopRow: string[] = new Array<string>(width).fill('·');
  l.ticks.forEach((t, i) => {
    if (t.kind === 'step' && loopRow[cols[i]] === '·') loopRow[cols[i]] = ' ';
    if (t.kind === 'callback') loopRow[cols[i]] = '•';
  });
  const rows = l.lanes.map((lane) => {
    // A column shows running if the task ran in it, else the state it was in by the column's end.
    const cells: (TaskState | null)[] = new Array<TaskState | null>(width).fill(null);
    let carry: TaskState | null = null;
    let i = 0;
    for (let col = 0; col < width; col++) {
      let ranHere = false;
      while (i < cols.length && cols[i] === col) {
        if (lane.cells[i] === 'running') ranHere = true;
        carry = lane.ends[i];
        i++;
      }
      cells[col] = ranHere ? 'running' : carry;
    }
    return glyphs(cells);
  });
  const end = formatTime(t0 + span);
  const axis = [formatTime(t0).padEnd(width - end.length) + end];
  const header = `Timeline, one column per ${(span / (width - 1)).toFixed(3)} s of loop time (${LEGEND})`;
  return render(['(loop)', ...l.lanes.map((x) => x.task.name)], [loopRow.join('').replace(/\s+$/, ''), ...rows], header, axis);
}

/**
 * A text timeline: one lane per task and one for the loop's own callbacks.
 * By step (the default), each column is one step or callback, labelled with
 * the loop time where it moves on; by time, each column is an equal slice of
 * loop time and shows running if the task ran in it at all.
 */
export function timeline(events: readonly TraceEvent[], options: TimelineOptions = {}): string {
  checkOptions<TimelineOptions>('timeline', options, ['by', 'width']);
  const by = options.by ?? 'step';
  if (by !== 'step' && by !== 'time') throw new TypeError(`timeline(): 'by' must be 'step' or 'time', got ${String(by)}`);
  const width = options.width ?? 60;
  if (!Number.isInteger(width) || width < 10) throw new ValueError(`timeline(): 'width' must be an integer of at least 10, got ${String(width)}`);
  const l = buildLanes(events);
  if (l.ticks.length === 0) return 'Timeline: nothing ran yet';
  const span = l.ticks[l.ticks.length - 1].time - l.ticks[0].time;
  return by === 'time' && span > 0 ? byTime(l, width) : byStep(l);
}
