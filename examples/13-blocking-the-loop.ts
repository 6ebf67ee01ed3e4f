/**
 * 13 — Blocking the loop (and two fixes).
 *
 * The loop runs one callback at a time. A Task step that computes for
 * 500 ms without yielding holds the loop for 500 ms: every other task waits,
 * timers fire late, sockets go unread. Debug mode (`debug: true`, asyncio's
 * PYTHONASYNCIODEBUG) measures every callback and warns about those slower
 * than `loop.slowCallbackDuration` (0.1 s):
 *     Executing <Task …> took 0.501 seconds
 * The fixes: cut the work into short steps with `yield* sleep(0)` between
 * them (cooperative), or move it off the loop with `yield* toThread(fn)`
 * (a worker thread; see 16).
 *
 * A heartbeat task wants to tick every 50 ms and measures how late it is.
 * This example runs in real time (blocking is a real-time thing): the spec
 * normalises timestamps and durations (t=#.###, # ms, # seconds).
 *
 * Run: npx ts-node examples/13-blocking-the-loop.ts
 */
import { createTask, getRunningLoop, sleep, toThread, type Coroutine } from '../lib';
import { heading, intro, runReal, say } from './_shared';

intro(
  '13 — blocking the loop',
  'A 500 ms computation three ways: inline (blocks), in short steps, on a worker thread.',
  'Debug mode is on: callbacks slower than 0.1 s are reported with console.warn.',
);

// The loop reports slow callbacks with console.warn (stderr); show them here, in order.
console.warn = (...args: unknown[]) => say(`console.warn: ${args.join(' ')}`);

/** Busy for `ms` milliseconds of real time; self-contained so it can go to a worker too. */
function crunch(ms: number): string {
  const end = Date.now() + ms;
  let spins = 0;
  while (Date.now() < end) spins++;
  return spins > 0 ? 'crunched' : 'crunched (no spins?)';
}

let worstLag = 0;
function* heartbeat(): Coroutine<void> {
  const loop = getRunningLoop();
  for (;;) {
    const due = loop.time() + 0.05;
    yield* sleep(0.05);
    worstLag = Math.max(worstLag, loop.time() - due);
  }
}

/** Runs one phase and reports the heartbeat's worst lateness during it. */
function* phase(title: string, work: () => Coroutine<string>): Coroutine<void> {
  heading(title);
  yield* sleep(0.1); // let the heartbeat settle
  worstLag = 0;
  const result = yield* work();
  yield* sleep(0.1); // one more beat after the work
  say(`work: ${result}; the heartbeat's worst lateness: ${(worstLag * 1000).toFixed(0)} ms`);
  say(worstLag >= 0.35 ? 'the heartbeat was starved: the loop ran nothing else meanwhile' : 'the heartbeat kept its beat');
}

function* main(): Coroutine<void> {
  const beat = createTask(heartbeat(), { name: 'heartbeat' });

  yield* phase('1. Inline: one step computes for 500 ms', function* inline() {
    say('main: crunching 500 ms without yielding');
    return crunch(500);
  });

  yield* phase('2. Cooperative: 25 steps of 20 ms, yield* sleep(0) between them', function* chunked() {
    say('main: crunching in 20 ms slices');
    for (let i = 0; i < 25; i++) {
      crunch(20);
      yield* sleep(0); // give the loop back for one iteration: the heartbeat gets its turn
    }
    return 'crunched';
  });

  yield* phase('3. Off the loop: yield* toThread(crunch, 500)', function* offloaded() {
    say('main: handing the 500 ms to a worker thread');
    return yield* toThread(crunch, 500);
  });

  beat.cancel();
}

runReal(main(), { debug: true }).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
