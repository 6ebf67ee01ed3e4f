/**
 * 04 — Countdown and countup: interleaving, the timer heap, virtual time.
 *
 * The canonical first concurrent program (Beazley, curio, Cannon's rockets):
 * two tasks that sleep for different periods. Their output interleaves by
 * time — the order *is* the lesson. Every `sleep(d)` puts a timer in the
 * loop's heap, ordered by (deadline, scheduling order); the idle loop jumps
 * the virtual clock to the top of the heap, so the whole program takes no
 * real time and prints the same thing on every run.
 *
 * At t=3 both tasks' timers are due at the same moment. tulip fires such
 * timers in the order they were scheduled — a rule of its own: CPython's
 * heap compares timers by deadline only, so its order for equal deadlines
 * is unspecified (20 timers set for one instant fired as 0, 2, 6, 14, 13,
 * 19, … on 3.13), and on the real clock two deadlines are rarely equal
 * anyway. Never rely on it in code meant for asyncio.
 *
 * Run: npx ts-node examples/04-countdown-countup.ts [--realtime] [--trace] [--timeline]
 */
import { createTask, currentTask, sleep, type Coroutine, type Instrument, type TimerHandle } from '../lib';
import { flags, intro, loopEpoch, makeLoop, runVirtual, say } from './_shared';

intro(
  '04 — countdown and countup on the virtual clock',
  'Two tasks sleep for different periods; the timer heap decides who runs next.',
  `Clock: ${flags.realtime ? 'real (--realtime): this takes 6 seconds' : 'virtual: 6 seconds of loop time, no real waiting (try --realtime)'}.`,
);

/** One entry of our picture of the heap: when, who, and the loop's handle. */
interface Entry {
  when: number;
  seq: number;
  who: string;
  handle: TimerHandle;
}
let heap: Entry[] = [];
let seq = 0;

/** The timers waiting in the heap, in firing order. */
function heapPicture(): string {
  heap = heap.filter((e) => !e.handle.cancelled());
  return `[${heap.map((e) => `${e.when.toFixed(3)} ${e.who}`).join(', ')}]`;
}

/** A deadline as `say()` shows times (on the real clock, since the loop started). */
function at(when: number): number {
  return when - loopEpoch(loop);
}

/** Keeps a picture of the heap with the loop's hooks: a timer goes in when scheduled, out when it runs. */
const heapWatcher: Instrument = {
  timerScheduled(timer) {
    const who = currentTask()?.getName() ?? 'loop';
    heap.push({ when: at(timer.when()), seq: seq++, who, handle: timer });
    heap.sort((a, b) => a.when - b.when || a.seq - b.seq); // the heap's order: (deadline, sequence)
    say(`    push ${at(timer.when()).toFixed(3)} (${who})  → heap ${heapPicture()}`);
  },
  beforeCallback(handle) {
    const entry = heap.find((e) => e.handle === handle);
    if (entry === undefined) return;
    heap = heap.filter((e) => e !== entry);
    say(`    pop  ${entry.when.toFixed(3)} (${entry.who})  → heap ${heapPicture()}`);
  },
};

function* countdown(n: number): Coroutine<void> {
  while (n > 0) {
    say(`countdown: T-minus ${n}`);
    yield* sleep(1);
    n--;
  }
  say('countdown: lift-off!');
}

function* countup(stop: number): Coroutine<void> {
  for (let i = 0; i < stop; i++) {
    say(`countup:   up we go, ${i}`);
    yield* sleep(1.5);
  }
  say('countup:   done');
}

function* main(): Coroutine<void> {
  const down = createTask(countdown(5), { name: 'countdown' });
  const up = createTask(countup(4), { name: 'countup' });
  yield* down;
  yield* up;
}

const loop = makeLoop();
loop.addInstrument(heapWatcher);
const started = performance.now();
runVirtual(main(), { loop });
const realMs = performance.now() - started;

console.log(
  [
    '',
    'Notes:',
    '  - at t=3.000 both timers were due; countup\'s was scheduled first (at t=1.500), so tulip ran it first —',
    "    tulip's rule, not asyncio's: CPython leaves the order of equal deadlines unspecified;",
    '  - the heap holds one timer per sleeping task: a sleep is a Future plus a timer that finishes it;',
    "  - a pop runs the timer's callback, which finishes the future; the task's wakeup follows through callSoon;",
    `  - ${flags.realtime ? 'on the real clock this took about 6 seconds' : `6 seconds of loop time took ${realMs < 1000 ? 'well under a second' : 'over a second (?)'} of real time`}.`,
  ].join('\n'),
);
