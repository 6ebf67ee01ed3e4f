/**
 * 05 — Where the loop waits: select(timeout).
 *
 * Every event loop is two halves: run what is ready, then wait — for I/O
 * and for the next timer, in one call. In CPython that call is
 * `self._selector.select(timeout)` in `BaseEventLoop._run_once`, and the
 * timeout it passes is the whole scheduling policy of the wait:
 *   - 0 when callbacks are ready: just look which sockets became readable;
 *   - the time until the earliest timer when there is one: wake for it;
 *   - none (null) when there is no timer: only I/O can wake the loop.
 * Then the readers of the readable file descriptors join the ready queue,
 * the due timers join it too, and the ready callbacks run.
 *
 * Part 1 shows that on the miniature asyncio of exercises/ (the reference
 * solutions, built in step 8 on the simulated selector of
 * exercises/selector.ts): virtual file descriptors receive data at times
 * set with `feed()`, and every `select()` is printed with the timeout the
 * loop computed and what it returned. `--step` waits for Enter before each
 * iteration, so you can follow it one wait at a time.
 *
 * Parts 2 and 3 show what tulip's own drivers do instead, through the
 * loop's `beforeWait`/`afterWait` hooks (docs/internals.md, "Where the loop
 * waits"): the synchronous driver waits on its clock (a virtual jump here;
 * `Atomics.wait` on the real clock), and with nothing that could ever wake
 * it, it reports a deadlock instead of waiting forever; the async driver
 * returns to Node, whose own event loop does the select.
 *
 * Run: npx ts-node examples/05-where-the-loop-waits.ts [--step]
 */
import * as fs from 'fs';
import { EventLoop as MiniLoop } from '../exercises/solutions/loop';
import { Task as MiniTask, run as miniRun, sleep as miniSleep } from '../exercises/solutions/tasks';
import type { Coroutine as MiniCoroutine } from '../exercises/solutions/futures';
import { fromPromise, getRunningLoop, sleep, type Coroutine, type EventLoop, type Instrument } from '../lib';
import { heading, intro, makeLoop, runReal, runVirtual, say } from './_shared';

intro(
  '05 — where the loop waits: select(timeout)',
  'One iteration = wait for I/O or the next timer (select), then run what is ready.',
  'The timeout of the wait: 0 if callbacks are ready, else the time to the next timer, else none.',
);

const stepping = process.argv.includes('--step');

/** With --step: waits for Enter (a blocking read of stdin; the loop is synchronous anyway). */
function pause(): void {
  if (!stepping) return;
  process.stdout.write('   (Enter: next iteration) ');
  try {
    fs.readSync(0, Buffer.alloc(256), 0, 256, null);
  } catch {
    // stdin is not readable (no terminal): just go on
  }
}

// ---------------------------------------------------------------------------
// 1. The miniature loop and the simulated selector.

heading('1. The miniature loop of exercises/, on the simulated selector');

const mini = new MiniLoop();
const selector = mini._selector;
const at = (): string => `t=${mini.time().toFixed(3)}`;
const secs = (s: number): string => s.toFixed(3);

// The outside world: data arrives on fd 3 at t=2.5 and at t=6.
selector.feed(3, 2.5, 'hello');
selector.feed(3, 6, 'bye');
console.log(`${at()}  fd 3 will receive "hello" at t=2.500 and "bye" at t=6.000 (selector.feed)`);

// Every select() the loop makes, with the timeout it computed and what came back.
let iteration = 0;
const select = selector.select.bind(selector);
selector.select = (timeout) => {
  iteration++;
  const ready = mini._ready.length;
  const timers = mini._scheduled.filter((h) => !h._cancelled).map((h) => secs(h.when));
  const readers = selector.registered().map((fd) => `fd ${fd}`);
  console.log(
    `\n── iteration ${iteration}  ${at()}  ready: ${ready}  timers: [${timers.join(', ')}]  readers: [${readers.join(', ')}]`,
  );
  const why =
    timeout === 0 ? 'callbacks are ready: just look' : timeout === null ? 'no timer: only I/O can wake us' : 'time to the next timer';
  pause();
  const keys = select(timeout);
  const got = keys.length === 0 ? 'nothing readable' : keys.map((k) => `fd ${k.fd} readable`).join(', ');
  console.log(`   select(${timeout === null ? 'null' : secs(timeout)})  (${why})  → ${got}, now ${at()}`);
  const due = mini._scheduled.filter((h) => !h._cancelled && h.when <= mini.time()).length;
  const runs = [
    ready > 0 ? `${ready} ready callback${ready > 1 ? 's' : ''}` : '',
    keys.length > 0 ? `${keys.length} reader${keys.length > 1 ? 's' : ''}` : '',
    due > 0 ? `${due} due timer${due > 1 ? 's' : ''}` : '',
  ].filter((s) => s !== '');
  console.log(`   then runs: ${runs.join(' + ')}`);
  return keys;
};

function* client(): MiniCoroutine<void> {
  for (let i = 0; i < 2; i++) {
    console.log(`   ${at()}  client: sockRecv(3) — registers a reader for fd 3 and parks on a future`);
    const data = yield* mini.sockRecv(3);
    console.log(`   ${at()}  client: the reader set the future; resumed with ${JSON.stringify(data)}`);
  }
}

function* ticker(): MiniCoroutine<void> {
  for (let i = 1; i <= 2; i++) {
    console.log(`   ${at()}  ticker: sleep(2) — a timer at t=${secs(mini.time() + 2)}`);
    yield* miniSleep(2);
    console.log(`   ${at()}  ticker: tick ${i}`);
  }
}

function* miniMain(): MiniCoroutine<void> {
  console.log(`   ${at()}  main: starts the client and the ticker`);
  const c = new MiniTask(client());
  const t = new MiniTask(ticker());
  yield* c;
  yield* t;
  console.log(`   ${at()}  main: done`);
}

miniRun(miniMain(), mini);
console.log(`\n${iteration} iterations, one select() each; the last ran main's done callback, which stops the loop.`);
console.log('The clock moved only inside select(): waiting for I/O and waiting for a timer are one wait.');

// ---------------------------------------------------------------------------
// 2. tulip's synchronous driver: the wait is its clock's.

/** Prints the loop's waits: the timeout it computed (beforeWait) and how long it waited (afterWait). */
const waits: Instrument = {
  beforeWait(timeout) {
    say(`   wait: timeout ${timeout === null ? 'null (no timer)' : timeout.toFixed(3)}`);
  },
  afterWait(waited) {
    say(`   waited ${waited.toFixed(3)} s`);
  },
};

function* sleeper(): Coroutine<void> {
  say('sleeper: sleep(0) — a bare yield: the loop does not wait at all');
  yield* sleep(0);
  say('sleeper: sleep(1.5)');
  yield* sleep(1.5);
  say('sleeper: sleep(1)');
  yield* sleep(1);
  say('sleeper: done');
}

function* stuck(): Coroutine<void> {
  say('stuck: waits for a future nobody will ever finish');
  yield* getRunningLoop().createFuture<void>();
}

/** A loop for the examples (a Tracer with --trace), with the waits printed. */
function loopShowingWaits(): EventLoop {
  const loop = makeLoop();
  loop.addInstrument(waits);
  return loop;
}

heading("2. tulip's synchronous driver: a virtual clock jumps to the deadline");
runVirtual(sleeper(), { loop: loopShowingWaits() });
console.log('   (no wait while callbacks are ready; no select(0) either: this driver has no I/O to poll)');

console.log('\nWith no timer and nothing that could wake it, CPython would wait in select(None) forever;');
console.log('the synchronous driver knows no I/O can come, and reports a deadlock instead:');
try {
  runVirtual(stuck(), { loop: loopShowingWaits() });
} catch (e) {
  // (The task's number depends on how many tasks this process made before: not part of the lesson.)
  const first = (e as Error).message.split('\n')[0].replace(/name='Task-\d+'/, "name='Task-…'");
  console.log(`   ${(e as Error).name}: ${first}`);
}

// ---------------------------------------------------------------------------
// 3. tulip's async driver: the wait is Node's.

function* awaitsNode(): Coroutine<void> {
  say('main: awaits a promise that a Node timer settles (fromPromise)');
  const v = yield* fromPromise(new Promise<string>((resolve) => setTimeout(() => resolve('settled by Node'), 20)));
  say(`main: ${v}`);
}

async function asyncPart(): Promise<void> {
  heading("3. tulip's async driver: it returns to Node, whose event loop does the select");
  const loop = loopShowingWaits();
  await runReal(awaitsNode(), { loop });
  console.log('   (the virtual clock did not jump: a promise was outstanding, and only Node knows when it settles)');
}

asyncPart().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
