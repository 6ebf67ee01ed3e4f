/**
 * The program each worker thread of a ThreadPoolExecutor runs — what
 * concurrent.futures' `_worker` loop is to its threads (lib/executors.ts
 * starts it with `new Worker(WORKER_SOURCE, { eval: true })`).
 *
 * It is plain JavaScript in a string, so that it works the same under
 * ts-node and from dist/, and needs no file of its own at run time. What it
 * does, per job message `{ id, body | module+export, args, wake, also? }`:
 * - notes the job's id in its shared `status` cell (so that, should the
 *   thread die, the pool knows whether this job had begun);
 * - compiles the function's source text once (`new Function`, cached), or
 *   `require`s `{ module, export }`, both resolved from `process.cwd()`;
 * - runs one job at a time and awaits a returned promise;
 * - posts `{ id, value }` or `{ id, error }` on its port — an error as
 *   `{ name, message, stack, props }` (its own properties that survive
 *   structured clone), or `{ value }` for a thrown non-error;
 * - then counts the reply in the pool's shared `posted` cell and notifies
 *   the wake-up cells of the loops waiting for it, so that a loop blocked in
 *   Atomics.wait (the synchronous driver) wakes and polls the port.
 * A message `{ wake }` without an id asks to be woken when the current job
 * ends (a loop waiting for a free worker); `{ stop: true }` ends the idle
 * thread (the pool was shut down). An error nobody caught fails the running
 * job, and the thread lives on. When the thread ends, its exit code goes
 * into `status` if its exit handlers run (`process.exit()`); a thread
 * stopped at its memory limit runs none. Either way its end of the
 * `life` port closes, which the keeper thread hears and reports
 * (lib/executor-keeper.ts).
 */

/** @internal The worker thread's program (plain JavaScript); see the comment at the top of this file. */
export const WORKER_SOURCE = String.raw`'use strict';
const { workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const path = require('node:path');
const port = workerData.port;
const posted = new Int32Array(workerData.posted);
const status = new Int32Array(workerData.status); // [id of the job begun last, exit code, 1 once exit handlers ran]
// Functions and modules resolve names the way code in process.cwd() would.
const userRequire = createRequire(path.join(process.cwd(), '[tulip executor]'));
const compiled = new Map();
let current = null; // the job running now: { id, wakes }

function compile(body) {
  let fn = compiled.get(body);
  if (fn === undefined) {
    if (compiled.size >= 1000) compiled.clear();
    fn = new Function('require', body)(userRequire);
    compiled.set(body, fn);
  }
  return fn;
}

function load(moduleName, exportName) {
  const fn = userRequire(moduleName)[exportName];
  if (typeof fn !== 'function') {
    throw new TypeError('module ' + moduleName + ' has no function export ' + JSON.stringify(exportName) + ' (found ' + typeof fn + ')');
  }
  return fn;
}

function describe(e) {
  if (e !== null && typeof e === 'object' && typeof e.message === 'string') {
    const props = {};
    for (const key of Object.keys(e)) {
      if (key === 'name' || key === 'message' || key === 'stack') continue;
      try { props[key] = structuredClone(e[key]); } catch (_) { /* not sendable: dropped */ }
    }
    return { name: String(e.name || 'Error'), message: e.message, stack: typeof e.stack === 'string' ? e.stack : undefined, props };
  }
  try { return { value: structuredClone(e) }; } catch (_) { return { value: String(e) }; }
}

function finish(job, reply) {
  if (current !== job) return; // already finished (an uncaught error came first)
  current = null;
  try {
    port.postMessage(reply);
  } catch (e) {
    port.postMessage({ id: job.id, error: describe(new TypeError('the result could not be sent back to the loop: ' + e.message +
      ' (results go through structured clone, which refuses functions, symbols and host objects)')) });
  }
  Atomics.add(posted, 0, 1);
  for (const wake of job.wakes) { Atomics.store(wake, 0, 1); Atomics.notify(wake, 0); }
}

async function run(message) {
  const job = { id: message.id, wakes: [new Int32Array(message.wake)] };
  if (message.also !== undefined) for (const b of message.also) job.wakes.push(new Int32Array(b));
  current = job;
  Atomics.store(status, 0, job.id);
  let reply;
  try {
    const fn = message.body !== undefined ? compile(message.body) : load(message.module, message.export);
    let value = fn(...message.args);
    if (value !== null && (typeof value === 'object' || typeof value === 'function') && typeof value.then === 'function') value = await value;
    reply = { id: job.id, value };
  } catch (e) {
    reply = { id: job.id, error: describe(e) };
  }
  finish(job, reply);
}

port.on('message', (message) => {
  if (message.id !== undefined) { run(message); return; }
  if (message.stop) { process.exit(0); }
  // A loop waits for a free worker: wake it when the current job ends.
  const wake = new Int32Array(message.wake);
  if (current !== null) current.wakes.push(wake);
  else { Atomics.store(wake, 0, 1); Atomics.notify(wake, 0); }
});
process.on('exit', (code) => {
  Atomics.store(status, 1, code);
  Atomics.store(status, 2, 1);
});
// An error nobody caught (a stray timer of the job) fails the running job; the worker lives on.
process.on('uncaughtException', (e) => {
  if (current !== null) finish(current, { id: current.id, error: describe(e) });
  else console.error(e);
});
`;
