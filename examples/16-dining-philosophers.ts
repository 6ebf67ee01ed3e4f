/**
 * 16 — Dining philosophers: a deadlock, reported instead of hanging; then the fix.
 *
 * Five philosophers, five forks (Locks), one between each pair. To eat, a
 * philosopher needs both neighbouring forks. If everyone picks up the left
 * fork first, and they all do it at the same moment, each then waits
 * forever for the right one, which a neighbour holds: a wait cycle.
 *
 * CPython's asyncio would simply hang. tulip's synchronous driver notices
 * that nothing can ever make progress — no callback ready, no timer, no I/O
 * outstanding, yet the main task is not done — and fails the run with a
 * RuntimeError whose message starts with `deadlock:` and says who waits for
 * whom. The fix is the classic one: a global order on the forks (always pick
 * up the lower-numbered fork first), which makes a cycle impossible.
 *
 * Run: npx ts-node examples/16-dining-philosophers.ts [--trace] [--timeline]
 */
import { Lock, createTask, sleep, type Coroutine } from '../lib';
import { heading, intro, runVirtual, say } from './_shared';

intro(
  '16 — dining philosophers',
  'Five philosophers, five forks (Locks). First everyone grabs the left fork first; then forks are ordered.',
);

const N = 5;
const MEALS = 2;

function* philosopher(i: number, forks: Lock[], ordered: boolean, meals: number[]): Coroutine<void> {
  const left = i;
  const right = (i + 1) % N;
  // The fix: take the lower-numbered fork first. Philosopher 4 then reaches for fork 0 before fork 4.
  const [first, second] = ordered ? [Math.min(left, right), Math.max(left, right)] : [left, right];
  for (let meal = 0; meal < MEALS; meal++) {
    yield* sleep(0.5); // thinking
    yield* forks[first].acquire();
    say(`P${i}: picked up fork ${first}, reaching for fork ${second}`);
    try {
      yield* sleep(0.1); // the fatal pause: everyone now holds one fork
      yield* forks[second].acquire();
      try {
        say(`P${i}: eating (forks ${first} and ${second})`);
        yield* sleep(1);
        meals[i]++;
      } finally {
        forks[second].release();
      }
    } finally {
      forks[first].release();
    }
  }
  say(`P${i}: had ${MEALS} meals, leaves the table`);
}

function* dinner(ordered: boolean): Coroutine<number[]> {
  const forks = Array.from({ length: N }, () => new Lock());
  const meals = new Array<number>(N).fill(0);
  const diners = Array.from({ length: N }, (_, i) => createTask(philosopher(i, forks, ordered, meals), { name: `P${i}` }));
  for (const d of diners) yield* d;
  return meals;
}

heading('1. Everyone takes the left fork first');
try {
  runVirtual(dinner(false));
  say('dinner finished (not expected!)');
} catch (e) {
  console.log(`\nInstead of hanging, the run failed with a ${(e as Error).name}. Its message:\n`);
  console.log(String((e as Error).message).replace(/^/gm, '  │ '));
}

heading('2. Forks in a global order: lower number first');
const meals = runVirtual(dinner(true));
say(`everyone ate: ${meals.map((m, i) => `P${i}×${m}`).join(' ')}`);
