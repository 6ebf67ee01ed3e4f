/**
 * 16 — CPU work in parallel on worker threads (runInExecutor, toThread).
 *
 * An event loop runs one callback at a time, on one thread. CPU-heavy work
 * done in a coroutine holds that thread: nothing else runs, not even a
 * heartbeat. `loop.runInExecutor(pool, fn, ...args)` (asyncio's
 * run_in_executor) sends `fn` to a pool of Node worker threads and hands back
 * a Future; `yield* toThread(fn, ...args)` does the same on the default pool.
 * The loop stays free while the workers compute — in parallel, on as many
 * cores as the pool has threads.
 *
 * A worker has a heap of its own: `fn` travels as its source text, so it
 * must be self-contained (no closures over this file), and its arguments
 * and result are copied.
 *
 * Real threads, real time: timestamps and durations differ from run to run;
 * the spec normalises them (t=#.###, # ms).
 *
 * Run: npx ts-node examples/16-cpu-workers.ts
 */
import { ThreadPoolExecutor, createTask, getRunningLoop, sleep, toThread, type Coroutine, type Future } from '../lib';
import { heading, intro, runReal, say } from './_shared';

intro(
  '16 — CPU work in parallel on worker threads',
  'Count the primes below 4,000,000 in eight slices: first on the loop, then on two worker threads.',
  'A heartbeat task tries to tick every 50 ms throughout.',
);

/** Self-contained (it is sent to a worker as source text): the primes in [lo, hi). */
function countPrimes(lo: number, hi: number): number {
  let count = 0;
  for (let n = Math.max(lo, 2); n < hi; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

const LIMIT = 4_000_000;
const SLICES = Array.from({ length: 8 }, (_, i) => [(i * LIMIT) / 8, ((i + 1) * LIMIT) / 8] as const);

let ticks = 0;
function* heartbeat(): Coroutine<void> {
  for (;;) {
    yield* sleep(0.05);
    ticks++;
  }
}

function* main(): Coroutine<void> {
  const loop = getRunningLoop();
  const beat = createTask(heartbeat(), { name: 'heartbeat' });
  yield* sleep(0.2); // let it tick a few times
  say(`heartbeat ticking (${ticks > 0 ? 'yes' : 'no'})`);

  heading('1. On the loop: the work runs in a coroutine');
  ticks = 0;
  let t0 = performance.now();
  let total = 0;
  for (const [lo, hi] of SLICES) total += countPrimes(lo, hi); // no yield: nothing else can run
  const onLoop = performance.now() - t0;
  say(`primes below ${LIMIT}: ${total}, in ${onLoop.toFixed(0)} ms`);
  say(`heartbeat ticks while computing: ${ticks} — the loop was blocked the whole time`);

  heading('2. On a pool of two worker threads: runInExecutor');
  const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  // Warm the pool up (start both threads) so the timing below is the work, not thread start-up.
  yield* loop.runInExecutor(pool, countPrimes, 0, 10);
  yield* loop.runInExecutor(pool, countPrimes, 0, 10);
  ticks = 0;
  t0 = performance.now();
  // All eight jobs are submitted at once; two run, the others wait in the pool's queue.
  const futures: Future<number>[] = SLICES.map(([lo, hi]) => loop.runInExecutor(pool, countPrimes, lo, hi));
  say(`submitted ${futures.length} jobs; each is a Future: ${futures[0]}`);
  total = 0;
  for (const f of futures) total += yield* f; // awaiting in order: they run in parallel regardless
  const onWorkers = performance.now() - t0;
  say(`primes below ${LIMIT}: ${total}, in ${onWorkers.toFixed(0)} ms`);
  say(`heartbeat kept ticking while the workers computed: ${ticks > 0 ? 'yes' : 'no'}`);
  say(`speed-up over the loop: ×${(onLoop / onWorkers).toFixed(1)} (two threads; less if the machine is busy)`);
  pool.shutdown();

  heading('3. toThread: the same, on the default pool, in one line');
  const n = yield* toThread(countPrimes, 0, 100_000);
  say(`yield* toThread(countPrimes, 0, 100000) → ${n}`);

  heading('4. The function travels as source text: closures do not survive');
  const secret = 42;
  try {
    yield* toThread(() => secret); // `secret` does not exist in the worker
  } catch (e) {
    say(`the worker threw ${(e as Error).name}: ${(e as Error).message}`);
  }
  beat.cancel();
}

runReal(main()).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
