/**
 * Tracer: an instrument that records what the loop does as a typed event
 * stream (lib/inspect/trace-events.ts), then renders it — narrate() in plain
 * English, timeline() as text lanes, toSVG(), toChromeTrace().
 *
 * The one thing the hooks do not hand over directly is the wake-up edge —
 * "Task 'b' set the future Task 'a' was waiting for, so 'a' runs again". It
 * is pieced together from three moments:
 *   1. afterTaskStep: the task suspends on future F (its `_futWaiter`);
 *   2. callbackScheduled: F's done callbacks are scheduled, which happens
 *      inside `setResult`/`cancel`, so the loop's current task is the one
 *      that completed F (or a plain callback is running: a timer, say);
 *   3. beforeTaskStep: the task steps again, and F is done — that is the wake-up.
 */
import { Future } from '../futures';
import { Task, taskStep, taskThrow, taskWakeup } from '../tasks';
import { TimerHandle, type Handle } from '../handles';
import { _getRunningLoop } from '../events';
import { callableName, repr } from '../repr';
import { ValueError } from '../exceptions';
import { checkOptions } from '../options';
import { handleArgs } from './describe';
import { narrate, timeline, type NarrateOptions, type TimelineOptions } from './render-text';
import { toSVG, type SVGOptions } from './render-svg';
import { toChromeTrace } from './chrome-trace';
import type { EventLoop, Instrument } from '../loop';
import type { FutureRef, Outcome, StepAction, StepCause, TaskRef, TraceEvent } from './trace-events';
import type { AsyncGenerator, AsyncGenOp, AsyncGenOutcome } from '../asyncgen';

type CallbackKind = 'step' | 'wakeup' | 'throw';

interface DoneInfo {
  seq: number;
  outcome: Outcome;
  value: string;
  by: TaskRef | null;
  callback: string | null;
}

// Distributes Omit over the union, so each event type keeps its own fields.
type EventFields = TraceEvent extends infer E ? (E extends TraceEvent ? Omit<E, 'seq' | 'time'> : never) : never;

/** A short repr for results and exceptions in the trace. */
function short(value: unknown): string {
  const s = repr(value);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s; // at most 60 characters
}

/** Options of `new Tracer()`. */
export interface TracerOptions {
  /**
   * Keep only the last `limit` events (a positive integer), for a tracer
   * attached to a loop that runs for a long time; the renderers say how
   * many earlier events were dropped. Default (null): keep every event.
   */
  limit?: number | null;
}

/**
 * Records every decision of the loops it is attached to, with loop time, and
 * renders the record (tulip's own; in the spirit of Trio's Instrument-based
 * Tracer and curio's schedtrace). Attach it with `loop.addInstrument(tracer)`.
 * Unbounded by default; `new Tracer({ limit: n })` keeps the last n events.
 * @example
 * const tracer = new Tracer();
 * loop.addInstrument(tracer);
 * loop.runUntilComplete(main());
 * console.log(tracer.narrate());   // t=0.000 Task 'main' starts …
 * console.log(tracer.timeline());  // one lane per task
 */
export class Tracer implements Instrument {
  /** The most events kept (null: all). */
  readonly limit: number | null;
  /** The record: with a limit, up to twice `limit` events, trimmed to the last `limit` when read (so recording stays O(1) per event). */
  private readonly buffer: TraceEvent[] = [];
  /** Events trimmed away so far. */
  private trimmed = 0;

  private readonly futureIds = new WeakMap<Future<unknown>, number>();
  private nextId = 1;
  private nextSeq = 0;
  private lastLoop: EventLoop | null = null;
  /** The future each suspended task waits on (moment 1 above). */
  private readonly suspendedOn = new WeakMap<Task<unknown>, Future<unknown>>();
  private readonly lastAction = new WeakMap<Task<unknown>, StepAction>();
  /** Who completed each future (moment 2). */
  private readonly doneInfo = new WeakMap<Future<unknown>, DoneInfo>();
  /** Futures a timer will complete (sleeps), with the timer's deadline. */
  private readonly timerFutures = new WeakMap<Future<unknown>, number>();
  /** Tasks whose creation the tracer saw (their first step is a start, not a resume). */
  private readonly created = new WeakSet<Task<unknown>>();
  private currentCallback: Handle | null = null;
  /** The future whose done callback (a task's wakeup) is running now: what the next step wakes from. */
  private wakingFuture: Future<unknown> | null = null;
  private currentCallbackText = '';
  /** The async generator awaits each task is inside, innermost last (`anext() of async generator 'g'`). */
  private readonly insideGen = new WeakMap<Task<unknown>, string[]>();

  constructor(options?: TracerOptions) {
    const limit = checkOptions<TracerOptions>('Tracer', options, ['limit']).limit ?? null;
    if (limit !== null) {
      if (typeof limit !== 'number' || !Number.isInteger(limit)) throw new TypeError(`Tracer: limit must be an integer number of events, got ${repr(limit)}`);
      if (limit < 1) throw new ValueError(`Tracer: limit must be at least 1, got ${limit}`);
    }
    this.limit = limit;
  }

  /** The events recorded so far, in order — with a limit, the last `limit` of them. */
  get events(): readonly TraceEvent[] {
    this.trim(this.limit ?? Infinity);
    return this.buffer;
  }

  /** How many earlier events were dropped to keep within the limit (0 without one). */
  get dropped(): number {
    this.trim(this.limit ?? Infinity);
    return this.trimmed;
  }

  /** Forgets every event recorded so far (ids and sequence numbers keep counting). */
  clear(): void {
    this.buffer.length = 0;
    this.trimmed = 0;
  }

  // ---- the hooks ----

  taskCreated(task: Task<unknown>): void {
    const loop = this.learn(task._loop);
    this.created.add(task);
    this.record(loop, { type: 'taskCreated', task: this.taskRef(task), by: this.currentTaskRef(loop) });
  }

  beforeTaskStep(task: Task<unknown>): void {
    const loop = this.learn(task._loop);
    this.record(loop, { type: 'stepStart', task: this.taskRef(task), cause: this.causeOf(task) });
  }

  afterTaskStep(task: Task<unknown>, yielded: unknown): void {
    const loop = this.learn(task._loop);
    let action: StepAction;
    let future: FutureRef | null = null;
    let until: number | null = null;
    if (task.done()) {
      action = 'done';
    } else if (yielded instanceof Future && task._futWaiter === yielded) {
      this.suspendedOn.set(task, yielded);
      future = this.futureRef(yielded);
      // A plain future a timer completes is a sleep (a combinator's future says what it is itself).
      const when = yielded._waitInfo === null ? this.timerFutures.get(yielded) : undefined;
      action = when === undefined ? 'await' : 'sleep';
      if (when !== undefined) until = when;
    } else {
      action = yielded === undefined ? 'yield' : 'error';
    }
    this.lastAction.set(task, action);
    const inside = this.insideGen.get(task);
    const event: EventFields = { type: 'stepEnd', task: this.taskRef(task), action, future, until };
    if (inside !== undefined && inside.length > 0 && action !== 'done') event.inside = inside[inside.length - 1];
    this.record(loop, event);
  }

  /** A task starts awaiting an async generator (a generator stepped by hand, outside any task, is not told). */
  asyncgenStart(agen: AsyncGenerator<unknown, unknown>, op: AsyncGenOp): void {
    const loop = this.loopNow();
    const task = loop?._currentTask ?? null;
    if (task === null) return;
    const stack = this.insideGen.get(task) ?? [];
    stack.push(`${op}() of async generator '${agen._name}'`);
    this.insideGen.set(task, stack);
    this.record(loop, { type: 'asyncgen', task: this.taskRef(task), generator: agen._name, action: op, value: '' });
  }

  asyncgenEnd(agen: AsyncGenerator<unknown, unknown>, outcome: AsyncGenOutcome): void {
    const loop = this.loopNow();
    const task = loop?._currentTask ?? null;
    if (task === null) return;
    this.insideGen.get(task)?.pop();
    const value = outcome.kind === 'value' ? short(outcome.value) : outcome.kind === 'error' ? short(outcome.error) : '';
    this.record(loop, { type: 'asyncgen', task: this.taskRef(task), generator: agen._name, action: outcome.kind, value });
  }

  taskDone(task: Task<unknown>): void {
    const loop = this.learn(task._loop);
    this.record(loop, { type: 'taskDone', task: this.taskRef(task), ...outcomeOf(task) });
  }

  callbackScheduled(handle: Handle): void {
    const loop = this.learn(handle._loop);
    const owner = this.ownerOf(handle);
    // Done callbacks are scheduled by setResult/setException/cancel, while the completer runs.
    // A plain one's argument is the future; a task's wakeup has the task, which waits on the future.
    const fut = owner !== undefined ? (owner[1] === 'wakeup' ? owner[0]._futWaiter : null) : handle._args === null ? handle._arg : null;
    if (fut instanceof Future && fut.done() && !this.doneInfo.has(fut)) {
      const by = this.currentTaskRef(loop);
      const callback = this.currentCallback !== null ? this.currentCallbackText : null;
      const info: DoneInfo = { seq: this.nextSeq, ...outcomeOf(fut), by, callback };
      this.doneInfo.set(fut, info);
      this.record(loop, { type: 'futureDone', future: this.futureRef(fut), outcome: info.outcome, value: info.value, by, callback });
    }
    if (owner !== undefined) this.record(loop, { type: 'taskScheduled', task: this.taskRef(owner[0]), reason: owner[1] });
  }

  beforeCallback(handle: Handle): void {
    const loop = this.learn(handle._loop);
    const owner = this.ownerOf(handle);
    this.wakingFuture = null;
    if (owner !== undefined) {
      // A task's step: stepStart tells it. A wakeup wakes from the future its task waits on.
      if (owner[1] === 'wakeup') this.wakingFuture = owner[0]._futWaiter;
      return;
    }
    this.currentCallback = handle;
    this.currentCallbackText = this.describeCallback(handle);
    this.record(loop, { type: 'callback', callback: this.currentCallbackText, timer: handle instanceof TimerHandle });
  }

  afterCallback(handle: Handle): void {
    if (this.currentCallback !== handle) return;
    this.currentCallback = null;
    this.record(this.learn(handle._loop), { type: 'callbackEnd', callback: this.currentCallbackText });
  }

  timerScheduled(handle: TimerHandle): void {
    const loop = this.learn(handle._loop);
    for (const arg of handleArgs(handle)) if (arg instanceof Future && !(arg instanceof Task)) this.timerFutures.set(arg, handle._when);
    this.record(loop, { type: 'timerScheduled', when: handle._when, callback: this.describeCallback(handle), by: this.currentTaskRef(loop) });
  }

  beforeWait(timeout: number | null): void {
    this.record(this.loopNow(), { type: 'wait', timeout });
  }

  afterWait(waited: number): void {
    const loop = this.loopNow();
    this.record(loop, { type: 'waited', waited, virtual: loop?._clock.kind === 'virtual' });
  }

  // ---- renderers ----

  /**
   * The trace in plain English, one line per event with its loop time:
   * `t=1.000 Task 'a' resumes: the Future it awaited got result 42 (set by Task 'b')`.
   */
  narrate(options: NarrateOptions = {}): string {
    const text = narrate(this.events, options);
    return this.dropped === 0 ? text : `${this.droppedNote()}\n${text}`;
  }

  /** A text timeline: one lane per task (running █, ready ░, waiting ─, sleeping z, done ✓), one column per step or per slice of loop time. */
  timeline(options: TimelineOptions = {}): string {
    const text = timeline(this.events, options);
    return this.dropped === 0 ? text : `${this.droppedNote()}\n${text}`;
  }

  /** A self-contained SVG timeline with wake-up arrows and hover titles (no scripts, no external files). */
  toSVG(options: SVGOptions = {}): string {
    if (this.dropped === 0) return toSVG(this.events, options);
    return toSVG(this.events, { ...options, title: options.title ? `${options.title} ${this.droppedNote()}` : this.droppedNote() });
  }

  /** Chrome trace-event JSON (open it in chrome://tracing or ui.perfetto.dev): a slice per step, a flow arrow per wake-up, a thread per task. */
  toChromeTrace(): string {
    return toChromeTrace(this.events, this.dropped);
  }

  /** What the renderers say when the limit dropped events: they start mid-run. */
  private droppedNote(): string {
    const n = this.dropped;
    return `(${n} earlier event${n === 1 ? '' : 's'} dropped: this Tracer keeps the last ${this.limit})`;
  }

  /** Drops all but the last `keep` events. */
  private trim(keep: number): void {
    const excess = this.buffer.length - keep;
    if (excess <= 0) return;
    this.buffer.splice(0, excess);
    this.trimmed += excess;
  }

  // ---- bookkeeping ----

  private record(loop: EventLoop | null, fields: EventFields): void {
    const event = { seq: this.nextSeq++, time: loop !== null ? loop.time() : 0, ...fields } as TraceEvent;
    this.buffer.push(event);
    // With a limit, trim in batches: at most 2 × limit events are ever held, at O(1) per event.
    if (this.limit !== null && this.buffer.length >= 2 * this.limit) this.trim(this.limit);
  }

  /** The loop of this event, remembered for the hooks that are not told theirs (the async generators'). */
  private learn(loop: EventLoop): EventLoop {
    this.lastLoop = loop;
    return loop;
  }

  private loopNow(): EventLoop | null {
    return _getRunningLoop() ?? this.lastLoop;
  }

  /** A task's step, wakeup or throw: the task (the handle's first argument) and which (lib/tasks.ts). */
  private ownerOf(handle: Handle): [Task<unknown>, CallbackKind] | undefined {
    const cb = handle._callback; // null (cancelled) is none of them
    const kind: CallbackKind | null = cb === taskStep ? 'step' : cb === taskWakeup ? 'wakeup' : cb === taskThrow ? 'throw' : null;
    return kind === null ? undefined : [handleArgs(handle)[0] as Task<unknown>, kind];
  }

  private causeOf(task: Task<unknown>): StepCause {
    const waking = this.wakingFuture;
    this.wakingFuture = null;
    const fut = this.suspendedOn.get(task) ?? waking ?? undefined;
    this.suspendedOn.delete(task);
    if (fut !== undefined && fut.done()) {
      // Completed before the tracer was attached: the outcome is known, not who completed it.
      const info = this.doneInfo.get(fut) ?? { seq: -1, ...outcomeOf(fut), by: null, callback: null };
      const sleepUntil = fut._waitInfo === null ? this.timerFutures.get(fut) ?? null : null;
      return { kind: 'wakeup', future: this.futureRef(fut), outcome: info.outcome, value: info.value, by: info.by, callback: info.callback, doneSeq: info.seq, sleepUntil };
    }
    const last = this.lastAction.get(task);
    if (last === undefined) return { kind: this.created.has(task) ? 'start' : 'resume' };
    return { kind: last === 'yield' ? 'yield' : last === 'error' ? 'throw' : 'resume' };
  }

  /** A small id per task or future, handed out on first sight (tasks and futures share one counter). */
  private id(obj: Future<unknown>): number {
    let id = this.futureIds.get(obj);
    if (id === undefined) {
      id = this.nextId++;
      this.futureIds.set(obj, id);
    }
    return id;
  }

  private taskRef(task: Task<unknown>): TaskRef {
    return { id: this.id(task), name: task.getName() };
  }

  private currentTaskRef(loop: EventLoop): TaskRef | null {
    const t = loop._currentTask;
    return t === null ? null : this.taskRef(t);
  }

  private futureRef(fut: Future<unknown>): FutureRef {
    const id = this.id(fut);
    if (fut instanceof Task) return { id, label: `Task ${repr(fut.getName())}` };
    return { id, label: `${fut._waitInfo?.kind ?? 'Future'} #${id}` };
  }

  /** `name(args)`, with tasks and futures among the arguments named the trace's way. */
  private describeCallback(handle: Handle): string {
    const args = handleArgs(handle).map((a) => (a instanceof Future ? this.futureRef(a).label : short(a)));
    return `${callableName(handle._callback)}(${args.join(', ')})`;
  }
}

/** A done future's outcome, read without marking its exception as retrieved. */
function outcomeOf(fut: Future<unknown>): { outcome: Outcome; value: string } {
  if (fut.cancelled()) return { outcome: 'cancelled', value: fut._cancelMessage ? short(fut._cancelMessage) : '' };
  if (fut._exception !== undefined) return { outcome: 'exception', value: short(fut._exception) };
  return { outcome: 'result', value: short(fut._result) };
}
