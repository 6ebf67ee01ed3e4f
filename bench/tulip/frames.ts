/**
 * What one more frame costs on each resume in W6 (the rule: "tulip must add
 * nothing per frame"). Each chain is timed at depth 0 and at depth 199 with
 * the same N; the difference, divided by N × 199, is the cost of one
 * delegating frame per resume:
 *   - bare: a plain loop calling `gen.next()` on a `yield*` chain — V8's
 *     own cost of walking the delegating frames, with no event loop at all;
 *   - tulip yield*: W6 on tulip; equal to bare when tulip adds nothing per frame;
 *   - tulip coroutine(): W6 through `coroutine()`; about 0 when a resume
 *     costs the same at any depth.
 */
import { EventLoop, type Coroutine } from '../../lib';
import { Stopwatch, fullGC } from '../harness';
import { DEPTH } from '../workloads';
import { level, levelC } from './workloads';

function* bareSleep0(): Generator<undefined, void, unknown> {
  yield;
}

function* bareLevel(d: number, n: number): Generator<undefined, number, unknown> {
  if (d === 0) {
    for (let k = 0; k < n; k++) yield* bareSleep0();
    return n;
  }
  return yield* bareLevel(d - 1, n);
}

function timeBare(depth: number, n: number): number {
  const sw = new Stopwatch();
  sw.start();
  const g = bareLevel(depth, n);
  let r = g.next();
  while (!r.done) r = g.next();
  sw.stop();
  if (r.value !== n) throw new Error('bare chain: wrong result');
  return sw.seconds();
}

function timeTulip(depth: number, n: number, viaCoroutine: boolean): number {
  const loop = new EventLoop({ clock: 'virtual' });
  const sw = new Stopwatch();
  try {
    sw.start();
    const r = loop.runUntilComplete(viaCoroutine ? levelC(depth, n) : (level(depth, n) as Coroutine<number>));
    sw.stop();
    if (r !== n) throw new Error('tulip chain: wrong result');
  } finally {
    loop.close();
  }
  return sw.seconds();
}

/** The best of `runs` timed runs, after warm-up runs for at least 0.3 s (as bench/cell.ts does). */
function best(runs: number, f: () => number): number {
  const warmUntil = Date.now() + 300;
  do {
    fullGC();
    f();
  } while (Date.now() < warmUntil);
  let b = Infinity;
  for (let i = 0; i < runs; i++) {
    fullGC();
    b = Math.min(b, f());
  }
  return b;
}

/** Nanoseconds per delegating frame per resume (and per-resume cost at depth 0), for each way of running the chain. */
export interface FrameCosts {
  n: number;
  depth: number;
  perFrameNs: { bare: number; tulipYield: number; tulipCoroutine: number };
  perResumeAtDepth0Ns: { bare: number; tulipYield: number; tulipCoroutine: number };
}

export function frameCosts(n: number, runs: number): FrameCosts {
  const perFrame = (t0: number, t1: number) => ((t1 - t0) / (n * DEPTH)) * 1e9;
  const perResume = (t0: number) => (t0 / n) * 1e9;
  const bare0 = best(runs, () => timeBare(0, n));
  const bare1 = best(runs, () => timeBare(DEPTH, n));
  const y0 = best(runs, () => timeTulip(0, n, false));
  const y1 = best(runs, () => timeTulip(DEPTH, n, false));
  const c0 = best(runs, () => timeTulip(0, n, true));
  const c1 = best(runs, () => timeTulip(DEPTH, n, true));
  return {
    n,
    depth: DEPTH,
    perFrameNs: { bare: perFrame(bare0, bare1), tulipYield: perFrame(y0, y1), tulipCoroutine: perFrame(c0, c1) },
    perResumeAtDepth0Ns: { bare: perResume(bare0), tulipYield: perResume(y0), tulipCoroutine: perResume(c0) },
  };
}
