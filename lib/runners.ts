/**
 * Running a program (CPython: runners.py): `run` / `runSync` make a loop,
 * run the main coroutine as a Task, then clean up — cancel every task still
 * pending and let it finish, close the async generators left unfinished,
 * shut the default executor down, close the loop.
 */
import { CancelledError, KeyboardInterrupt, RuntimeError } from './exceptions';
import { _getRunningLoop, getEventLoopPolicy, setEventLoop } from './events';
import { isCoroutine, type CoroutineCall } from './coroutines';
import type { Coroutine, Future } from './futures';
import type { EventLoop, EventLoopOptions } from './loop';
import type { Task } from './tasks';
import { callableName, repr } from './repr';
import { checkOptions } from './options';
import { THREAD_JOIN_TIMEOUT } from './executor-shutdown';
import { copyContext, type Context } from './contextvars';
import './asyncgen-hooks'; // loop.shutdownAsyncgens()

/** Options of `run`, `runSync` and `Runner`. */
export interface RunOptions {
  debug?: boolean;
  /** `'real'` (default) or `'virtual'`. */
  clock?: EventLoopOptions['clock'];
  /** Seed for seeded scheduling. */
  shuffle?: number | null;
  /** Makes the loop instead of the policy (then it is not made the current loop). */
  loopFactory?: () => EventLoop;
}

const RUN_OPTIONS: readonly (keyof RunOptions)[] = ['debug', 'clock', 'shuffle', 'loopFactory'];

/** What `run`, `runSync` and `Runner` take: a coroutine, or a call of a `coroutine()` function. */
export type Main<T> = Coroutine<T> | CoroutineCall<T>;

function checkMain(main: unknown, api: string): void {
  if (isCoroutine(main)) return;
  if (typeof main === 'function') {
    const name = callableName(main);
    throw new TypeError(`${api}() needs a coroutine, got the function ${name} itself: call it, ${api}(${name}())`);
  }
  throw new TypeError(`a coroutine was expected, got ${repr(main)}`);
}

/** A future done once every task in `tasks` is done (gather with returnExceptions, minus the results). */
function allDone(loop: EventLoop, tasks: Task<unknown>[]): Future<void> {
  const done = loop.createFuture<void>();
  let left = tasks.length;
  const one = () => {
    if (--left === 0 && !done.done()) done.setResult(undefined);
  };
  for (const t of tasks) t.addDoneCallback(one);
  return done;
}

/** @internal How one run hears of Ctrl-C (lib/sigint.ts): the SIGINTs so far, and the removal of its listener. */
export interface SigintGuard {
  interrupts: number;
  remove(): void;
}

/** Options of `Runner.run` and `Runner.runSync`. */
export interface RunnerRunOptions {
  /** The Context the main task runs in (default: the runner's own, the same for every call). */
  context?: Context | null;
}

/**
 * asyncio.Runner: one loop for several top-level calls, closed by `close()`.
 * Every call's main task runs in the runner's one Context (copied from the
 * current context when the runner first makes its loop), so what one call's
 * main task sets in its ContextVars the next call sees — as in CPython 3.11+.
 * @example
 * const runner = new Runner({ clock: 'virtual' });
 * runner.runSync(setup());
 * runner.runSync(main());
 * runner.close();
 */
export class Runner {
  /**
   * @internal Set by lib/sigint.ts (Node only): makes Ctrl-C cancel the main
   * task during `run()`, or returns null where it must not (see there).
   */
  static _interruptOnSigint: ((mainTask: Task<unknown>) => SigintGuard | null) | null = null;

  private state: 'created' | 'initialized' | 'closed' = 'created';
  private loop: EventLoop | null = null;
  private setEventLoopCalled = false;
  private context: Context | null = null;

  constructor(private readonly options: RunOptions = {}) {
    checkOptions<RunOptions>('Runner', options, RUN_OPTIONS);
  }

  /** The runner's loop (created on first use). */
  getLoop(): EventLoop {
    return this.lazyInit();
  }

  /**
   * Runs `coro` to completion on the async driver (needed for real I/O).
   * Ctrl-C cancels it; once it has cleaned up, the run fails with
   * `KeyboardInterrupt` (CPython's Runner; lib/sigint.ts).
   */
  async run<T>(coro: Main<T>, options: RunnerRunOptions = {}): Promise<T> {
    checkMain(coro, 'run');
    const { context } = checkOptions<RunnerRunOptions>('Runner.run', options, ['context']);
    if (_getRunningLoop() !== null) throw new RuntimeError('Runner.run() cannot be called from a running event loop');
    const loop = this.lazyInit();
    const task = loop.createTask(coro, { context: context ?? this.context });
    const sigint = Runner._interruptOnSigint?.(task) ?? null;
    try {
      return await loop.runUntilCompleteAsync(task);
    } catch (error) {
      // Cancelled by Ctrl-C, and by nothing else: the run was interrupted.
      if (sigint !== null && sigint.interrupts > 0 && error instanceof CancelledError && task.uncancel() === 0) throw new KeyboardInterrupt(undefined, { cause: error });
      throw error;
    } finally {
      sigint?.remove();
    }
  }

  /** Runs `coro` to completion on the synchronous driver. */
  runSync<T>(coro: Main<T>, options: RunnerRunOptions = {}): T {
    checkMain(coro, 'runSync');
    if (_getRunningLoop() !== null) throw new RuntimeError('Runner.runSync() cannot be called from a running event loop');
    const loop = this.lazyInit();
    return loop.runUntilComplete(loop.createTask(coro, { context: checkOptions<RunnerRunOptions>('Runner.runSync', options, ['context']).context ?? this.context }));
  }

  /** Cancels what is left, closes unfinished async generators, shuts the executor down and closes the loop (synchronous driver). */
  close(): void {
    if (this.state !== 'initialized') {
      this.state = 'closed';
      return;
    }
    const loop = this.loop as EventLoop;
    try {
      const left = this.cancelAll(loop);
      if (left.length > 0) loop.runUntilComplete(allDone(loop, left));
      this.reportFailures(loop, left);
      loop.runUntilComplete(loop.shutdownAsyncgens());
      loop.runUntilComplete(loop.shutdownDefaultExecutor(THREAD_JOIN_TIMEOUT));
    } finally {
      this.finish(loop);
    }
  }

  /** Like close(), on the async driver: for tasks that still wait on host I/O while they clean up. */
  async closeAsync(): Promise<void> {
    if (this.state !== 'initialized') {
      this.state = 'closed';
      return;
    }
    const loop = this.loop as EventLoop;
    try {
      const left = this.cancelAll(loop);
      if (left.length > 0) await loop.runUntilCompleteAsync(allDone(loop, left));
      this.reportFailures(loop, left);
      await loop.runUntilCompleteAsync(loop.shutdownAsyncgens());
      await loop.runUntilCompleteAsync(loop.shutdownDefaultExecutor(THREAD_JOIN_TIMEOUT));
    } finally {
      this.finish(loop);
    }
  }

  private lazyInit(): EventLoop {
    if (this.state === 'closed') throw new RuntimeError('Runner is closed');
    if (this.loop !== null) return this.loop;
    const { loopFactory, debug, clock, shuffle } = this.options;
    if (loopFactory !== undefined) {
      if (typeof loopFactory !== 'function') throw new TypeError('loopFactory must be a function returning an EventLoop');
      this.loop = loopFactory();
      if (debug !== undefined) this.loop.setDebug(debug);
    } else {
      this.loop = getEventLoopPolicy().newEventLoop({ debug, clock, shuffle });
      setEventLoop(this.loop);
      this.setEventLoopCalled = true;
    }
    this.context = copyContext();
    this.state = 'initialized';
    return this.loop;
  }

  private cancelAll(loop: EventLoop): Task<unknown>[] {
    const left = [...loop._tasks].filter((t) => !t.done());
    for (const t of left) t.cancel();
    return left;
  }

  private reportFailures(loop: EventLoop, tasks: Task<unknown>[]): void {
    for (const task of tasks) {
      if (task.cancelled()) continue;
      const exception = task.exception();
      if (exception !== null) {
        loop.callExceptionHandler({ message: 'unhandled exception during asyncio.run() shutdown', exception, task });
      }
    }
  }

  private finish(loop: EventLoop): void {
    if (this.setEventLoopCalled) setEventLoop(null);
    loop.close();
    this.loop = null;
    this.state = 'closed';
  }
}

/**
 * asyncio.run: runs `main` on a new loop with the async driver (real I/O
 * works), then cancels every task still pending, closes the async
 * generators left unfinished, shuts the default executor down and closes
 * the loop.
 * @example
 * const result = await run(main());
 */
export async function run<T>(main: Main<T>, options: RunOptions = {}): Promise<T> {
  checkMain(main, 'run');
  checkOptions<RunOptions>('run', options, RUN_OPTIONS);
  if (_getRunningLoop() !== null) throw new RuntimeError('asyncio.run() cannot be called from a running event loop');
  const runner = new Runner(options);
  let result: T;
  try {
    result = await runner.run(main);
  } catch (error) {
    await cleanUpAfter(error, () => runner.closeAsync());
    throw error;
  }
  await runner.closeAsync();
  return result;
}

/**
 * Like `run`, on the synchronous driver: returns the result directly. Host
 * I/O (sockets, promises) needs `run` instead.
 * @example
 * const result = runSync(main(), { clock: 'virtual' });
 */
export function runSync<T>(main: Main<T>, options: RunOptions = {}): T {
  checkMain(main, 'runSync');
  checkOptions<RunOptions>('runSync', options, RUN_OPTIONS);
  if (_getRunningLoop() !== null) throw new RuntimeError('runSync() cannot be called from a running event loop');
  const runner = new Runner(options);
  let result: T;
  try {
    result = runner.runSync(main);
  } catch (error) {
    void cleanUpAfter(error, () => runner.close());
    throw error;
  }
  runner.close();
  return result;
}

/**
 * Cleans up after the run failed. The run's own error is the one to report:
 * a second failure while cleaning up (say, tasks that await each other in a
 * cycle overflow the stack when cancelled, as in CPython) is logged, not
 * allowed to replace it.
 */
async function cleanUpAfter(error: unknown, close: () => void | Promise<void>): Promise<void> {
  try {
    await close();
  } catch (cleanupError) {
    console.error(`Error while cleaning up after a failed run (${repr(error)}):`, cleanupError);
  }
}
