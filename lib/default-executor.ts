/**
 * The loop's executors (CPython: `run_in_executor`, `set_default_executor`,
 * `shutdown_default_executor` in base_events.py — the waiting half of the
 * last is lib/executor-shutdown.ts): `runInExecutor` hands a
 * function to a pool of worker threads and gives back a Future of its
 * result. With no executor named, the loop's default pool is used, made on
 * first use (lib/executors.ts registers how to make it: worker threads need
 * Node, and the core must also run in a browser).
 */
import { RuntimeError } from './exceptions';
import { ownResource, type LoopResource } from './loop-resources';
import { repr } from './repr';
import type { Coroutine, Future } from './futures';
import type { EventLoop } from './loop';

/** A function an executor runs: self-contained (sent by its source text), or `{ module, export }`. */
export type ExecutorFunction = ((...args: any[]) => unknown) | { module: string; export: string };

/** A pool that runs functions off the loop's thread (concurrent.futures.Executor). */
export interface Executor {
  submit<T>(loop: EventLoop, fn: ExecutorFunction, args: unknown[]): Future<T>;
  /** concurrent.futures' `shutdown(wait, cancel_futures)`; may return a promise of the threads' end. */
  shutdown(options?: { wait?: boolean; cancelFutures?: boolean }): unknown;
  /** Optional: a coroutine that returns once a shutdown is complete (what `loop.shutdownDefaultExecutor()` waits for, lib/executor-shutdown.ts). */
  waitClosed?(): Coroutine<void>;
}

/** Makes a default pool of `maxWorkers` workers (undefined: the pool's own default). */
export type ExecutorFactory = (maxWorkers: number | undefined) => Executor;

/**
 * `loop.runInExecutor(executor, fn, ...args)`: `fn(...args)` on `executor`,
 * or, when it is null, on the loop's default pool (made with `factory` on first use).
 */
export function runInExecutor<T>(loop: EventLoop, factory: ExecutorFactory | null, executor: Executor | null, fn: ExecutorFunction, args: unknown[]): Future<T> {
  loop._checkClosed();
  const isSpec = fn !== null && typeof fn === 'object' && typeof (fn as { module?: unknown }).module === 'string' && typeof (fn as { export?: unknown }).export === 'string';
  if (typeof fn !== 'function' && !isSpec) {
    throw new TypeError(`runInExecutor() needs a function or { module, export }, got ${repr(fn)}`);
  }
  let ex = executor;
  if (ex == null) {
    if (loop._executorShutdownCalled) throw new RuntimeError('Executor shutdown has been called');
    ex = loop._defaultExecutor;
    if (ex === null) {
      if (factory === null) throw new RuntimeError('no default executor: worker threads need Node (import tulip, which loads lib/executors)');
      ex = loop._defaultExecutor = factory(loop._maxWorkers);
      ownDefaultExecutor(loop);
    }
  }
  return ex.submit<T>(loop, fn, args);
}

/** `loop.setDefaultExecutor(executor)`. */
export function setDefaultExecutor(loop: EventLoop, executor: Executor): void {
  if (executor === null || typeof executor !== 'object' || typeof executor.submit !== 'function') {
    throw new TypeError(`setDefaultExecutor() needs an executor (an object with submit and shutdown), got ${repr(executor)}`);
  }
  loop._defaultExecutor = executor;
  ownDefaultExecutor(loop);
}

/**
 * The loop's claim on its default executor (lib/loop-resources.ts): closing
 * the loop shuts whichever executor is the default then down without
 * waiting, as CPython's close does (running jobs finish; nobody waits for
 * them). Silently: it is the loop's to close, not something the program forgot.
 */
class DefaultExecutorOfLoop implements LoopResource {
  constructor(private readonly loop: EventLoop) {}

  _unclosedReport(): null {
    return null;
  }

  _closeWithLoop(): void {
    const executor = this.loop._defaultExecutor;
    this.loop._defaultExecutor = null;
    if (executor !== null) executor.shutdown({ wait: false });
  }

  toString(): string {
    return `<default executor of ${this.loop}>`;
  }
}

const claims = new WeakMap<EventLoop, DefaultExecutorOfLoop>();

/** The loop has a default executor now: it shuts it down when it closes. */
function ownDefaultExecutor(loop: EventLoop): void {
  let claim = claims.get(loop);
  if (claim === undefined) claims.set(loop, (claim = new DefaultExecutorOfLoop(loop)));
  ownResource(loop, claim);
}
