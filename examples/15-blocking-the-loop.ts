/**
 * 15 — Blocking the loop, and slicing the work.
 *
 * The loop runs one callback at a time. A Task step that computes for
 * 500 ms without yielding holds the loop for 500 ms: every other task
 * waits, timers fire late, sockets go unread. A heartbeat task that wants to
 * tick every 50 ms measures how late each tick is.
 *
 * The slow step is found the way asyncio's debug mode finds it: the loop
 * reads its clock before and after each callback, and reports those slower
 * than `slowCallbackDuration` (0.1 s) as
 *     Executing <Task …> took 0.500 seconds
 * (CPython: `_run_once` in debug mode, base_events.py:2018–2023). The fix
 * that keeps the work on the loop: cut it into short steps with
 * `yield* sleep(0)` between them, so the loop gets a turn after each. The
 * other fix, moving the work to a worker thread, is example 18.
 *
 * The computation is simulated on the virtual clock: `compute(ms)` moves
 * the loop's clock forward by `ms`, as a real computation would take that
 * long, so every run prints the same numbers. With `--realtime` it really
 * computes, on the real clock, with tulip's debug mode doing the reporting
 * (then the numbers vary a little from run to run).
 *
 * Run: npx ts-node examples/15-blocking-the-loop.ts [--realtime] [--trace] [--timeline]
 */
import { VirtualClock, createTask, getRunningLoop, sleep, type Coroutine, type Instrument, type Task } from '../lib';
import { flags, heading, intro, makeLoop, runVirtual, say } from './_shared';

intro(
  '15 — blocking the loop',
  'A 500 ms computation two ways: in one step (it blocks), and in short steps (it shares).',
  flags.realtime ? 'Clock: real (--realtime): it really computes; debug mode reports slow steps.' : 'Clock: virtual; a computation moves the clock by the time it would take (try --realtime).',
);

/** A virtual clock that a computation moves forward, by the time it takes. */
class ComputeClock extends VirtualClock {
  spend(seconds: number): void {
    this.advanceTo(this.now() + seconds);
  }
}
const clock = new ComputeClock();

/** Computes for `ms` milliseconds, without yielding. */
function compute(ms: number): void {
  if (flags.realtime) {
    const end = performance.now() + ms;
    while (performance.now() < end); // really busy
  } else {
    clock.spend(ms / 1000);
  }
}

/**
 * Debug mode's slow-callback check, made with the loop's own clock as
 * CPython makes it (tulip's debug mode reads the real clock, so on the
 * virtual clock it would see nothing; with --realtime it is used instead).
 */
function slowStepReporter(): Instrument {
  let started = 0;
  return {
    beforeTaskStep() {
      started = getRunningLoop().time();
    },
    afterTaskStep(task: Task<unknown>) {
      const took = getRunningLoop().time() - started;
      if (took >= getRunningLoop().slowCallbackDuration) say(`slow: Executing ${task} took ${took.toFixed(3)} seconds`);
    },
  };
}

// With --realtime, tulip's debug mode reports with console.warn (stderr): show it here, in order.
console.warn = (...args: unknown[]) => say(`slow: ${args.join(' ')}`);

let worstLateness = 0;
let ticks = 0;
function* heartbeat(): Coroutine<void> {
  const loop = getRunningLoop();
  for (;;) {
    const due = loop.time() + 0.05;
    yield* sleep(0.05);
    ticks++;
    worstLateness = Math.max(worstLateness, loop.time() - due);
  }
}

/** Runs one way of doing the work, and reports what the heartbeat saw meanwhile. */
function* phase(title: string, work: () => Coroutine<void>): Coroutine<void> {
  heading(title);
  yield* sleep(0.125); // the heartbeat ticks a few times first
  worstLateness = 0;
  ticks = 0;
  const loop = getRunningLoop();
  const started = loop.time();
  yield* work();
  say(`main: the work is done, ${((loop.time() - started) * 1000).toFixed(0)} ms after it began`);
  yield* sleep(0.1); // one more beat after the work
  say(`heartbeat: ${ticks} ticks; the latest was ${(worstLateness * 1000).toFixed(0)} ms late`);
  say(worstLateness >= 0.25 ? 'the heartbeat was starved: the loop ran nothing else meanwhile' : 'the heartbeat kept its beat: late by a few slices at most');
}

function* main(): Coroutine<void> {
  const beat = createTask(heartbeat(), { name: 'heartbeat' });

  yield* phase('1. In one step: 500 ms without yielding', function* inline() {
    say('main: computing for 500 ms in one step');
    compute(500);
  });

  yield* phase('2. In slices: 25 steps of 20 ms, yield* sleep(0) between them', function* sliced() {
    say('main: computing in 20 ms slices');
    for (let i = 0; i < 25; i++) {
      compute(20);
      yield* sleep(0); // give the loop back for one iteration: the heartbeat gets its turn
    }
  });

  beat.cancel();
  console.log('\nSlicing did not make the work any faster (a little slower, if anything): it shared the loop.');
  console.log('To take it off the loop altogether, run it on a worker thread: yield* toThread(fn) (example 18).');
}

const loop = makeLoop({ clock: flags.realtime ? 'real' : clock, debug: flags.realtime });
if (!flags.realtime) loop.addInstrument(slowStepReporter());
runVirtual(main(), { loop });
