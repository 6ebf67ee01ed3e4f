/**
 * Seeded scheduling (`new EventLoop({ shuffle: seed })`): each iteration's
 * batch of ready callbacks runs in an order drawn from a seeded generator,
 * so a race that FIFO order hides shows up — and the same seed replays the
 * same schedule. Only callbacks ready in the same iteration are permuted:
 * asyncio promises nothing about their order beyond FIFO, so any order is
 * one a correct program must survive.
 */
import type { Deque } from './deque';

/** A small seeded PRNG (mulberry32): the same seed, the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Fisher–Yates permutation of the first `n` items of `ready` (this iteration's batch). */
export function shuffleBatch<T>(ready: Deque<T>, n: number, random: () => number): void {
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    if (j !== i) ready.swap(i, j);
  }
}
