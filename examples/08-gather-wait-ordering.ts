/**
 * 08 — gather, wait, asCompleted, and who runs when.
 *
 *  1. `yield* coro()` does not start anything concurrent: the callee runs
 *     inline, in the caller's task, to completion. Only a Task runs beside
 *     you — and it starts at the next loop iteration, not at createTask().
 *  2. `gather([...])` runs its awaitables concurrently and gives their
 *     results in *input* order, whatever order they finished in.
 *  3. Errors: without `returnExceptions` the first one fails the gather (the
 *     others keep running!); with it, errors come back in their slots.
 *  4. `wait(tasks, { returnWhen: FIRST_COMPLETED })` returns two Sets,
 *     done and pending, and cancels nothing; with a timeout neither.
 *  5. `asCompleted(...)` hands results over in *completion* order.
 * Midway it prints the task tree: who awaits whom, as `formatTaskTree()`
 * (Python 3.14's `asyncio pstree`) sees it.
 *
 * Run: npx ts-node examples/08-gather-wait-ordering.ts [--trace] [--timeline]
 */
import {
  FIRST_COMPLETED,
  asCompleted,
  createTask,
  formatTaskTree,
  gather,
  getRunningLoop,
  sleep,
  wait,
  type Coroutine,
} from '../lib';
import { describeError, heading, intro, runVirtual, say } from './_shared';

intro(
  '08 — gather, wait, asCompleted, and ordering',
  'fetch(name, seconds) pretends to download something; the clock is virtual.',
);

function* fetch(name: string, seconds: number): Coroutine<string> {
  say(`  ${name}: start (${seconds} s)`);
  yield* sleep(seconds);
  say(`  ${name}: finished`);
  return `${name}-data`;
}

function* fail(name: string, seconds: number): Coroutine<string> {
  yield* sleep(seconds);
  say(`  ${name}: fails`);
  throw new Error(`${name} broke`);
}

function* main(): Coroutine<void> {
  heading('1. yield* runs the callee inline; a Task runs beside you');
  say('main: yield* fetch(a), then yield* fetch(b) — one after the other');
  yield* fetch('a', 1);
  yield* fetch('b', 1);
  say('main: now two Tasks — createTask only schedules; they start when main yields');
  const ta = createTask(fetch('a', 1), { name: 'a' });
  const tb = createTask(fetch('b', 1), { name: 'b' });
  say('main: created both; nothing has started yet');
  yield* ta;
  yield* tb;
  say('main: both done, together in 1 s instead of 2');

  heading('2. gather: concurrent, results in input order');
  const reporter = createTask(
    (function* showTree(): Coroutine<void> {
      yield* sleep(0.5);
      say('the task tree at t+0.5 s (formatTaskTree):');
      for (const line of formatTaskTree(getRunningLoop()).split('\n')) console.log(`    ${line}`);
    })(),
    { name: 'tree-printer' },
  );
  const results = yield* gather([
    createTask(fetch('slow', 3), { name: 'slow' }),
    createTask(fetch('fast', 1), { name: 'fast' }),
    createTask(fetch('medium', 2), { name: 'medium' }),
  ]);
  yield* reporter;
  say(`gather → ${JSON.stringify(results)}  (input order, though 'fast' finished first)`);

  heading('3. gather and errors');
  const survivor = createTask(fetch('survivor', 2), { name: 'survivor' });
  try {
    yield* gather([createTask(fail('broken', 1), { name: 'broken' }), survivor]);
  } catch (e) {
    say(`gather threw ${describeError(e)} at once; is 'survivor' still running? ${!survivor.done()}`);
  }
  yield* survivor;
  const mixed = yield* gather([fetch('ok', 1), fail('bad', 0.5)], { returnExceptions: true });
  say(`with returnExceptions: ${mixed.map((r) => (r instanceof Error ? describeError(r) : JSON.stringify(r))).join(', ')}`);

  heading('4. wait: done and pending, nothing cancelled');
  const racers = [createTask(fetch('r1', 3), { name: 'r1' }), createTask(fetch('r2', 1), { name: 'r2' }), createTask(fetch('r3', 2), { name: 'r3' })];
  let [done, pending] = yield* wait(racers, { returnWhen: FIRST_COMPLETED });
  say(`FIRST_COMPLETED → done: ${[...done].map((t) => t.getName())}; pending: ${[...pending].map((t) => t.getName())}`);
  [done, pending] = yield* wait(pending, { timeout: 0.5 });
  say(`timeout 0.5 s → done: [${[...done].map((t) => t.getName())}]; pending: ${[...pending].map((t) => t.getName())} (still running)`);
  for (const t of pending) t.cancel();
  [done] = yield* wait(pending);
  say(`cancelled the rest: ${[...done].map((t) => `${t.getName()} cancelled=${t.cancelled()}`).join(', ')}`);

  heading('5. asCompleted: results in completion order');
  let i = 0;
  for (const next of asCompleted([fetch('x', 3), fetch('y', 1), fetch('z', 2)])) {
    const r = yield* next;
    say(`result #${++i}: ${r}`);
  }
}

runVirtual(main());
