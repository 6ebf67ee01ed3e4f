/**
 * The loop's timer heap (lib/timer-heap.ts) against a hierarchical timing
 * wheel, on the timers alone — no loop, no callbacks: which structure
 * should hold the loop's timers? (Issue 18 asked for both to be measured.)
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/timer-structures.ts [N=100000]
 *
 * Both give timers out in the loop's order — earlier deadline first, equal
 * deadlines in scheduling order — and skip cancelled ones lazily, as the
 * loop does. Three patterns, N timers each, all pushed then all taken out
 * in order (best of 7 rounds after 3 warm-ups, a full GC before each):
 *
 *   near    W4's: delays in [0, 1) ms from the LCG of bench/harness.ts, a
 *           third cancelled; all due at once, as in W4's run
 *   spread  delays uniform in [0, 10) s, taken out as the clock advances in
 *           100 steps (a server's mix of timeouts)
 *   sleep0  N equal deadlines (`callLater(0)` in a loop): ties only
 *
 * The wheel here is the textbook one (Varghese & Lauck; Linux's timer
 * wheel, Netty's HashedWheelTimer), made exact: 256 slots of 1/8192 s,
 * then 256 slots of 256 ticks, beyond that a heap; a slot that comes due
 * is sorted by (deadline, sequence) before it is given out, so the order is
 * the heap's. `WHEEL_TICKS=1024` (an environment variable) sets the first
 * level's slots per second (default 8192). It is a prototype for measuring:
 * timers pushed into a tick already given out are not handled. bench/NOTES.md
 * ("Timers: heap or wheel") has runs.
 */
import { EventLoop } from '../lib';
import { TimerHandle } from '../lib/handles';
import { TimerHeap } from '../lib/timer-heap';
import { Heap } from '../lib/heap';
import { fullGC, w4DelaysMs } from './harness';

const TICK = 1 / Number(process.env.WHEEL_TICKS ?? 8192); // seconds per slot of the first level
const SLOTS = 256;

function order(a: TimerHandle, b: TimerHandle): number {
  return a._when - b._when || a._seq - b._seq;
}

/** A two-level timing wheel with a heap for what lies beyond its second level. */
class TimerWheel {
  private level0: TimerHandle[][] = Array.from({ length: SLOTS }, () => []);
  private level1: TimerHandle[][] = Array.from({ length: SLOTS }, () => []);
  private far = new Heap<TimerHandle>((a, b) => order(a, b) < 0);
  /** The tick the first level starts at. */
  private base: number;
  private due: TimerHandle[] = [];
  private dueAt = 0;
  length = 0;

  constructor(now: number) {
    this.base = Math.floor(now / TICK);
  }

  push(t: TimerHandle): void {
    this.length++;
    this.place(t);
  }

  private place(t: TimerHandle): void {
    const tick = Math.max(Math.floor(t._when / TICK), this.base);
    const d = tick - this.base;
    if (d < SLOTS) this.level0[tick % SLOTS].push(t);
    else if (d < SLOTS * SLOTS) this.level1[Math.floor(tick / SLOTS) % SLOTS].push(t);
    else this.far.push(t);
  }

  /** Takes out the next timer due at `now`, in order; undefined when none is due. */
  pop(now: number): TimerHandle | undefined {
    for (;;) {
      if (this.dueAt < this.due.length) {
        const t = this.due[this.dueAt++];
        if (t._when > now) {
          this.dueAt--;
          return undefined;
        }
        this.length--;
        return t;
      }
      this.due.length = 0;
      this.dueAt = 0;
      const nowTick = Math.floor(now / TICK);
      if (this.length === 0 || this.base > nowTick) return undefined;
      this.advance();
    }
  }

  /** Moves the current slot into `due`, sorted, and steps the wheel one tick (cascading the second level and the heap at each turn). */
  private advance(): void {
    const slot = this.level0[this.base % SLOTS];
    if (slot.length > 0) {
      this.due = slot.length > 1 ? slot.sort(order) : slot;
      this.level0[this.base % SLOTS] = [];
    }
    this.base++;
    if (this.base % SLOTS === 0) {
      const i = Math.floor(this.base / SLOTS) % SLOTS;
      const cascade = this.level1[i];
      this.level1[i] = [];
      for (const t of cascade) this.place(t);
      let top: TimerHandle | undefined;
      while ((top = this.far.peek()) !== undefined && Math.floor(top._when / TICK) - this.base < SLOTS * SLOTS) this.place(this.far.pop() as TimerHandle);
    }
  }
}

interface Pattern {
  name: string;
  /** Deadlines relative to now, in seconds. */
  delays(n: number): Float64Array;
  cancelEvery: number; // cancel i when i % cancelEvery === cancelEvery - 1 (0: none)
  steps: number; // how many clock advances take everything out
}

const PATTERNS: Pattern[] = [
  { name: 'near (W4)', delays: (n) => w4DelaysMs(n).map((ms) => ms / 1000), cancelEvery: 3, steps: 1 },
  {
    name: 'spread (0–10 s)',
    delays: (n) => {
      let x = 12345;
      return Float64Array.from({ length: n }, () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 10);
    },
    cancelEvery: 0,
    steps: 100,
  },
  { name: 'sleep0 (all equal)', delays: (n) => new Float64Array(n), cancelEvery: 0, steps: 1 },
];

const loop = new EventLoop({ clock: 'virtual' });
const noop = (): void => {};

/** One round: push N timers at `now`, cancel some, take everything out as the clock advances; returns seconds and checks the order. */
function round(kind: 'heap' | 'wheel', p: Pattern, delays: Float64Array, now: number): number {
  const n = delays.length;
  const handles = new Array<TimerHandle>(n);
  for (let i = 0; i < n; i++) handles[i] = new TimerHandle(now + delays[i], i, noop, null, loop, undefined, null as never);
  fullGC();
  const t0 = process.hrtime.bigint();
  const heap = new TimerHeap();
  const wheel = new TimerWheel(now);
  if (kind === 'heap') for (let i = 0; i < n; i++) heap.push(handles[i]);
  else for (let i = 0; i < n; i++) wheel.push(handles[i]);
  if (p.cancelEvery > 0) for (let i = p.cancelEvery - 1; i < n; i += p.cancelEvery) handles[i].cancel();
  let fired = 0;
  let last: TimerHandle | null = null;
  let inOrder = true;
  const span = p.steps === 1 ? 10 : 10 + 1e-6;
  for (let s = 1; s <= p.steps; s++) {
    const at = now + (span * s) / p.steps;
    let t: TimerHandle | undefined;
    if (kind === 'heap') {
      while (heap.peekWhen() <= at) {
        t = heap.pop() as TimerHandle;
        if (t._callback === null) continue;
        if (last !== null && order(last, t) > 0) inOrder = false;
        last = t;
        fired++;
      }
    } else {
      while ((t = wheel.pop(at)) !== undefined) {
        if (t._callback === null) continue;
        if (last !== null && order(last, t) > 0) inOrder = false;
        last = t;
        fired++;
      }
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const expected = p.cancelEvery > 0 ? n - Math.floor(n / p.cancelEvery) : n;
  if (fired !== expected || !inOrder) throw new Error(`${kind} ${p.name}: fired ${fired} of ${expected}, in order: ${inOrder}`);
  return seconds;
}

const n = Number(process.argv[2] ?? 100_000);
console.log(`timers pushed and taken out in order, N = ${n}; best of 7 after 3 warm-ups; timers per second (millions)`);
console.log(`${'pattern'.padEnd(20)} ${'TimerHeap'.padStart(10)} ${'wheel'.padStart(10)}  wheel ÷ heap`);
for (const p of PATTERNS) {
  const delays = p.delays(n);
  const now = 1000.123456; // a real-clock-like time: deadlines are fractional seconds
  const best = { heap: Infinity, wheel: Infinity };
  for (let r = 0; r < 10; r++) {
    for (const kind of ['heap', 'wheel'] as const) {
      const s = round(kind, p, delays, now);
      if (r >= 3) best[kind] = Math.min(best[kind], s);
    }
  }
  const rate = (s: number) => (n / s / 1e6).toFixed(2);
  console.log(`${p.name.padEnd(20)} ${rate(best.heap).padStart(10)} ${rate(best.wheel).padStart(10)}  ${(best.heap / best.wheel).toFixed(2)}×`);
}
loop.close();
