/**
 * What instruments cost on the hot path (issue 6): W2 (100 tasks, each
 * sleep(0) N/100 times) on one loop per run, with
 *   (a) no instrument attached — the runtime's only cost is one boolean test
 *       per hook site (`loop._instrumented`);
 *   (b) an instrument that was attached and removed again (the same boolean);
 *   (c) an empty instrument `{}` attached: every hook site calls `_emit`,
 *       which finds no hook to run;
 *   (d) an instrument counting task steps.
 * Interleaved rounds, best of each; run with
 *   node --expose-gc -r ts-node/register/transpile-only bench/instruments.ts
 */
import { EventLoop, sleep, type Coroutine, type Instrument } from '../lib';

const N = Number(process.env.N ?? 200_000);
const ROUNDS = 7;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

function* switcher(times: number, counter: { n: number }): Coroutine<void> {
  for (let i = 0; i < times; i++) yield* sleep(0);
  counter.n += times;
}

function* switchAll(loop: EventLoop, n: number, counter: { n: number }): Coroutine<void> {
  const tasks = [];
  for (let i = 0; i < 100; i++) tasks.push(loop.createTask(switcher(n / 100, counter)));
  for (const t of tasks) yield* t;
}

type Setup = (loop: EventLoop) => void;
const variants: [string, Setup][] = [
  ['no instrument', () => undefined],
  ['attached, then removed', (loop) => {
    const i: Instrument = {};
    loop.addInstrument(i);
    loop.removeInstrument(i);
  }],
  ['empty instrument {}', (loop) => loop.addInstrument({})],
  ['counting beforeTaskStep', (loop) => {
    let steps = 0;
    loop.addInstrument({ beforeTaskStep: () => void steps++ });
  }],
];

function once(setup: Setup): number {
  const loop = new EventLoop({ clock: 'virtual' });
  setup(loop);
  const counter = { n: 0 };
  gc();
  const t0 = process.hrtime.bigint();
  loop.runUntilComplete(switchAll(loop, N, counter));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  loop.close();
  if (counter.n !== N) throw new Error(`wrong count ${counter.n}`);
  return seconds;
}

for (const [, setup] of variants) once(setup); // warm-up
const best = variants.map(() => Infinity);
for (let r = 0; r < ROUNDS; r++) variants.forEach(([, setup], i) => (best[i] = Math.min(best[i], once(setup))));
console.log(`W2 (N=${N}), best of ${ROUNDS} interleaved rounds:`);
variants.forEach(([name], i) => {
  const ops = N / best[i];
  console.log(`  ${name.padEnd(26)} ${(ops / 1e6).toFixed(2)}M ops/s  (${(best[0] / best[i]).toFixed(2)}× of no instrument)`);
});
