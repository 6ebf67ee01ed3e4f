/**
 * The keeper: one small thread per process that watches the executor's
 * worker threads die (lib/executors.ts is the pool, and
 * lib/executor-worker.ts what each worker runs).
 *
 * Why a thread of its own: a thread learns that a worker ended from Node's
 * 'exit' event, and an event needs a free event loop. The synchronous driver
 * (`runSync`) blocks its thread in `Atomics.wait` while a job runs, so it
 * would never hear that the worker running the job ran out of memory, or
 * called `process.exit()` — it would sleep forever. The keeper's event loop
 * is never blocked. Each worker gets one end of a "lifeline" MessageChannel,
 * the keeper the other; when the worker's thread ends, however it ends, its
 * end closes and the keeper's gets 'close'. The keeper then
 * - posts a report `{ died: id }` on its control port, which the pool reads
 *   through the port's 'message' event (async driver) or with
 *   `receiveMessageOnPort` (synchronous driver);
 * - counts the report in a shared cell, and notifies the wake-up cells of
 *   the loops that wait on a pool, so that a blocked loop wakes and polls.
 * The pool registers a loop's wake-up cell with `watch()` while the loop has
 * jobs (or waits for a shutdown), and removes it with `unwatch()`.
 *
 * The keeper runs only the few lines below: it loads none of the process's
 * preloads (`execArgv: []`), and it never keeps Node alive.
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

// The keeper's program (plain JavaScript, as lib/executor-worker.ts explains for the worker's).
const KEEPER_SOURCE = String.raw`'use strict';
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const control = workerData.control;
const reported = new Int32Array(workerData.reported);
const wakes = new Map(); // watch id -> a loop's wake-up cell

function handle(m) {
  if (m.lifeline !== undefined) {
    const id = m.lifeline;
    m.port.on('close', () => report(id));
    m.port.on('message', () => {}); // starts the port, so that its 'close' comes
  } else if (m.watch !== undefined) {
    const wake = new Int32Array(m.wake);
    wakes.set(m.watch, wake);
    // Reports the pool had not read when it asked: it may be about to wait for one of them.
    if (Atomics.load(reported, 0) !== m.seen) notify(wake);
  } else if (m.unwatch !== undefined) {
    wakes.delete(m.unwatch);
  }
}

function report(id) {
  // A watch() posted before this worker got its job is in the queue already: take it first.
  let r;
  while ((r = receiveMessageOnPort(control)) !== undefined) handle(r.message);
  control.postMessage({ died: id });
  Atomics.add(reported, 0, 1);
  for (const wake of wakes.values()) notify(wake);
}

function notify(wake) {
  Atomics.store(wake, 0, 1);
  Atomics.notify(wake, 0);
}

control.on('message', handle);
`;

class Keeper {
  readonly control: MessagePort;
  readonly reported = new Int32Array(new SharedArrayBuffer(4));
  seen = 0;
  nextId = 1;
  readonly listeners = new Map<number, () => void>();

  constructor() {
    const { port1, port2 } = new MessageChannel();
    const thread = new Worker(KEEPER_SOURCE, {
      eval: true,
      workerData: { control: port2, reported: this.reported.buffer },
      transferList: [port2],
      execArgv: [],
    });
    thread.unref();
    this.control = port1;
    port1.on('message', (report: { died: number }) => this.deliver(report));
    port1.unref();
  }

  deliver(report: { died: number }): void {
    this.seen = (this.seen + 1) | 0;
    const listener = this.listeners.get(report.died);
    this.listeners.delete(report.died);
    listener?.();
  }
}

let keeper: Keeper | null = null;

function theKeeper(): Keeper {
  return (keeper ??= new Keeper());
}

/**
 * @internal A lifeline for a worker about to start: give the worker `port`
 * (in its workerData, transferred); `onDeath` is called once, on this
 * thread, after its thread has ended.
 */
export function lifeline(onDeath: () => void): MessagePort {
  const k = theKeeper();
  const id = k.nextId++;
  const { port1, port2 } = new MessageChannel();
  k.listeners.set(id, onDeath);
  k.control.postMessage({ lifeline: id, port: port1 }, [port1]);
  return port2;
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
export function pollDeaths(): void {
  const k = keeper;
  if (k === null || Atomics.load(k.reported, 0) === k.seen) return;
  let received: { message: unknown } | undefined;
  while ((received = receiveMessageOnPort(k.control)) !== undefined) k.deliver(received.message as { died: number });
}
