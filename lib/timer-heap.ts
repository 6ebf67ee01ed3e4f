/**
 * The loop's timers, smallest deadline first (CPython: `loop._scheduled`, a
 * heapq list of TimerHandles ordered by `(when, sequence)`).
 *
 * The same min-heap as lib/heap.ts, laid out for speed: the keys live in two
 * parallel `Float64Array`s beside the handles, and each node has four
 * children instead of two. A sift then compares numbers that sit next to
 * each other in memory instead of following a pointer to every TimerHandle
 * it passes, and a heap of 100 000 timers is 9 levels deep instead of 17.
 * Measured on W4 (100 000 timers, one third cancelled): pops were ~400 ns
 * each with lib/heap.ts, memory-bound on the scattered handles (bench/NOTES.md).
 *
 * The order is the same: earlier `when` first, and for equal deadlines the
 * one scheduled first (its `seq`), so equal-deadline timers run in the order
 * they were scheduled.
 */
import type { TimerHandle } from './handles';

const ARITY = 4;

export class TimerHeap {
  private _handles: (TimerHandle | undefined)[] = [];
  private _when = new Float64Array(64);
  private _seq = new Float64Array(64);
  private _n = 0;

  get length(): number {
    return this._n;
  }

  /** The timer due first, without removing it. */
  peek(): TimerHandle | undefined {
    return this._n > 0 ? this._handles[0] : undefined;
  }

  /** The deadline of the timer due first (Infinity when empty): no handle touched. */
  peekWhen(): number {
    return this._n > 0 ? this._when[0] : Infinity;
  }

  push(timer: TimerHandle): void {
    if (this._n === this._when.length) this._grow();
    this._siftUp(this._n++, timer, timer._when, timer._seq);
  }

  /** Removes and returns the timer due first. */
  pop(): TimerHandle | undefined {
    const n = this._n;
    if (n === 0) return undefined;
    const handles = this._handles;
    const top = handles[0];
    const last = n - 1;
    this._n = last;
    if (last > 0) this._siftDown(0, handles[last] as TimerHandle, this._when[last], this._seq[last]);
    handles[last] = undefined; // the heap must not keep a fired timer (and its callback's arguments) alive
    return top;
  }

  /** Keeps the timers for which `keep` is true and restores heap order in O(n) (CPython's heapify). */
  filter(keep: (timer: TimerHandle) => boolean): void {
    const handles = this._handles;
    let m = 0;
    for (let i = 0; i < this._n; i++) {
      const t = handles[i] as TimerHandle;
      if (keep(t)) {
        handles[m] = t;
        this._when[m] = t._when;
        this._seq[m] = t._seq;
        m++;
      }
    }
    for (let i = m; i < this._n; i++) handles[i] = undefined;
    this._n = m;
    for (let i = Math.floor((m - 2) / ARITY); i >= 0; i--) this._siftDown(i, handles[i] as TimerHandle, this._when[i], this._seq[i]);
  }

  /** The timers in heap (not sorted) order. */
  toArray(): TimerHandle[] {
    return this._handles.slice(0, this._n) as TimerHandle[];
  }

  clear(): void {
    this._handles = [];
    this._n = 0;
  }

  /** Moves holes up from `i` until `timer` fits there. */
  private _siftUp(i: number, timer: TimerHandle, when: number, seq: number): void {
    const handles = this._handles;
    const whens = this._when;
    const seqs = this._seq;
    while (i > 0) {
      const parent = ((i - 1) / ARITY) | 0;
      const pw = whens[parent];
      if (pw < when || (pw === when && seqs[parent] < seq)) break;
      handles[i] = handles[parent];
      whens[i] = pw;
      seqs[i] = seqs[parent];
      i = parent;
    }
    handles[i] = timer;
    whens[i] = when;
    seqs[i] = seq;
  }

  /** Moves the smallest child up into the hole at `i` until `timer` fits there. */
  private _siftDown(i: number, timer: TimerHandle, when: number, seq: number): void {
    const handles = this._handles;
    const whens = this._when;
    const seqs = this._seq;
    const n = this._n;
    for (;;) {
      const first = i * ARITY + 1;
      if (first >= n) break;
      // The smallest of the (up to) four children.
      let best = first;
      let bw = whens[first];
      const end = first + ARITY < n ? first + ARITY : n;
      for (let c = first + 1; c < end; c++) {
        const cw = whens[c];
        if (cw < bw || (cw === bw && seqs[c] < seqs[best])) {
          best = c;
          bw = cw;
        }
      }
      if (when < bw || (when === bw && seq < seqs[best])) break;
      handles[i] = handles[best];
      whens[i] = bw;
      seqs[i] = seqs[best];
      i = best;
    }
    handles[i] = timer;
    whens[i] = when;
    seqs[i] = seq;
  }

  private _grow(): void {
    const when = new Float64Array(this._when.length * 2);
    when.set(this._when);
    this._when = when;
    const seq = new Float64Array(this._seq.length * 2);
    seq.set(this._seq);
    this._seq = seq;
  }
}
