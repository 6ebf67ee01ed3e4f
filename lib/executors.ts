/**
 * Executors (CPython: concurrent.futures.ThreadPoolExecutor, and asyncio's
 * `loop.run_in_executor` / `asyncio.to_thread`): run functions on a pool of
 * Node worker threads, in parallel with the loop, and get the result back as
 * an asyncio Future.
 *
 * A Node worker thread has a heap of its own, so nothing is shared: the
 * function travels as its source text (or as `{ module, export }`, which the
 * worker `require`s), arguments and results travel by structured clone. That
 * makes the pool behave like Python's ProcessPoolExecutor in what it accepts,
 * and like its ThreadPoolExecutor in what it costs.
 *
 * Results come back on a MessageChannel per worker, in one of two ways, one
 * for each driver of the loop:
 * - async driver (`run`, `runUntilCompleteAsync`): Node delivers the port's
 *   'message' event, and the result is handed to the loop with
 *   `callSoonThreadsafe`, which wakes a loop waiting in Node;
 * - synchronous driver (`runSync`, `runUntilComplete`): Node's event loop is
 *   blocked, so no event ever fires. The pool registers a WaitSource: while
 *   a job is outstanding the idle loop blocks on its wake-up cell (a
 *   SharedArrayBuffer) with Atomics.wait, the worker notifies that cell after
 *   posting its result, and `poll()` reads the ports with
 *   `receiveMessageOnPort`.
 * A message read by one path is gone from the port, so each result is
 * delivered once; the future is settled only if it is still pending.
 *
 * A worker that dies (out of memory, `process.exit()`) is heard of through
 * Node's 'exit' event on the async driver, and through a keeper thread on
 * both (lib/executor-keeper.ts). Its job fails, and the next runs on a new
 * thread.
 *
 * This file is the pool and the loop's side; what runs inside each thread
 * is lib/executor-worker.ts.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Deque } from './deque';
import { EventLoop, type Executor, type ExecutorFunction, type WaitSource } from './loop';
import { getRunningLoop } from './events';
import { InvalidStateError, RuntimeError, TimeoutError, ValueError } from './exceptions';
import type { Coroutine, Future } from './futures';
import { callableName, repr } from './repr';
import { checkOptions, isOptionsObject } from './options';
import { lifeline, pollDeaths, unwatch, watch } from './executor-keeper';
import { WORKER_SOURCE } from './executor-worker';

/** A function exported by a module: the worker does `require(module)[export]`. */
export interface ModuleFunction {
  /** An absolute path, a path relative to `process.cwd()` (`./jobs.js`), or a package name. */
  module: string;
  export: string;
}

/** Options of `new ThreadPoolExecutor()`. */
export interface ThreadPoolExecutorOptions {
  /** How many worker threads at most (default: `os.availableParallelism()`). */
  maxWorkers?: number | null;
  /**
   * Node's memory limits for each thread (`worker_threads`' ResourceLimits,
   * e.g. `{ maxOldGenerationSizeMb: 64 }`). A job that needs more fails with
   * a RuntimeError saying its thread ran out of memory; the next job runs on
   * a new thread.
   */
  resourceLimits?: ResourceLimits;
}

/** Options of `executor.shutdown()` (concurrent.futures' `wait` and `cancel_futures`). */
export interface ShutdownOptions {
  /** The returned promise waits until every job has finished and every thread has exited (default true); false: it is settled at once. */
  wait?: boolean;
  /** Cancel the futures of the jobs still queued (default false: they run before the threads exit). */
  cancelFutures?: boolean;
}

/** What the loop sends a worker: the function and its arguments, and the loop's wake-up cell. */
interface JobMessage {
  id: number;
  body?: string;
  module?: string;
  export?: string;
  args: unknown[];
  wake: ArrayBufferLike;
  also?: ArrayBufferLike[];
}

/** What a worker sends back: a value or an error. (`exit`: its thread ended instead.) */
interface ReplyMessage {
  id: number;
  value?: unknown;
  error?: { name: string; message: string; stack?: string; props: Record<string, unknown> } | { value: unknown };
  exit?: ThreadEnd;
}

/** How a thread ended: its exit code, or null if it ran no exit handler (stopped at its memory limit); and whether it had begun the job. */
interface ThreadEnd {
  code: number | null;
  began: boolean;
}

const QUEUED = 0;
const RUNNING = 1;
const DONE = 2;

interface Job {
  id: number;
  loop: EventLoop;
  future: Future<unknown>;
  link: LoopLink;
  name: string;
  message: JobMessage;
  state: typeof QUEUED | typeof RUNNING | typeof DONE;
}

class PoolWorker {
  job: Job | null = null;
  /** Its thread has ended. */
  dead = false;
  /** Written by the thread: the id of the job it began last, its exit code, 1 once its exit handlers ran. */
  readonly status = new Int32Array(new SharedArrayBuffer(12));
  worker!: Worker;
  constructor(readonly port: MessagePort) {}
}

/** One loop's view of the pool: the WaitSource the synchronous driver waits on. */
class LoopLink implements WaitSource {
  queued = 0;
  running = 0;
  /** Coroutines of this loop in `waitClosed()`. */
  closing = 0;
  remove: () => void = noop;
  watchId = 0;
  constructor(readonly pool: ThreadPoolExecutor, readonly loop: EventLoop) {}

  busy(): boolean {
    return this.queued + this.running + this.closing > 0;
  }

  poll(): void {
    this.pool._poll();
  }
}

function noop(): void {}

// Errors rebuilt with their own class when it is a builtin (or one of tulip's); others are Errors with that name.
const ERROR_CLASSES: Record<string, new (message?: string) => Error> = {
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
  RuntimeError, ValueError, TimeoutError, InvalidStateError,
};

/** The exception a worker's reply stands for. */
function rebuildError(job: Job, reply: ReplyMessage): unknown {
  if (reply.exit !== undefined) {
    const { code, began } = reply.exit;
    const when = began ? 'before the job finished' : 'before it could start the job (does it fit in the resourceLimits?)';
    // A thread that ran no exit handler was stopped by Node at its memory limit.
    if (code === null) return new RuntimeError(`the worker thread running ${job.name} ran out of memory ${when}; the next job runs on a new thread`);
    return new RuntimeError(`the worker thread running ${job.name} exited (code ${code}) ${when}`);
  }
  const error = reply.error as NonNullable<ReplyMessage['error']>;
  if ('value' in error) {
    // `throw 42` comes back as 42; a future cannot hold undefined or null as its exception.
    return error.value ?? new Error(`${job.name} threw ${error.value}`);
  }
  const Class = Object.prototype.hasOwnProperty.call(ERROR_CLASSES, error.name) ? ERROR_CLASSES[error.name] : Error;
  const err = new Class(error.message);
  if (err.name !== error.name) err.name = error.name;
  err.stack = error.stack ?? `${error.name}: ${error.message}`;
  return Object.assign(err, error.props);
}

/** Runs on the loop: finishes the job's future with the worker's reply, unless it was cancelled meanwhile. */
function settle(job: Job, reply: ReplyMessage): void {
  if (job.future.done()) return; // cancelled while running: concurrent.futures ignores the result too
  if (reply.error === undefined && reply.exit === undefined) job.future.setResult(reply.value);
  else job.future.setException(rebuildError(job, reply));
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const NATIVE_CODE = /\{\s*\[native code\]\s*\}\s*$/;
// `get x() {…}` / `set x(v) {…}` (but not a method called get: `get(x) {…}`).
const ACCESSOR = /^(get|set)(?:\s+[^\s(]|\[)/;
// `[Symbol.iterator]() {…}`, `async [key]() {…}`.
const COMPUTED_KEY = /^(?:async\s+)?\[/;
const functionBodies = new WeakMap<Function, string>();

/** Why `fn` cannot be sent to a worker by its source text, or null if it can. */
function cannotTravel(fn: Function, text: string): string | null {
  if (NATIVE_CODE.test(text)) {
    if (fn.name.startsWith('bound ')) {
      return 'it is a bound function: what it is bound to (its `this`, its first arguments) lives in this thread and cannot travel; pass the original function, and what it was bound to as arguments';
    }
    return 'it is a native function (built into the engine, or a Proxy), so it has no source text to send; wrap it in a function of your own, e.g. (x) => Math.sqrt(x), or pass { module, export }';
  }
  if (/^class\b/.test(text)) return 'it is a class; pass a function';
  const kind = fn.constructor?.name;
  if (kind === 'GeneratorFunction' || kind === 'AsyncGeneratorFunction') return null; // refused by the caller, in asyncio's words
  const accessor = ACCESSOR.exec(text);
  if (accessor !== null) {
    return `it is a ${accessor[1]}ter: it runs when its property is ${accessor[1] === 'get' ? 'read' : 'assigned'}, and its source text is not a function on its own; pass a plain function, e.g. (obj) => obj.total`;
  }
  if (COMPUTED_KEY.test(text)) {
    return 'it is a method with a computed key (such as a symbol-keyed method, [Symbol.iterator]() {…}): its source text names its key by an expression the worker cannot evaluate; pass a plain function';
  }
  return null;
}

/**
 * The text a worker compiles to get `fn` back (cached per function). Tries,
 * in order: binding the function to its own name (so `const fib = (n) => …
 * fib(n - 1)` can call itself), the plain expression, and a method shorthand
 * (`f(x) { … }`) wrapped in an object literal.
 */
function functionBody(fn: Function): string {
  let body = functionBodies.get(fn);
  if (body !== undefined) return body;
  const text = Function.prototype.toString.call(fn);
  const name = callableName(fn);
  const why = cannotTravel(fn, text);
  if (why !== null) throw new TypeError(`cannot run ${name} on a worker thread: ${why}`);
  const kind = fn.constructor?.name;
  if (kind === 'GeneratorFunction' || kind === 'AsyncGeneratorFunction') {
    // CPython: "coroutines cannot be used with run_in_executor()".
    throw new TypeError(`coroutines cannot be used with an executor: ${name} is a generator function; run it on the loop with createTask(${name}()) instead`);
  }
  const candidates = [`return (${text});`, `return Object.values({ ${text} })[0];`];
  if (IDENTIFIER.test(fn.name)) candidates.unshift(`const ${fn.name} = (${text});\nreturn ${fn.name};`);
  for (const candidate of candidates) {
    try {
      new Function('require', candidate); // compiles only: a syntax check
      body = candidate;
      break;
    } catch {
      /* try the next form */
    }
  }
  if (body === undefined) throw new TypeError(`cannot run ${name} on a worker thread: its source text does not compile on its own; pass { module, export } instead`);
  body += `\n//# sourceURL=executor:${name.replace(/\s/g, '_')}`; // stack traces in the worker name the function
  functionBodies.set(fn, body);
  return body;
}

/** Checks `fn` at the call site: a function, or `{ module, export }` with two strings. */
function checkFunction(fn: unknown, api: string): asserts fn is ExecutorFunction {
  if (typeof fn === 'function') return;
  if (fn !== null && typeof fn === 'object') {
    const { module, export: exportName } = fn as Partial<ModuleFunction>;
    if (typeof module === 'string' && module !== '' && typeof exportName === 'string') return;
  }
  throw new TypeError(`${api}() needs a function or { module: string, export: string }, got ${repr(fn)}`);
}

/** A DataCloneError from postMessage/structuredClone, said in terms of what the caller passed. */
function unsendable(error: unknown, name: string): TypeError {
  const detail = error instanceof Error ? error.message : String(error);
  return new TypeError(`the arguments of ${name} cannot be sent to a worker thread (${detail}); arguments go through structured clone, which refuses functions, symbols and host objects (class instances arrive as plain objects)`);
}

/** An options object whose keys are all known, with boolean values. */
function checkShutdownOptions(options: unknown): Required<ShutdownOptions> {
  const { wait = true, cancelFutures = false } = checkOptions<ShutdownOptions>('shutdown', options, ['wait', 'cancelFutures']);
  if (typeof wait !== 'boolean') throw new TypeError(`shutdown() option wait must be a boolean, got ${repr(wait)}`);
  if (typeof cancelFutures !== 'boolean') throw new TypeError(`shutdown() option cancelFutures must be a boolean, got ${repr(cancelFutures)}`);
  return { wait, cancelFutures };
}

/**
 * concurrent.futures.ThreadPoolExecutor on Node worker threads: up to
 * `maxWorkers` threads, started lazily and reused, run submitted functions
 * in parallel with the loop and with each other. It is the loop's default
 * executor (`loop.runInExecutor(null, …)`, `toThread`), sized by the loop's
 * or the policy's `maxWorkers`.
 *
 * What a job can be:
 * - a self-contained function, sent by its source text and rebuilt in the
 *   worker: it cannot close over outer variables (pass them as arguments),
 *   but it may call itself by its name, and may `require()` modules
 *   (resolved from `process.cwd()`);
 * - `{ module, export }`: the worker requires the module — an absolute path,
 *   a path relative to `process.cwd()`, or a package name — and calls the
 *   export (a CommonJS or plain JavaScript module; the worker does not load
 *   ts-node).
 * Arguments and results go through structured clone; a returned promise is
 * awaited in the worker. An error thrown there comes back as the future's
 * exception with its name, message, stack and own properties. A job whose
 * thread dies (out of memory, `process.exit()`) fails with a RuntimeError
 * that says so, and the next job runs on a new thread.
 *
 * Cancelling the future of a queued job removes the job; a running job
 * cannot be stopped (as in concurrent.futures): its result is ignored.
 * `shutdown()` lets the jobs finish and then ends the threads. Idle threads
 * never keep Node alive.
 * @example
 * const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
 * function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
 * const [a, b] = yield* gather([loop.runInExecutor(pool, fib, 30), loop.runInExecutor(pool, fib, 31)]);
 * pool.shutdown();
 */
export class ThreadPoolExecutor implements Executor {
  /** The most threads this pool runs at once. */
  readonly maxWorkers: number;
  private _resourceLimits: ResourceLimits | undefined;
  /** Threads alive (idle, busy, or told to stop and not yet gone). */
  private _workers: PoolWorker[] = [];
  private _idle: PoolWorker[] = [];
  private _queue = new Deque<Job>();
  private _queuedTotal = 0;
  private _links = new Map<EventLoop, LoopLink>();
  private _jobs = new Map<Future<unknown>, Job>();
  private _nextId = 1;
  private _shutdown = false;
  /** Settled once shut down with every thread gone; and the futures of waitClosed(). */
  private _closed: { promise: Promise<void>; resolve: () => void } | null = null;
  private _closeWaiters = new Set<Future<void>>();
  // Workers count the results they post here; poll() reads the ports only when the count moved.
  private _posted = new Int32Array(new SharedArrayBuffer(4));
  private _seen = 0;

  /** `maxWorkers` alone, as Python's `ThreadPoolExecutor(4)`, or the options. */
  constructor(options: number | null | ThreadPoolExecutorOptions = {}) {
    // A plain object is the options; anything else is maxWorkers itself (and checked as one).
    if (!isOptionsObject(options)) options = { maxWorkers: options as number | null };
    checkOptions<ThreadPoolExecutorOptions>('ThreadPoolExecutor', options, ['maxWorkers', 'resourceLimits']);
    const max = options.maxWorkers;
    if (max == null) {
      this.maxWorkers = availableParallelism();
    } else {
      if (typeof max !== 'number') throw new TypeError(`ThreadPoolExecutor's maxWorkers must be a number, got ${repr(max)}`);
      // CPython: ValueError("max_workers must be greater than 0").
      if (!Number.isInteger(max) || max <= 0) throw new ValueError(`ThreadPoolExecutor's maxWorkers must be a positive integer, got ${repr(max)}`);
      this.maxWorkers = max;
    }
    const limits = options.resourceLimits;
    if (limits !== undefined && (limits === null || typeof limits !== 'object')) {
      throw new TypeError(`resourceLimits must be an object such as { maxOldGenerationSizeMb: 64 }, got ${repr(limits)}`);
    }
    this._resourceLimits = limits;
  }

  /**
   * Schedules `fn(...args)` on a worker thread; the Future (of `loop`) gets
   * its result or its exception. Bad input is a TypeError here, before
   * anything is scheduled; after `shutdown()` it is a RuntimeError.
   */
  submit<T>(loop: EventLoop, fn: ExecutorFunction, args: unknown[]): Future<T> {
    if (!(loop instanceof EventLoop)) throw new TypeError(`submit() needs an EventLoop first, got ${repr(loop)}`);
    checkFunction(fn, 'submit');
    if (!Array.isArray(args)) throw new TypeError(`submit() needs the arguments as an array, got ${repr(args)}`);
    if (this._shutdown) throw new RuntimeError('cannot schedule new futures after shutdown');
    loop._checkClosed();
    const id = this._nextId++;
    const message: JobMessage = { id, args, wake: loop._wake.buffer };
    let name: string;
    if (typeof fn === 'function') {
      message.body = functionBody(fn);
      name = callableName(fn);
    } else {
      // A relative path means relative to the current directory, wherever the worker runs.
      message.module = fn.module.startsWith('.') ? path.resolve(fn.module) : fn.module;
      message.export = fn.export;
      name = `${fn.module}#${fn.export}`;
    }
    pollDeaths(); // an idle thread may have ended since we last looked
    let worker = this._idle.pop() ?? (this._workers.length < this.maxWorkers ? this._spawn() : null);
    if (worker !== null) {
      try {
        worker.port.postMessage(message);
      } catch (e) {
        this._idle.push(worker);
        throw unsendable(e, name);
      }
    } else {
      try {
        message.args = structuredClone(args); // checks them now, and keeps them as they are at submit time
      } catch (e) {
        throw unsendable(e, name);
      }
    }
    const future = loop.createFuture<T>();
    const job: Job = { id, loop, future: future as Future<unknown>, link: this._link(loop), name, message, state: QUEUED };
    if (worker !== null) this._started(worker, job);
    else this._enqueue(job);
    this._jobs.set(job.future, job);
    future.addDoneCallback(this._futureDone);
    return future;
  }

  /**
   * concurrent.futures' `shutdown(wait, cancel_futures)`: the pool takes no
   * new jobs (`submit` is then `RuntimeError('cannot schedule new futures
   * after shutdown')`). Running jobs finish, and so do queued ones unless
   * `cancelFutures` cancels them; then the threads exit. Nothing is stopped
   * mid-job.
   *
   * Python's `wait=True` blocks the caller until the threads have exited;
   * here the returned promise does the waiting — `await pool.shutdown()` —
   * and `{ wait: false }` settles it at once. Inside a coroutine, on either
   * driver, wait with `yield* pool.waitClosed()`. The promise never rejects.
   * Calling it again is harmless (and may still cancel the queued jobs).
   * `loop.close()` calls `shutdown({ wait: false })` on the default pool.
   * @example
   * pool.shutdown({ cancelFutures: true }); // queued jobs are cancelled, running ones finish
   * yield* pool.waitClosed();                // until every thread has exited (both drivers)
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    const { wait, cancelFutures } = checkShutdownOptions(options);
    if (cancelFutures) this._cancelQueued();
    if (!this._shutdown) {
      this._shutdown = true;
      for (const w of this._idle.splice(0)) this._stop(w);
    }
    if (!wait) {
      this._checkClosed();
      return Promise.resolve();
    }
    const closed = this._whenClosed();
    this._checkClosed();
    return closed;
  }

  /**
   * A coroutine that returns once the pool is shut down and every thread
   * has exited (the running jobs, and the queued ones not cancelled, are
   * done). Works on both drivers. Calling it before `shutdown()` is a
   * RuntimeError: the threads would never end.
   * @example
   * pool.shutdown();
   * yield* pool.waitClosed();
   */
  *waitClosed(): Coroutine<void> {
    const loop = getRunningLoop();
    if (!this._shutdown) throw new RuntimeError('waitClosed() called before shutdown(): the threads only end after pool.shutdown()');
    if (this._workers.length === 0) return;
    const waiter = loop.createFuture<void>();
    const link = this._link(loop);
    link.closing++;
    this._closeWaiters.add(waiter);
    try {
      yield* waiter;
    } finally {
      this._closeWaiters.delete(waiter);
      link.closing--;
      this._release(link);
    }
  }

  toString(): string {
    if (this._shutdown) return `<ThreadPoolExecutor maxWorkers=${this.maxWorkers} shutdown>`;
    return `<ThreadPoolExecutor maxWorkers=${this.maxWorkers} workers=${this._workers.length} idle=${this._idle.length} queued=${this._queuedTotal}>`;
  }

  /** @internal The synchronous driver's poll: reads every result the workers posted, and what the keeper reported. */
  _poll(): void {
    if (Atomics.load(this._posted, 0) !== this._seen) for (const w of this._workers.slice()) this._drain(w);
    pollDeaths();
  }

  // ---- internals ----

  private _drain(w: PoolWorker): void {
    let received: { message: unknown } | undefined;
    while ((received = receiveMessageOnPort(w.port)) !== undefined) this._onReply(w, received.message as ReplyMessage);
  }

  private _spawn(): PoolWorker {
    const { port1, port2 } = new MessageChannel();
    const w = new PoolWorker(port1);
    const life = lifeline(() => this._onExit(w)); // how a blocked synchronous driver hears of its death
    w.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, posted: this._posted.buffer, status: w.status.buffer, life },
      transferList: [port2, life],
      resourceLimits: this._resourceLimits,
    });
    port1.on('message', (reply: ReplyMessage) => this._onReply(w, reply));
    port1.unref(); // the worker's own ref keeps Node alive while a job runs
    w.worker.unref();
    w.worker.on('error', noop); // out of memory: the 'exit' that follows says it all
    w.worker.on('exit', () => this._onExit(w)); // how the async driver hears of it
    this._workers.push(w);
    return w;
  }

  /** The loop's link, registered as a wait source (and its wake-up cell with the keeper) while the loop has jobs here. */
  private _link(loop: EventLoop): LoopLink {
    let link = this._links.get(loop);
    if (link === undefined) {
      link = new LoopLink(this, loop);
      this._links.set(loop, link);
      link.remove = loop._addWaitSource(link);
      link.watchId = watch(loop._wake);
    }
    return link;
  }

  private _release(link: LoopLink): void {
    if (link.busy() || this._links.get(link.loop) !== link) return;
    link.remove();
    unwatch(link.watchId);
    this._links.delete(link.loop);
    // A virtual clock waiting in Node for this job (say, a cancelled one) may jump now.
    if (link.loop._hostIdle) link.loop._wakeHost();
  }

  private _enqueue(job: Job): void {
    this._queue.push(job);
    this._queuedTotal++;
    if (job.link.queued++ === 0) {
      // Its loop will block until a worker is free: every busy worker must wake it when its job ends.
      for (const w of this._workers) {
        if (w.job !== null && w.job.link !== job.link) w.port.postMessage({ wake: job.link.loop._wake.buffer });
      }
    }
  }

  private _started(w: PoolWorker, job: Job): void {
    w.job = job;
    job.state = RUNNING;
    job.link.running++;
    w.worker.ref(); // a running job keeps Node alive
  }

  /** A worker with nothing to do: idle, or told to end once the pool is shut down. */
  private _becomeIdle(w: PoolWorker): void {
    if (this._shutdown) {
      this._stop(w);
    } else {
      w.worker.unref(); // an idle pool never keeps Node alive
      this._idle.push(w);
    }
  }

  private _stop(w: PoolWorker): void {
    w.port.postMessage({ stop: true }); // its thread exits, and _onExit forgets it
    w.worker.ref(); // whoever awaits the shutdown is woken by that exit
  }

  /** The next live queued job goes to worker `w`; with none, `w` becomes idle. */
  private _dispatch(w: PoolWorker): void {
    let job: Job | undefined;
    while ((job = this._queue.shift()) !== undefined) {
      if (job.state !== QUEUED) continue; // cancelled and already counted out
      this._queuedTotal--;
      job.link.queued--;
      if (job.future.done() || job.loop.isClosed()) {
        job.state = DONE;
        this._jobs.delete(job.future);
        this._release(job.link);
        continue;
      }
      if (this._queuedTotal > job.link.queued) job.message.also = this._otherWaitingLoops(job.link);
      w.port.postMessage(job.message);
      this._started(w, job);
      return;
    }
    this._becomeIdle(w);
  }

  /** Wake-up cells of the other loops with queued jobs: whoever frees a worker must wake them. */
  private _otherWaitingLoops(own: LoopLink): ArrayBufferLike[] {
    const cells: ArrayBufferLike[] = [];
    for (const link of this._links.values()) if (link !== own && link.queued > 0) cells.push(link.loop._wake.buffer);
    return cells;
  }

  /** A worker answered (through 'message' or poll): hand the outcome to the job's loop, give the worker more work. */
  private _onReply(w: PoolWorker, reply: ReplyMessage): void {
    this._seen = (this._seen + 1) | 0;
    const job = w.job;
    if (job === null || job.id !== reply.id) return;
    w.job = null;
    this._finish(job, reply);
    if (!w.dead) this._dispatch(w);
  }

  private _finish(job: Job, reply: ReplyMessage): void {
    job.state = DONE;
    job.link.running--;
    this._jobs.delete(job.future);
    // As CPython's wrap_future: the outcome reaches the loop through callSoonThreadsafe, unless it closed.
    if (!job.loop.isClosed() && !job.future.done()) job.loop.callSoonThreadsafe(settle, job, reply);
    this._release(job.link);
  }

  /** `w`'s thread ended ('exit', or the keeper said so): fail the job it had begun, forget it, find the queue a thread. */
  private _onExit(w: PoolWorker): void {
    if (w.dead) return; // heard of twice
    w.dead = true;
    this._drain(w); // what it posted before it ended is still on its port
    this._workers.splice(this._workers.indexOf(w), 1);
    const i = this._idle.indexOf(w);
    if (i >= 0) this._idle.splice(i, 1);
    w.port.close();
    void w.worker.terminate(); // gone already; this only lets Node forget it
    const job = w.job;
    w.job = null;
    if (job !== null) {
      const began = Atomics.load(w.status, 0); // the last job the thread began, 0 for none
      if (began !== job.id && began !== 0) {
        // It ended after its previous job, before it took this one (a job that exits once it has
        // returned): this job never ran, so it runs on a new thread.
        const fresh = this._spawn();
        fresh.job = job;
        fresh.port.postMessage(job.message);
        fresh.worker.ref();
      } else {
        // It ended during the job, or while starting (never retried: it would likely die again).
        const code = Atomics.load(w.status, 2) === 1 ? Atomics.load(w.status, 1) : null;
        this._finish(job, { id: job.id, exit: { code, began: began === job.id } });
      }
    }
    if (this._queuedTotal > 0 && this._workers.length < this.maxWorkers) this._dispatch(this._spawn());
    this._checkClosed();
  }

  /** cancelFutures: the queued jobs' futures are cancelled, and the jobs dropped. */
  private _cancelQueued(): void {
    let job: Job | undefined;
    while ((job = this._queue.shift()) !== undefined) {
      if (job.state !== QUEUED) continue;
      job.state = DONE;
      this._queuedTotal--;
      job.link.queued--;
      this._jobs.delete(job.future);
      // A closed loop can schedule nothing, not even the callbacks of a cancel.
      if (!job.loop.isClosed()) job.future.cancel();
      this._release(job.link);
    }
  }

  private _whenClosed(): Promise<void> {
    if (this._closed === null) {
      let resolve = noop;
      const promise = new Promise<void>((r) => (resolve = r));
      this._closed = { promise, resolve };
    }
    return this._closed.promise;
  }

  /** Shut down with no thread left: settle the promise of shutdown() and the waiters of waitClosed(). */
  private _checkClosed(): void {
    if (!this._shutdown || this._workers.length > 0) return;
    this._closed?.resolve();
    for (const waiter of this._closeWaiters) {
      if (!waiter.done() && !waiter._loop.isClosed()) waiter.setResult(undefined);
    }
  }

  /** Done callback of every job's future: a job cancelled while queued leaves the queue. */
  private _futureDone = (future: Future<unknown>): void => {
    const job = this._jobs.get(future);
    if (job === undefined || job.state !== QUEUED) return; // finished, or running: its result will be ignored
    job.state = DONE; // left in the deque; _dispatch skips it
    this._jobs.delete(future);
    this._queuedTotal--;
    job.link.queued--;
    this._release(job.link);
  };
}

// The loop makes its default executor with this (the size comes from the loop's or the policy's maxWorkers).
EventLoop._defaultExecutorFactory = (maxWorkers) => new ThreadPoolExecutor({ maxWorkers });

/**
 * asyncio.to_thread: a coroutine that runs `fn(...args)` on the running
 * loop's default executor (a worker thread) and returns its result. `fn` is
 * a self-contained function or `{ module, export }` (see ThreadPoolExecutor).
 * Python runs `fn` in a copy of the caller's context; a worker has its own
 * copy of every module and shares no objects with the loop, so ContextVar
 * values cannot reach it (there, variables have their defaults): pass what
 * `fn` needs as arguments. The awaiting task goes on in its own context.
 * @example
 * function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
 * const n = yield* toThread(fib, 30); // the loop keeps running other tasks meanwhile
 */
export function toThread<F extends (...args: never[]) => unknown>(fn: F, ...args: Parameters<F>): Coroutine<Awaited<ReturnType<F>>>;
export function toThread<T = unknown>(fn: ModuleFunction, ...args: unknown[]): Coroutine<T>;
export function toThread(fn: ExecutorFunction, ...args: unknown[]): Coroutine<unknown> {
  checkFunction(fn, 'toThread');
  return runInDefaultExecutor(fn, args);
}

function* runInDefaultExecutor(fn: ExecutorFunction, args: unknown[]): Coroutine<unknown> {
  return yield* getRunningLoop().runInExecutor(null, fn, ...args);
}
