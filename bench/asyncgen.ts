/**
 * What an async generator costs (issue 14; a diagnostic, not in the headline
 * table): N values through one consumer task, on one loop per run.
 *   (a) sleep(0) switch — the unit of comparison: one loop iteration per
 *       item (a bare yield, the Task rescheduled through the ready deque);
 *   (b) emit/anext round trip — a body that only emits: no loop iteration at
 *       all, the consumer's `yield* g.anext()` steps the body in place;
 *   (c) the same through asyncFor, (d) through asyncCursor;
 *   (e) emit/anext + sleep(0) in the body — what a generator that awaits
 *       adds on top of (a);
 *   (e2) the same shape without an async generator: a coroutine call per
 *       item that awaits sleep(0), then returns the value;
 *   (f) a plain coroutine call per item (`yield* produce(i)`), the nearest
 *       thing without a generator object of its own.
 *   (g) `for await` over a tulip generator from an async function — one Task
 *       and one promise per item (async driver; N/20 items).
 * Interleaved rounds, best of each; run with
 *   node --expose-gc -r ts-node/register/transpile-only bench/asyncgen.ts
 * CPython's numbers for (a), (b), (c) and (e): bench/python/asyncgen.py.
 */
import { EventLoop, asyncCursor, asyncFor, asyncGenerator, emit, fromPromise, setEventLoop, sleep, type Coroutine } from '../lib';

const N = Number(process.env.N ?? 200_000);
const ROUNDS = 7;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

const numbers = asyncGenerator(function* numbers(n: number) {
  for (let i = 0; i < n; i++) yield* emit(i);
});
const slowNumbers = asyncGenerator(function* slowNumbers(n: number) {
  for (let i = 0; i < n; i++) {
    yield* sleep(0);
    yield* emit(i);
  }
});
function* produce(i: number): Coroutine<number> {
  return i;
}
function* produceLater(i: number): Coroutine<number> {
  yield* sleep(0);
  return i;
}

type Variant = [string, (n: number) => Coroutine<number>, number];
const variants: Variant[] = [
  ['(a) sleep(0) switch', function* (n) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      yield* sleep(0);
      sum += i;
    }
    return sum;
  }, 1],
  ['(b) emit/anext', function* (n) {
    const g = numbers(n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* g.anext();
    return sum;
  }, 1],
  ['(c) asyncFor', function* (n) {
    let sum = 0;
    yield* asyncFor(numbers(n), function* (x) {
      sum += x;
    });
    return sum;
  }, 1],
  ['(d) asyncCursor', function* (n) {
    let sum = 0;
    for (const c = asyncCursor(numbers(n)); yield* c.next(); ) sum += c.value;
    return sum;
  }, 1],
  ['(e) emit/anext + sleep(0)', function* (n) {
    const g = slowNumbers(n);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* g.anext();
    return sum;
  }, 1],
  ['(e2) coroutine + sleep(0)', function* (n) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* produceLater(i);
    return sum;
  }, 1],
  ['(f) coroutine call', function* (n) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += yield* produce(i);
    return sum;
  }, 1],
];

function once(body: (n: number) => Coroutine<number>, n: number): number {
  const loop = new EventLoop({ clock: 'virtual' });
  gc();
  const t0 = process.hrtime.bigint();
  const sum = loop.runUntilComplete(body(n));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  loop.close();
  if (sum !== (n * (n - 1)) / 2) throw new Error(`wrong sum ${sum}`);
  return seconds;
}

/** (g): for await from an async function, on the async driver. */
async function forAwait(n: number): Promise<number> {
  const loop = new EventLoop({ clock: 'real' });
  setEventLoop(loop); // the for-await (outside the loop's own steps) finds the loop to step the generator on
  gc();
  const t0 = process.hrtime.bigint();
  const g = numbers(n);
  let sum = 0;
  await loop.runUntilCompleteAsync(
    fromPromise(
      (async () => {
        for await (const x of g) sum += x;
      })(),
      loop,
    ),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  setEventLoop(null);
  loop.close();
  if (sum !== (n * (n - 1)) / 2) throw new Error(`wrong sum ${sum}`);
  return seconds;
}

async function main(): Promise<void> {
  for (const [, body] of variants) once(body, N / 10); // warm-up
  await forAwait(N / 200);
  const best = variants.map(() => Infinity);
  let bestForAwait = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    variants.forEach(([, body], i) => (best[i] = Math.min(best[i], once(body, N))));
    bestForAwait = Math.min(bestForAwait, await forAwait(N / 20));
  }
  console.log(`async generators (N=${N}), best of ${ROUNDS} interleaved rounds; ns per item, and ×(a):`);
  const base = best[0] / N;
  variants.forEach(([name], i) => {
    const per = best[i] / N;
    console.log(`  ${name.padEnd(28)} ${(per * 1e9).toFixed(0).padStart(6)} ns  ${(N / best[i] / 1e6).toFixed(2)}M items/s  ×${(per / base).toFixed(2)}`);
  });
  const perG = bestForAwait / (N / 20);
  console.log(`  ${'(g) for await (JS side)'.padEnd(28)} ${(perG * 1e9).toFixed(0).padStart(6)} ns  ${(1 / perG / 1e6).toFixed(2)}M items/s  ×${(perG / base).toFixed(2)}  (N/20 items)`);
}

void main();
