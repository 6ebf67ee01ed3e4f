/**
 * One run of a learner's program, inside the worker: a loop on the virtual
 * clock, a Tracer attached to it, and a LoopStepper that runs `main()` the
 * way `loop.runUntilComplete` would, one callback at a time. After each
 * command, `view()` reads the runtime — `loop.snapshot()`, the Tracer's
 * events, the tasks and their futures — into plain data for the page.
 */
import * as asyncio from '../../lib/browser';
import { DefaultEventLoopPolicy, EventLoop, Future, LoopStepper, Task, Tracer, gather, getEventLoopPolicy, setEventLoopPolicy } from '../../lib/browser';
import type { StepEvent, TraceEvent } from '../../lib/browser';
import { sentence } from '../../lib/inspect/render-text';
import { formatTime } from '../../lib/inspect/describe';
import { callableName, repr } from '../../lib/repr';
import type { Command, ConsoleLine, FutureView, ProgramError, TaskView, View } from './protocol';

/** Steps a run may take before the playground stops it (a program that never ends). */
export const STEP_BUDGET = 20_000;
/** The trace lines a view carries (the latest ones). */
const TRACE_LINES = 400;
/** `new Function` puts the body on line 3 of its source; "use strict" takes one more. */
const LINE_OFFSET = 3;

/** Where in the learner's program an error was thrown (from its stack), if there. */
export function programLocation(error: unknown): { line: number; column: number } | null {
  const stack = error instanceof Error ? String(error.stack) : '';
  const m = /program\.js:(\d+):(\d+)/.exec(stack);
  if (m === null) return null;
  return { line: Math.max(1, Number(m[1]) - LINE_OFFSET), column: Number(m[2]) };
}

/** `program.js:17:30` (where a `coroutine()` call was made) in the learner's terms: `line 14, column 30`. */
function programPlace(at: string): string {
  const m = /program\.js:(\d+):(\d+)$/.exec(at);
  return m === null ? at : `line ${Math.max(1, Number(m[1]) - LINE_OFFSET)}, column ${m[2]}`;
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : `thrown: ${repr(e)}`;
}

/** console.log's way of joining arguments: strings as they are, anything else as its repr. */
function format(args: unknown[]): string {
  return args.map((a) => (typeof a === 'string' ? a : repr(a))).join(' ');
}

/** The task ids an event is about (for a task's own lines of the trace). */
function mentions(e: TraceEvent): number[] {
  const ids: number[] = [];
  if ('task' in e) ids.push(e.task.id);
  if ((e.type === 'taskCreated' || e.type === 'futureDone' || e.type === 'timerScheduled') && e.by !== null) ids.push(e.by.id);
  return ids;
}

export class Session {
  readonly loop = new EventLoop({ clock: 'virtual', debug: true });
  readonly tracer = new Tracer();
  /** main()'s task, once the program is loaded. */
  private main: Task<unknown> | null = null;
  /** The run being stepped: main(), then asyncio.run()'s shutdown (cancelling what is left). */
  private stepper: LoopStepper<unknown> | null = null;
  private phase: 'main' | 'shutdown' | 'over' = 'over';
  /** Every task of the run, in creation order, with the Tracer's id for it. */
  private readonly tasks: { task: Task<unknown>; id: number }[] = [];
  private readonly console: ConsoleLine[] = [];
  private readonly trace: string[] = [];
  private readonly taskTrace = new Map<number, string[]>();
  private traced = 0; // events of the tracer already narrated
  private lastStep: string[] = [];
  private steps = 0;
  /** Iterations and callbacks of the runs before the current one (main's, when the shutdown runs). */
  private pastIterations = 0;
  private pastCallbacks = 0;
  private error: ProgramError | null = null;

  /** `onPrint` hears each console line at once (the page shows it even if the next step never ends); `budget`: the steps a run may take. */
  constructor(
    source: string,
    private readonly onPrint: (line: ConsoleLine) => void = () => undefined,
    private readonly budget = STEP_BUDGET,
  ) {
    const loop = this.loop;
    loop.addInstrument(this.tracer);
    const tracer = this.tracer;
    const tasks = this.tasks;
    loop.addInstrument({
      // After the Tracer's own hook: its last event is this task's taskCreated, with its id.
      taskCreated(task) {
        const e = tracer.events[tracer.events.length - 1];
        tasks.push({ task, id: e !== undefined && e.type === 'taskCreated' ? e.task.id : -1 });
      },
    });
    loop.setExceptionHandler((_loop, context) => {
      const exc = context.exception !== undefined ? `: ${describeError(context.exception)}` : '';
      this.print('error', [`${context.message}${exc}`]);
    });
    // While the program's top-level code runs, this loop is the current one (so `new Future()` there gets it).
    const previous = getEventLoopPolicy();
    const policy = new DefaultEventLoopPolicy();
    policy.setEventLoop(loop);
    setEventLoopPolicy(policy);
    try {
      this.load(source);
    } finally {
      setEventLoopPolicy(previous);
    }
    this.lastStep = this.narrateNew();
  }

  /** Evaluates the program and starts the run of its main() (as asyncio.run would). */
  private load(source: string): void {
    let factory: (api: typeof asyncio, console: Pick<Console, 'log' | 'info' | 'warn' | 'error' | 'debug'>) => unknown;
    try {
      factory = new Function(
        'asyncio',
        'console',
        `"use strict";\n${source}\n;return typeof main === "function" ? main : undefined;\n//# sourceURL=program.js`,
      ) as typeof factory;
    } catch (e) {
      // The line is found by the page (a SyntaxError from new Function carries none).
      this.error = { kind: 'syntax', message: describeError(e) };
      return;
    }
    const print = (level: ConsoleLine['level']) => (...args: unknown[]) => this.print(level, args);
    try {
      const main = factory(asyncio, { log: print('log'), info: print('log'), debug: print('log'), warn: print('warn'), error: print('error') });
      if (typeof main !== 'function') {
        this.error = { kind: 'setup', message: 'The program defines no main(). Write `function* main() { … }`: the playground runs main() as asyncio.run(main()) would.' };
        return;
      }
      const coro = (main as () => unknown)();
      try {
        this.main = this.loop.createTask(coro as asyncio.Coroutine<unknown>, { name: 'main' });
      } catch (e) {
        this.error = { kind: 'setup', message: `main() must be a generator function (function* main), so that main() is a coroutine: ${describeError(e)}` };
        return;
      }
      this.stepper = new LoopStepper(this.loop, this.main);
      this.phase = 'main';
    } catch (e) {
      this.error = { kind: 'exception', message: describeError(e), ...programLocation(e) };
    }
  }

  private print(level: ConsoleLine['level'], args: unknown[]): void {
    const line: ConsoleLine = { time: this.loop.time(), text: format(args), level };
    this.console.push(line);
    this.onPrint(line);
  }

  /** The run is over: main() and asyncio.run()'s shutdown are done, or the run failed. */
  get over(): boolean {
    return this.phase === 'over';
  }

  /** Runs a command (not 'load': a new program is a new Session). */
  command(cmd: Command): void {
    if (this.stepper === null || this.phase === 'over') return;
    const heads: string[] = [];
    try {
      if (cmd.type === 'step') heads.push(this.step());
      else if (cmd.type === 'iteration') {
        do heads.push(this.step());
        while (!this.over && (this.stepper as LoopStepper<unknown>).left > 0);
      } else if (cmd.type === 'run') {
        for (let i = 0; i < cmd.steps && !this.over; i++) heads.push(this.step());
      }
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const kind = (e as { budget?: boolean }).budget ? 'budget' : message.startsWith('deadlock:') ? 'deadlock' : 'exception';
      this.error = { kind, message };
      this.phase = 'over';
    }
    this.lastStep = [...heads.slice(-3), ...this.narrateNew().slice(-40)];
  }

  /** One step of the current run; at its end, the next phase. Returns the step's headline. */
  private step(): string {
    const stepper = this.stepper as LoopStepper<unknown>;
    if (this.steps >= this.budget) {
      stepper.close();
      throw Object.assign(new Error(`The run was stopped after ${this.budget} steps and is not over: does a loop in the program never end?`), { budget: true });
    }
    this.steps++;
    const head = headline(stepper.step());
    if (!stepper.finished) return head;
    if (this.phase === 'main') {
      const main = this.main as Task<unknown>;
      if (!main.cancelled() && main.exception() !== null) {
        const exc = main.exception();
        this.error = { kind: 'exception', message: `main() raised ${describeError(exc)}`, ...programLocation(exc) };
      }
      // asyncio.run(): cancel the tasks still pending and run the loop until they are done (CPython's _cancel_all_tasks).
      const left = this.tasks.map(({ task }) => task).filter((t) => !t.done());
      if (left.length > 0) {
        for (const t of left) t.cancel();
        this.pastIterations += stepper.iteration;
        this.pastCallbacks += stepper.callbacks;
        this.stepper = new LoopStepper(this.loop, gather(left, { returnExceptions: true }));
        this.phase = 'shutdown';
        return `${head}\n▶ main() is done: asyncio.run() now cancels the ${left.length} task${left.length === 1 ? '' : 's'} still pending and runs the loop until they finish`;
      }
    }
    this.phase = 'over';
    this.loop.close(); // reports what nobody retrieved, as asyncio.run's loop.close() does
    return head;
  }

  /** Narrates the Tracer's events recorded since the last call; returns the new lines. */
  private narrateNew(): string[] {
    const events = this.tracer.events;
    const lines: string[] = [];
    for (; this.traced < events.length; this.traced++) {
      const e = events[this.traced];
      const s = sentence(e);
      if (s === null) continue;
      const line = `${formatTime(e.time)} ${s}`;
      lines.push(line);
      for (const id of mentions(e)) {
        let own = this.taskTrace.get(id);
        if (own === undefined) this.taskTrace.set(id, (own = []));
        if (own[own.length - 1] !== line) own.push(line);
      }
    }
    this.trace.push(...lines);
    return lines;
  }

  /** The loop, read off the runtime. */
  view(): View {
    const loop = this.loop;
    const stepper = this.stepper;
    const snap = loop.snapshot();
    // The first `left` callbacks of the deque are this iteration's batch (cancelled ones are not shown, as in the snapshot).
    let now = 0;
    const left = stepper?.left ?? 0;
    for (let i = 0; i < left; i++) if (!loop._ready.at(i)?._cancelled) now++;
    const byName = new Map<string, asyncio.SnapshotTask[]>();
    for (const t of snap.tasks) {
      const list = byName.get(t.name);
      if (list === undefined) byName.set(t.name, [t]);
      else list.push(t);
    }
    const tasks: TaskView[] = this.tasks.map(({ task, id }) => {
      const trace = (this.taskTrace.get(id) ?? []).slice(-100);
      if (task.done()) return { id, name: task.getName(), state: 'done', waitingOn: null, stack: [], outcome: outcomeOf(task), trace };
      const s = byName.get(task.getName())?.shift(); // the snapshot lists unfinished tasks in creation order too
      const stack = (s?.stack ?? []).map((f) => ({ name: f.name, calledAt: f.calledAt === null ? null : programPlace(f.calledAt) }));
      return { id, name: task.getName(), state: s?.state ?? 'waiting', waitingOn: s?.waitingOn ?? null, stack, outcome: null, trace };
    });
    const main = this.main;
    let outcome: string | null = null;
    if (main !== null && main.done() && this.phase === 'over') {
      outcome = `main() ${main.cancelled() ? 'was cancelled' : main.exception() !== null ? `raised ${describeError(main.exception())}` : `returned ${repr(main.result())}`}`;
    }
    return {
      loaded: stepper !== null,
      finished: this.phase === 'over',
      time: loop.time(),
      iteration: this.pastIterations + (stepper?.iteration ?? 0),
      batch: stepper?.batch ?? 0,
      left,
      callbacks: this.pastCallbacks + (stepper?.callbacks ?? 0),
      steps: this.steps,
      lastStep: this.lastStep,
      ready: snap.ready.map((text, i) => ({ text, now: i < now })),
      timers: snap.timers.map((t) => ({ when: t.when, text: t.description })),
      tasks,
      futures: this.futures(snap.tasks),
      console: this.console.slice(-500),
      trace: this.trace.slice(-TRACE_LINES),
      traceOmitted: Math.max(0, this.trace.length - TRACE_LINES),
      svg: this.tracer.toSVG({ columnWidth: 14 }),
      outcome,
      error: this.error,
    };
  }

  /** The pending futures the tasks wait on (and the futures those wait on), and the tasks others wait on, with their done callbacks. */
  private futures(snapTasks: readonly asyncio.SnapshotTask[]): FutureView[] {
    const live = this.tasks.filter(({ task }) => !task.done()).map(({ task }) => task);
    const waitText = new Map<Future<unknown>, string>();
    const queue: Future<unknown>[] = [];
    const byName = new Map(snapTasks.map((t) => [t.name, t.waitingOn]));
    for (const task of live) {
      const f = task._futWaiter;
      if (f !== null && !f.done()) {
        waitText.set(f, byName.get(task.getName()) ?? String(f));
        queue.push(f);
      }
    }
    const seen = new Set<Future<unknown>>();
    const parentOf = new Map<Future<unknown>, string>(); // a child of gather/wait/… → the parent's label
    const out: FutureView[] = [];
    const label = (f: Future<unknown>) => (f instanceof Task ? `Task '${f.getName()}'` : (waitText.get(f) ?? String(f)));
    for (let i = 0; i < queue.length; i++) {
      const f = queue[i];
      if (seen.has(f)) continue;
      seen.add(f);
      for (const child of f._waitInfo?.children ?? []) {
        if (child.done()) continue;
        queue.push(child);
        if (!parentOf.has(child)) parentOf.set(child, label(f));
      }
      const awaitedBy = live.filter((t) => t._futWaiter === f).map((t) => t.getName());
      out.push({ label: label(f), awaitedBy, callbacks: doneCallbacks(f, parentOf.get(f)) });
    }
    // Tasks nobody awaits directly but that have callbacks (the run's own, gather's, …).
    for (const task of live) {
      if (seen.has(task)) continue;
      const callbacks = doneCallbacks(task, parentOf.get(task));
      if (callbacks.length > 0) out.push({ label: `Task '${task.getName()}'`, awaitedBy: [], callbacks });
    }
    return out;
  }
}

/**
 * A future's done callbacks in order: a task awaiting it (registered as
 * itself) by the task's name, anything else by its function's name (and,
 * for a child of gather/wait/…, whose callback it is).
 */
function doneCallbacks(f: Future<unknown>, parent: string | undefined): string[] {
  const out: string[] = [];
  for (const cb of [f._callback0, ...(f._callbacks ?? []).map(([c]) => c)]) {
    if (cb === null) continue;
    if (cb instanceof Task) out.push(`wake Task '${cb.getName()}'`);
    else out.push(`${callableName(cb)}${parent !== undefined ? ` (of ${parent})` : ''}`);
  }
  return out;
}

/** A done task's outcome, the way the trace words it. */
function outcomeOf(task: Task<unknown>): string {
  if (task.cancelled()) return 'cancelled';
  const exc = task.exception();
  return exc !== null ? `exception ${describeError(exc)}` : `result ${repr(task.result())}`;
}

/** One line about a step: what the stepper did. */
function headline(e: StepEvent): string {
  if (e.kind === 'iteration') {
    const jump = e.waited > 0 ? `the clock jumped ${e.waited.toFixed(3)} s; ` : '';
    return `▶ iteration ${e.iteration} begins: ${jump}${e.due} timer${e.due === 1 ? '' : 's'} came due; ${e.batch} callback${e.batch === 1 ? '' : 's'} to run`;
  }
  if (e.kind === 'callback') return `▶ iteration ${e.iteration}, callback ${e.index} of ${e.batch}`;
  return '▶ the run is over';
}
