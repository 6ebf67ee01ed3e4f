/**
 * What context variables cost on the hot path (issue 14): W2 (100 tasks,
 * each sleep(0) N/100 times) and W3 (N callSoon callbacks), each
 *   (a) on another checkout of tulip given as BASE (e.g. main, before
 *       contexts existed), when given;
 *   (b) on this checkout, with no ContextVar ever set;
 *   (c) on this checkout, with a ContextVar set in every task (W2) or in the
 *       context the callbacks are scheduled from, each callback reading it (W3).
 * Each variant runs in a fresh process (two libraries in one process would
 * share call sites, and each would slow the other), the processes
 * interleaved over ROUNDS rounds, best of each, so that the ratios compare
 * runs made under the same load; run with
 *   BASE=/path/to/main node -r ts-node/register/transpile-only bench/contextvars.ts
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as here from '../lib';
import type { Coroutine } from '../lib';

type Lib = typeof here;
const N2 = Number(process.env.N2 ?? 200_000);
const N3 = Number(process.env.N3 ?? 300_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
/** Timed runs in each child process, after one warm-up run. */
const RUNS = Number(process.env.RUNS ?? 5);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const base: Lib | null = process.env.BASE ? (require(path.resolve(process.env.BASE, 'lib')) as Lib) : null;

function time(fn: () => number, n: number): number {
  gc();
  const t0 = process.hrtime.bigint();
  const result = fn();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (result !== n) throw new Error(`wrong result ${result}, expected ${n}`);
  return seconds;
}

/** W2 on `lib`; with `requestId`, every task sets it first and reads it at the end. */
function w2(lib: Lib, requestId: here.ContextVar<number> | null): number {
  const loop = new lib.EventLoop({ clock: 'virtual' });
  const counter = { n: 0 };
  function* switcher(t: number, times: number): Coroutine<void> {
    if (requestId !== null) requestId.set(t);
    for (let i = 0; i < times; i++) yield* lib.sleep(0);
    counter.n += requestId === null ? times : times + requestId.get() - t;
  }
  function* main(): Coroutine<void> {
    const tasks = [];
    for (let t = 0; t < 100; t++) tasks.push(loop.createTask(switcher(t, N2 / 100)));
    for (const task of tasks) yield* task;
  }
  try {
    loop.runUntilComplete(main());
  } finally {
    loop.close();
  }
  return counter.n;
}

/** W3 on `lib`; with `one`, scheduled from a context where it is set to 1, each callback adding it. */
function w3(lib: Lib, one: here.ContextVar<number> | null): number {
  const loop = new lib.EventLoop({ clock: 'virtual' });
  let count = 0;
  const plain = (): void => {
    if (++count === N3) loop.stop();
  };
  const reading = (): void => {
    count += (one as here.ContextVar<number>).get();
    if (count === N3) loop.stop();
  };
  const schedule = (): void => {
    if (one !== null) one.set(1);
    for (let i = 0; i < N3; i++) loop.callSoon(one === null ? plain : reading);
  };
  try {
    if (one === null) schedule();
    else new here.Context().run(schedule);
    loop.runForever();
  } finally {
    loop.close();
  }
  return count;
}

const v2 = new here.ContextVar<number>('requestId');
const v3 = new here.ContextVar<number>('one');
const allVariants: [string, () => number, number][] = [
  ...(base ? ([['W2 base (BASE)', () => w2(base, null), N2]] as [string, () => number, number][]) : []),
  ['W2 here, no ContextVar set', () => w2(here, null), N2],
  ['W2 here, one set per task', () => w2(here, v2), N2],
  ...(base ? ([['W3 base (BASE)', () => w3(base, null), N3]] as [string, () => number, number][]) : []),
  ['W3 here, no ContextVar set', () => w3(here, null), N3],
  ['W3 here, one set', () => w3(here, v3), N3],
];
/** ONLY=W3 keeps the variants whose name starts so. */
const variants = allVariants.filter(([name]) => name.startsWith(process.env.ONLY ?? ''));

if (process.argv[2] === 'child') {
  const [, fn, n] = variants[Number(process.argv[3])];
  time(fn, n); // warm-up
  let least = Infinity;
  for (let r = 0; r < RUNS; r++) least = Math.min(least, time(fn, n));
  console.log(least);
} else {
  const best = variants.map(() => Infinity);
  for (let r = 0; r < ROUNDS; r++) {
    variants.forEach((_, i) => {
      const child = spawnSync(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', __filename, 'child', String(i)], { encoding: 'utf8', env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' } });
      if (child.status !== 0) throw new Error(child.stderr);
      best[i] = Math.min(best[i], Number(child.stdout.trim()));
    });
  }
  console.log(`best of ${ROUNDS} interleaved rounds of ${RUNS} runs (W2 N=${N2}, W3 N=${N3}):`);
  variants.forEach(([name, , n], i) => {
    const first = variants.findIndex(([other]) => other.slice(0, 2) === name.slice(0, 2));
    console.log(`  ${name.padEnd(28)} ${(n / best[i] / 1e6).toFixed(2)}M ops/s  (${(best[first] / best[i]).toFixed(2)}× of ${variants[first][0]})`);
  });
}
