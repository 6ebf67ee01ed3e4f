/**
 * The typed event stream a Tracer records. Every event has a sequence
 * number (its place in the stream) and the loop time it happened at; tasks
 * and futures are named by small ids the Tracer hands out, so the stream is
 * plain data: it can be filtered, asserted on, saved as JSON and rendered.
 */

/** A task as the trace names it: an id unique within the Tracer, and its name at the time. */
export interface TaskRef {
  id: number;
  name: string;
}

/** A future as the trace names it: `Task 'b'` for a task, else its kind and id (`Future #3`, `gather #4`). */
export interface FutureRef {
  id: number;
  label: string;
}

/** How a future (or a task) ended. */
export type Outcome = 'result' | 'exception' | 'cancelled';

/** Why a task's step runs. */
export type StepCause =
  /** Its first step. */
  | { kind: 'start' }
  /** The step after a bare `yield` (`sleep(0)`). */
  | { kind: 'yield' }
  /** A mistake it yielded (`yield fut` without the star…) is thrown back into it. */
  | { kind: 'throw' }
  /** The tracer did not see why (it was attached while the task was suspended). */
  | { kind: 'resume' }
  /**
   * The future it awaited is done: the wake-up edge. `by` is the task that
   * completed the future (null: a plain callback, named in `callback`, or
   * code outside the loop); `doneSeq` is the `futureDone` event (-1 if the
   * future was done before the tracer was attached).
   */
  | {
      kind: 'wakeup';
      future: FutureRef;
      outcome: Outcome;
      value: string;
      by: TaskRef | null;
      callback: string | null;
      doneSeq: number;
      /** The future was a timer's (a sleep), due at this time. */
      sleepUntil: number | null;
    };

/** What every trace event has (exported as `TraceEventBase`). */
export interface Base {
  /** Position in the stream: from 0, and still counting after `clear()`. */
  seq: number;
  /** Loop time, in seconds. */
  time: number;
}

/** What a task did when its step ended. */
export type StepAction = 'await' | 'sleep' | 'yield' | 'done' | 'error';

/**
 * An async generator's side of an await: a task asks it (`anext`, `asend`,
 * `athrow`, `aclose`), then it answers — a `value` it emitted, `stop`
 * (exhausted: StopAsyncIteration), `closed`, or an `error`.
 */
export type AsyncGenAction = 'anext' | 'asend' | 'athrow' | 'aclose' | 'value' | 'stop' | 'closed' | 'error';

/** One event of the trace. */
export type TraceEvent =
  | (Base & { type: 'taskCreated'; task: TaskRef; by: TaskRef | null })
  /** A step of the task went into the ready queue: its first, after a bare yield, a wake-up, or a thrown mistake. */
  | (Base & { type: 'taskScheduled'; task: TaskRef; reason: 'step' | 'wakeup' | 'throw' })
  | (Base & { type: 'stepStart'; task: TaskRef; cause: StepCause })
  /**
   * The step is over: the task awaits `future`, sleeps `until`, yielded,
   * finished, or made a mistake. `inside`: the async generator await it is
   * in, if any (`anext() of async generator 'ticker'`).
   */
  | (Base & { type: 'stepEnd'; task: TaskRef; action: StepAction; future: FutureRef | null; until: number | null; inside?: string })
  /** An async generator is asked for something by `task`, or answers it (`value`: what it emitted, or the error). */
  | (Base & { type: 'asyncgen'; task: TaskRef; generator: string; action: AsyncGenAction; value: string })
  | (Base & { type: 'taskDone'; task: TaskRef; outcome: Outcome; value: string })
  /** A future someone waits for is done (seen when its done callbacks are scheduled). */
  | (Base & { type: 'futureDone'; future: FutureRef; outcome: Outcome; value: string; by: TaskRef | null; callback: string | null })
  /** A plain callback (not a task's step) starts; `timer` if it came from the heap. */
  | (Base & { type: 'callback'; callback: string; timer: boolean })
  | (Base & { type: 'callbackEnd'; callback: string })
  | (Base & { type: 'timerScheduled'; when: number; callback: string; by: TaskRef | null })
  /** The loop goes idle for at most `timeout` seconds (null: no limit). */
  | (Base & { type: 'wait'; timeout: number | null })
  /** The loop is awake again after `waited` seconds; `virtual` if its clock jumped rather than waited. */
  | (Base & { type: 'waited'; waited: number; virtual: boolean });

/** The `type` of a TraceEvent. */
export type TraceEventType = TraceEvent['type'];
