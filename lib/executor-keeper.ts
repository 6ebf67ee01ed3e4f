/**
 * The keeper: one small thread per process that starts the executor's worker
 * threads and watches them die (lib/executors.ts is the pool, and
 * lib/executor-worker.ts what each worker runs).
 *
 * Why a thread of its own: a thread learns that a worker ended from Node's
 * 'exit' event, and an event needs a free event loop. The synchronous driver
 * (`runSync`) blocks its thread in `Atomics.wait` while a job runs, so it
 * would never hear that the worker running the job ran out of memory, or
 * called `process.exit()` — it would sleep forever. The keeper's event loop
 * is never blocked: it is the parent of every pool worker, so it gets each
 * one's 'exit' (and an out-of-memory 'error'), and then
 * - posts a report `{ exited: id, code, error }` on its control port, which
 *   the pool reads through the port's 'message' event (async driver) or with
 *   `receiveMessageOnPort` (synchronous driver);
 * - counts the report in a shared cell, and notifies the wake-up cells of
 *   the loops that wait on a pool, so that a blocked loop wakes and polls.
 * The pool registers a loop's wake-up cell with `watch()` while the loop has
 * jobs (or waits for a shutdown), and removes it with `unwatch()`.
 *
 * The keeper's own Worker is unref'd: it never keeps Node alive. While a job
 * runs, `hold()` refs the control port, which does.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort, type ResourceLimits } from 'node:worker_threads';
import { WORKER_SOURCE } from './executor-worker';

/** How a worker thread ended: its exit code, and the error Node gave (e.g. ERR_WORKER_OUT_OF_MEMORY), if any. */
export interface WorkerExit {
  code: number;
  error: { code?: string; message: string } | null;
}

interface Report extends WorkerExit {
  exited: number;
}

// The keeper's program (plain JavaScript, as lib/executor-worker.ts explains for the worker's).
const KEEPER_SOURCE = String.raw`'use strict';
const { workerData, Worker, receiveMessageOnPort } = require('node:worker_threads');
const control = workerData.control;
const reported = new Int32Array(workerData.reported);
const wakes = new Map(); // watch id -> a loop's wake-up cell
const workers = new Map(); // worker id -> Worker

function handle(m) {
  if (m.spawn !== undefined) spawn(m);
  else if (m.watch !== undefined) {
    const wake = new Int32Array(m.wake);
    wakes.set(m.watch, wake);
    // Reports the pool had not read when it asked: it may be about to wait for one of them.
    if (Atomics.load(reported, 0) !== m.seen) notify(wake);
  }
  else if (m.unwatch !== undefined) wakes.delete(m.unwatch);
}

function spawn(m) {
  let worker;
  let error = null;
  try {
    worker = new Worker(workerData.source, { eval: true, workerData: m.workerData, transferList: [m.workerData.port], resourceLimits: m.resourceLimits, env: m.env });
  } catch (e) {
    report(m.spawn, 1, { code: e.code, message: e.message });
    return;
  }
  workers.set(m.spawn, worker);
  worker.on('error', (e) => { error = { code: e.code, message: String(e.message) }; });
  worker.on('exit', (code) => {
    workers.delete(m.spawn);
    report(m.spawn, code, error);
  });
}

function report(id, code, error) {
  // A watch() posted before this worker got its job is in the queue already: take it first.
  let r;
  while ((r = receiveMessageOnPort(control)) !== undefined) handle(r.message);
  control.postMessage({ exited: id, code, error });
  Atomics.add(reported, 0, 1);
  for (const wake of wakes.values()) notify(wake);
}

function notify(wake) {
  Atomics.store(wake, 0, 1);
  Atomics.notify(wake, 0);
}

control.on('message', handle);
`;

type ExitListener = (exit: WorkerExit) => void;

class Keeper {
  readonly thread: Worker;
  readonly control: MessagePort;
  readonly reported = new Int32Array(new SharedArrayBuffer(4));
  seen = 0;
  holds = 0;
  nextId = 1;
  readonly listeners = new Map<number, ExitListener>();

  constructor() {
    const { port1, port2 } = new MessageChannel();
    this.thread = new Worker(KEEPER_SOURCE, {
      eval: true,
      // Its execArgv is ours, and so is that of the workers it starts, as if we had started them.
      workerData: { control: port2, reported: this.reported.buffer, source: WORKER_SOURCE },
      transferList: [port2],
    });
    this.thread.unref();
    this.control = port1;
    port1.on('message', (report: Report) => this.deliver(report));
    port1.unref();
  }

  deliver(report: Report): void {
    this.seen = (this.seen + 1) | 0;
    const listener = this.listeners.get(report.exited);
    if (listener === undefined) return;
    this.listeners.delete(report.exited);
    listener({ code: report.code, error: report.error });
  }
}

let keeper: Keeper | null = null;

function theKeeper(): Keeper {
  return (keeper ??= new Keeper());
}

/**
 * @internal Starts a worker thread running lib/executor-worker.ts with
 * `workerData` (whose `port` is transferred to it); `onExit` is called once,
 * on this thread, when it has ended. Returns its id.
 */
export function spawnWorker(workerData: { port: MessagePort } & Record<string, unknown>, resourceLimits: ResourceLimits | undefined, onExit: ExitListener): number {
  const k = theKeeper();
  const id = k.nextId++;
  k.listeners.set(id, onExit);
  // The worker sees the environment as it is now, as a Worker started here would.
  k.control.postMessage({ spawn: id, workerData, resourceLimits, env: { ...process.env } }, [workerData.port]);
  return id;
}

/** @internal Wake `wake` (a loop's wake-up cell) whenever a worker ends, until unwatch(id). */
export function watch(wake: Int32Array): number {
  const k = theKeeper();
  const id = k.nextId++;
  k.control.postMessage({ watch: id, wake: wake.buffer, seen: k.seen });
  return id;
}

/** @internal */
export function unwatch(id: number): void {
  keeper?.control.postMessage({ unwatch: id });
}

/** @internal The synchronous driver's poll: delivers the reports the keeper posted since the last look. */
export function pollExits(): void {
  const k = keeper;
  if (k === null || Atomics.load(k.reported, 0) === k.seen) return;
  let received: { message: unknown } | undefined;
  while ((received = receiveMessageOnPort(k.control)) !== undefined) k.deliver(received.message as Report);
}

/** @internal Keeps Node alive (a job runs, or someone waits for a shutdown) until the matching unhold(). */
export function hold(): void {
  const k = theKeeper();
  if (k.holds++ === 0) k.control.ref();
}

/** @internal */
export function unhold(): void {
  const k = theKeeper();
  if (--k.holds === 0) k.control.unref();
}
