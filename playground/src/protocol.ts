/**
 * What the page and the worker say to each other. The page sends one
 * command at a time and waits for the answer: a View, a plain-data picture
 * of the loop after the command. Everything in a View was read off the
 * runtime — `loop.snapshot()`, the Tracer's events, the tasks and futures
 * themselves — never computed from a model of the loop of the page's own.
 */
import type { TaskState } from '../../lib/browser';

/** Page → worker. */
export type Command =
  /** Evaluate a program and make its `main()` the run (like `asyncio.run(main())`). */
  | { type: 'load'; source: string }
  /** One callback (or the start of an iteration that moves the clock): LoopStepper.step(). */
  | { type: 'step' }
  /** The rest of this iteration, or a whole one: LoopStepper.stepIteration(). */
  | { type: 'iteration' }
  /** Up to `steps` steps (the Run button), stopping early when the run is over. */
  | { type: 'run'; steps: number };

/** A program that went wrong, as the page tells it. */
export interface ProgramError {
  kind:
    | 'syntax' // the source does not parse
    | 'setup' // no `function* main()`, or main() is not a coroutine
    | 'exception' // main() raised (the library's own errors included)
    | 'deadlock' // the loop's deadlock report
    | 'budget' // too many steps without finishing
    | 'frozen'; // a callback never gave the loop back (the page's watchdog)
  message: string;
  /** Line and column in the learner's program, when known (from 1). */
  line?: number;
  column?: number;
}

/** A ready callback (`loop.snapshot().ready`), and whether it runs in this iteration or the next. */
export interface ReadyView {
  text: string;
  /** In the current iteration's batch (true), or scheduled by it for the next one (false). */
  now: boolean;
}

/** A timer of the heap (`loop.snapshot().timers`), in firing order. */
export interface TimerView {
  when: number;
  text: string;
}

/** A task: its snapshot while unfinished, its outcome once done, and its own lines of the trace. */
export interface TaskView {
  /** The Tracer's id for it. */
  id: number;
  name: string;
  state: TaskState;
  waitingOn: string | null;
  /** `task.getStack()`: its frames, outermost first. */
  stack: { name: string; calledAt: string | null }[];
  /** `result 'x'`, `exception TypeError: …` or `cancelled`, once done. */
  outcome: string | null;
  /** The trace lines about this task, narrated (`t=1.000 Task 'a' resumes: …`). */
  trace: string[];
}

/** A pending Future someone waits on, with its done callbacks. */
export interface FutureView {
  label: string;
  /** Who awaits it (task names). */
  awaitedBy: string[];
  /** Its done callbacks, in the order they will be scheduled: `wake Task 'a'`, `_onChildDone`, … */
  callbacks: string[];
}

/** A line the program printed (or the loop's exception handler reported). */
export interface ConsoleLine {
  time: number;
  text: string;
  level: 'log' | 'warn' | 'error';
}

/** Worker → page: it is up (and what the library it runs programs with exports); a console line as it is printed; the View that answers a command. */
export type Reply = { type: 'ready'; exports: string[] } | { type: 'print'; line: ConsoleLine } | { type: 'view'; view: View };

/** The loop after a command. */
export interface View {
  /** A program is loaded and its run can be stepped. */
  loaded: boolean;
  /** The run is over (main is done, or the run failed). */
  finished: boolean;
  time: number;
  /** Iterations begun (LoopStepper.iteration). */
  iteration: number;
  /** The current iteration's batch size, and how many of it are left to run. */
  batch: number;
  left: number;
  /** Callbacks run so far, and steps taken. */
  callbacks: number;
  steps: number;
  /** What the last command did, in the Tracer's words. */
  lastStep: string[];
  ready: ReadyView[];
  timers: TimerView[];
  tasks: TaskView[];
  futures: FutureView[];
  console: ConsoleLine[];
  /** The whole trace so far, narrated (the last lines, when it is long). */
  trace: string[];
  /** Lines of the trace left out at the top of `trace`. */
  traceOmitted: number;
  /** The Tracer's SVG timeline. */
  svg: string;
  /** `main() returned 'x'` once it did. */
  outcome: string | null;
  error: ProgramError | null;
}
