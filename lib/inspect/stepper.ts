/**
 * LoopStepper: `loop.runUntilComplete(main)` taken apart, so that a person
 * (or the playground) can run the loop one callback at a time and look at
 * it between any two callbacks.
 *
 * It performs exactly the iteration EventLoop performs (CPython's
 * `_run_once`, see lib/loop.ts), with the same internals in the same order:
 *   1. `_readyToRun()` drops cancelled timers from the top of the heap;
 *   2. when nothing is ready, the virtual clock jumps to the next deadline
 *      (`_nextDeadline()`, `advanceTo`), or the run fails with the loop's
 *      own `deadlock:` report when there is none;
 *   3. due timers move to the ready deque;
 *   4. the callbacks in the deque now form this iteration's batch; they run
 *      one per `step()`. Callbacks they schedule wait for the next iteration.
 * Instruments see the same hooks as under the loop's own drivers, so a
 * Tracer records the same events, and `spec/inspect/stepper.spec.ts` checks
 * that both give the same trace.
 *
 * Only the virtual clock can be stepped: between two steps no real time
 * exists for the loop, and host I/O or worker threads could not be waited for.
 */
import { Future } from '../futures';
import { ensureFuture, type Awaitable } from '../tasks';
import { _getRunningLoop, _setRunningLoop } from '../events';
import { RuntimeError } from '../exceptions';
import type { Handle, TimerHandle } from '../handles';
import type { EventLoop } from '../loop';

/** What one `step()` did. */
export type StepEvent =
  | {
      /** An iteration began and changed something visible: the clock jumped or timers came due. */
      kind: 'iteration';
      /** Iterations begun so far, this one included (1 for the first). */
      iteration: number;
      /** Seconds of loop time the clock jumped (0 when it did not wait). */
      waited: number;
      /** How many timers came due and moved to the ready deque. */
      due: number;
      /** How many callbacks this iteration will run (its batch, cancelled ones included). */
      batch: number;
    }
  | {
      /** One callback of the current batch ran. */
      kind: 'callback';
      iteration: number;
      /** The callback that ran (its description: `loop.snapshot()` words, or `String(handle)`). */
      handle: Handle;
      /** Its place in the batch, from 1. */
      index: number;
      batch: number;
    }
  | {
      /** The run is over: `main` is done (see `result()`), or it failed (see `error`). */
      kind: 'finished';
      iteration: number;
    };

function runUntilCompleteCallback(fut: Future<unknown>): void {
  fut._loop.stop(); // runUntilComplete's own done callback: end the run after this iteration
}

/**
 * Runs `main` on a loop with a virtual clock the way `loop.runUntilComplete`
 * does, one callback per `step()` (tulip's own; the playground's engine).
 * While a stepper is not finished its loop counts as running, as under a
 * debugger paused between two callbacks.
 * @example
 * const loop = new EventLoop({ clock: 'virtual' });
 * const stepper = new LoopStepper(loop, main());
 * while (stepper.step().kind !== 'finished') console.log(loop.snapshot().ready);
 * console.log(stepper.result());
 * loop.close();
 */
export class LoopStepper<T> {
  /** The Future the run waits for (a Task, when `main` was a coroutine). */
  readonly future: Future<T>;
  /** Iterations begun so far. */
  iteration = 0;
  /** Callbacks run so far (cancelled ones, which the loop skips, are not counted). */
  callbacks = 0;
  /** What ended the run when it failed (a `deadlock:` RuntimeError), else undefined. */
  error: unknown = undefined;
  private _batch = 0;
  private _left = 0;
  private _finished = false;
  private readonly _newTask: boolean;

  constructor(readonly loop: EventLoop, main: Awaitable<T>) {
    loop._checkClosed();
    if (loop._clock.advanceTo === undefined) {
      throw new TypeError("LoopStepper needs a loop with a virtual clock: new EventLoop({ clock: 'virtual' })");
    }
    // The same refusals as runUntilComplete's.
    if (loop._running) throw new RuntimeError('This event loop is already running');
    if (_getRunningLoop() !== null) throw new RuntimeError('Cannot run the event loop while another loop is running');
    this._newTask = !(main instanceof Future);
    this.future = ensureFuture(main, { loop });
    this.future.addDoneCallback(runUntilCompleteCallback);
    loop._awaiting = this.future;
    loop._running = true;
  }

  /** True once the run is over: `main` is done, or the run failed. */
  get finished(): boolean {
    return this._finished;
  }

  /** Callbacks of the current iteration's batch not yet run (0 between iterations). */
  get left(): number {
    return this._left;
  }

  /** The size of the current iteration's batch. */
  get batch(): number {
    return this._batch;
  }

  /**
   * Runs the next callback. Between iterations it first begins the next
   * iteration (steps 1–3); when that moved the clock or brought timers due,
   * the step stops there, so the change can be seen before anything runs.
   * The deadlock RuntimeError of the loop's driver is thrown from here.
   */
  step(): StepEvent {
    for (;;) {
      if (this._finished) return { kind: 'finished', iteration: this.iteration };
      if (this._left === 0) {
        const began = this._beginIteration();
        if (began !== null) return began;
        continue;
      }
      const event = this._runOne();
      if (event !== null) return event; // else it was a cancelled callback: the loop skips those
    }
  }

  /** Runs the rest of the current iteration, or a whole iteration when between two; returns the events. */
  stepIteration(): StepEvent[] {
    const events: StepEvent[] = [this.step()];
    while (!this._finished && this._left > 0) events.push(this.step());
    return events;
  }

  /**
   * Steps until the run is over, at most `maxSteps` steps; returns how many
   * it took. Throws RuntimeError when the budget runs out first.
   */
  runUntilComplete(maxSteps = Infinity): number {
    let steps = 0;
    while (!this._finished) {
      if (steps >= maxSteps) throw new RuntimeError(`the run took more than ${maxSteps} steps and is not over`);
      this.step();
      steps++;
    }
    return steps;
  }

  /** What `loop.runUntilComplete(main)` returns (or throws) once finished. */
  result(): T {
    if (this.error !== undefined) throw this.error;
    if (!this._finished) throw new RuntimeError('the run is not over yet: step() until finished');
    if (!this.future.done()) throw new RuntimeError('Event loop stopped before Future completed.');
    return this.future.result();
  }

  /** Ends the run where it is (the loop stops counting as running); harmless once finished. */
  close(): void {
    if (!this._finished) this._finish(undefined);
  }

  /** Steps 1–3. Returns the iteration event when it changed something visible, else null. */
  private _beginIteration(): StepEvent | null {
    const loop = this.loop;
    this.iteration++;
    let waited = 0;
    try {
      if (!loop._readyToRun()) waited = this._waitVirtual(loop._nextDeadline());
    } catch (e) {
      this._finish(e);
      throw e;
    }
    // Step 3: due timers go to the ready deque (an iteration's end is now, on a virtual clock).
    const heap = loop._scheduled;
    const ready = loop._ready;
    const end = loop.time() + loop._clockResolution;
    let due = 0;
    let top: TimerHandle | undefined;
    while ((top = heap.peek()) !== undefined && top._when <= end) {
      heap.pop();
      top._scheduled = false;
      if (top._cancelled) loop._timerCancelledCount--;
      else {
        ready.push(top);
        due++;
      }
    }
    // Step 4's batch: only what is ready now.
    const n = ready.length;
    if (loop._random !== null && n > 1) {
      // Seeded scheduling: the loop's own Fisher–Yates permutation of the batch.
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(loop._random() * (i + 1));
        if (j !== i) ready.swap(i, j);
      }
    }
    this._batch = this._left = n;
    if (n === 0) this._endIteration();
    if (waited > 0 || due > 0) return { kind: 'iteration', iteration: this.iteration, waited, due, batch: n };
    return null;
  }

  /** Step 2 on a virtual clock: jump to the deadline; none at all is a deadlock. Returns the seconds jumped. */
  private _waitVirtual(deadline: number | null): number {
    const loop = this.loop;
    if (loop._hostWaits > 0 || loop._waitSources.size > 0) {
      throw new RuntimeError('LoopStepper cannot wait for host I/O or worker threads: step only programs that use the virtual clock alone');
    }
    if (deadline === null) throw new RuntimeError(loop._describeDeadlock());
    const t0 = loop.time();
    if (loop._instrumented) loop._emit('beforeWait', Math.max(0, deadline - t0));
    (loop._clock.advanceTo as (when: number) => void)(deadline);
    const waited = loop.time() - t0;
    if (loop._instrumented) loop._emit('afterWait', waited);
    return waited;
  }

  /** One callback of the batch (cancelled ones are skipped, as the loop skips them); null when none ran. */
  private _runOne(): StepEvent | null {
    const loop = this.loop;
    let event: StepEvent | null = null;
    const handle = loop._ready.shift() as Handle;
    this._left--;
    if (!handle._cancelled) {
      _setRunningLoop(loop);
      try {
        if (loop._instrumented) loop._emit('beforeCallback', handle);
        handle._run(); // errors never escape a callback: Handle._run hands them to the exception handler
        if (loop._instrumented) loop._emit('afterCallback', handle);
      } finally {
        _setRunningLoop(null);
      }
      this.callbacks++;
      event = { kind: 'callback', iteration: this.iteration, handle, index: this._batch - this._left, batch: this._batch };
    }
    if (this._left === 0) this._endIteration();
    return event;
  }

  /** The end of an iteration: the run is over when something called `stop()` (main's done callback does). */
  private _endIteration(): void {
    if (this.loop._stopping) this._finish(undefined);
  }

  private _finish(error: unknown): void {
    const loop = this.loop;
    this._finished = true;
    this.error = error;
    loop._stopping = false;
    loop._running = false;
    loop._awaiting = null;
    this.future.removeDoneCallback(runUntilCompleteCallback);
    // As runUntilComplete: nobody else can reach a task made here, so its exception counts as read.
    if (error !== undefined && this._newTask && this.future.done() && !this.future.cancelled()) this.future.exception();
  }
}
