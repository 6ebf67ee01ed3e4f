/**
 * Property-based stress of the scheduler: fast-check generates programs
 * (programs.ts), the interpreter runs each on a virtual-clock loop and checks
 * the runtime's invariants (interpreter.ts), and pure programs must end
 * exactly as the reference model says (model.ts). Each property also runs
 * under seeded shuffling. A failure prints the fast-check seed and path and
 * the command that replays it; fast-check shrinks the program first.
 *
 * Budget in `npm test`: 600 programs with the fixed base seed. `npm run
 * stress` scales it with TULIP_PROP_RUNS and a fresh seed.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Heap } from '../../lib/heap';
import type { TimerHeap } from '../../lib/timer-heap';
import { _GatheringFuture } from '../../lib/combinators';
import { Future, type Instrument, type TimerHandle } from '../../lib';
import { programArb, type Program } from './programs';
import { runProgram, type Run, type RunReport, type RunStats } from './interpreter';
import { model } from './model';
import { REPLAY_PATH, RUNS_SCALE, SEED, tally } from './tally';

const THIS_FILE = 'spec/reliability/properties.spec.ts';

/** Differences between what the model predicts and what the run did. */
function modelMismatches(p: Program, r: RunReport): string[] | null {
  const m = model(p);
  if (m === null) return null;
  const out: string[] = [];
  for (const [id, want] of m.tasks) {
    const got = r.tasks.get(id);
    if (got === undefined) out.push(`task ${id}: the model has it end ${want.outcome} at ${want.end}, the run never created it`);
    else if (got.outcome !== want.outcome || got.value !== want.value || got.end !== want.end) {
      out.push(`task ${id}: expected ${want.outcome} value=${want.value} at t=${want.end}, got ${got.outcome} value=${got.value} at t=${got.end}`);
    }
  }
  for (const id of r.tasks.keys()) if (!m.tasks.has(id)) out.push(`task ${id} ran, but the model never creates it`);
  if (m.rootValue !== r.rootValue) out.push(`root value: expected ${m.rootValue}, got ${r.rootValue}`);
  if (m.endTime !== r.endTime) out.push(`the run ended at t=${r.endTime}, the model says t=${m.endTime}`);
  return out;
}

function addStats(into: Partial<RunStats>, s: RunStats): void {
  for (const k of Object.keys(s) as (keyof RunStats)[]) into[k] = (into[k] ?? 0) + s[k];
}

interface PropertyRun {
  stats: Partial<RunStats>;
  modelled: number;
}

/**
 * Checks `program → no violation (and the model agrees)` on `runs` generated
 * programs. `seedOffset` makes each property's seed distinct but fixed.
 */
function checkPrograms(title: string, seedOffset: number, runs: number, arb: fc.Arbitrary<[Program, number | null]>, mutate?: (run: Run) => void): { failure: string | null; run: PropertyRun } {
  const acc: PropertyRun = { stats: {}, modelled: 0 };
  const seed = SEED + seedOffset;
  const property = fc.property(arb, ([program, shuffle]) => {
    const report = runProgram(program, shuffle, mutate);
    addStats(acc.stats, report.stats);
    const problems = [...report.violations];
    const mismatch = modelMismatches(program, report);
    if (mismatch !== null) {
      acc.modelled++;
      problems.push(...mismatch);
    }
    if (problems.length > 0) throw new Error(`${problems.length} problem(s)${shuffle !== null ? ` (shuffle seed ${shuffle})` : ''}:\n  ${problems.slice(0, 12).join('\n  ')}`);
  });
  const details = fc.check(property, { seed, numRuns: runs, path: REPLAY_PATH, endOnFailure: mutate !== undefined });
  if (!details.failed) return { failure: null, run: acc };
  const replay = `TULIP_PROP_SEED=${SEED} TULIP_PROP_PATH='${details.counterexamplePath}' npx mocha ${THIS_FILE} -g '${title}'`;
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return { failure: `${fc.defaultReportMessage(details)}\n\nWhat went wrong: ${error}\n\nReplay this case with:\n  ${replay}\n`, run: acc };
}

const shuffleSeed = fc.integer({ min: 1, max: 2 ** 31 - 1 });
const fifo = (mode: 'pure' | 'full') => fc.tuple(programArb(mode), fc.constant<number | null>(null));
const shuffled = (mode: 'pure' | 'full') => fc.tuple(programArb(mode), shuffleSeed as fc.Arbitrary<number | null>);

function record(run: PropertyRun, runs: number, isShuffled: boolean): void {
  const s = run.stats;
  tally.programs += runs;
  tally.modelled += run.modelled;
  if (isShuffled) tally.shuffled += runs;
  tally.tasks += s.tasks ?? 0;
  tally.callbacks += s.callbacks ?? 0;
  tally.timers += s.timers ?? 0;
  tally.cancellationsInjected += s.cancelRequests ?? 0;
  tally.timeoutsExpired += s.timeoutsExpired ?? 0;
  tally.errorsThrown += s.errorsThrown ?? 0;
  tally.queueItems += s.itemsPut ?? 0;
  tally.dataLost += (s.itemsLost ?? 0) + (s.itemsDuplicated ?? 0);
}

const PURE_RUNS = Math.round(150 * RUNS_SCALE);
const PURE_SHUFFLED_RUNS = Math.round(100 * RUNS_SCALE);
const FULL_RUNS = Math.round(200 * RUNS_SCALE);
const FULL_SHUFFLED_RUNS = Math.round(150 * RUNS_SCALE);

describe('reliability: generated programs on the virtual clock', function () {
  this.timeout(Math.max(120_000, 600_000 * RUNS_SCALE));

  const pureTitle = 'pure programs end exactly as the reference model says';
  it(`${pureTitle} (${PURE_RUNS} programs)`, () => {
    const { failure, run } = checkPrograms(pureTitle, 1, PURE_RUNS, fifo('pure'));
    record(run, PURE_RUNS, false);
    if (failure) expect.fail(failure);
    // Nearly every pure program is predictable (a tie would make the model decline it).
    expect(run.modelled).to.be.at.least(PURE_RUNS * 0.9);
    expect(run.stats.cancelledTasks, 'timeouts cancelled tasks').to.be.greaterThan(0);
    expect(run.stats.timeoutsExpired).to.be.greaterThan(0);
    expect(run.stats.errorsThrown).to.be.greaterThan(0);
  });

  const pureShuffledTitle = 'pure programs end as the model says under seeded shuffling';
  it(`${pureShuffledTitle} (${PURE_SHUFFLED_RUNS} programs)`, () => {
    const { failure, run } = checkPrograms(pureShuffledTitle, 2, PURE_SHUFFLED_RUNS, shuffled('pure'));
    record(run, PURE_SHUFFLED_RUNS, true);
    if (failure) expect.fail(failure);
    expect(run.modelled).to.be.at.least(PURE_SHUFFLED_RUNS * 0.9);
  });

  const fullTitle = 'programs with locks, queues, events, task groups and injected cancellations keep every invariant';
  it(`${fullTitle} (${FULL_RUNS} programs)`, () => {
    const { failure, run } = checkPrograms(fullTitle, 3, FULL_RUNS, fifo('full'));
    record(run, FULL_RUNS, false);
    if (failure) expect.fail(failure);
    const s = run.stats;
    expect(s.cancelRequests, 'cancellations injected').to.be.greaterThan(FULL_RUNS);
    expect(s.itemsPut, 'queue items moved').to.be.greaterThan(FULL_RUNS);
    expect(s.itemsGot).to.be.greaterThan(0);
    expect(s.refused, 'tasks that refused a cancellation').to.be.greaterThan(0);
    expect(s.itemsLost).to.equal(0);
    expect(s.itemsDuplicated).to.equal(0);
  });

  const fullShuffledTitle = 'programs with shared state keep every invariant under seeded shuffling';
  it(`${fullShuffledTitle} (${FULL_SHUFFLED_RUNS} programs)`, () => {
    const { failure, run } = checkPrograms(fullShuffledTitle, 4, FULL_SHUFFLED_RUNS, shuffled('full'));
    record(run, FULL_SHUFFLED_RUNS, true);
    if (failure) expect.fail(failure);
    expect(run.stats.itemsLost).to.equal(0);
  });
});

/**
 * Each of these breaks the runtime in one small way and expects the
 * property to find it: proof that the checks above can fail.
 */
describe('reliability: the checks catch a broken runtime', () => {
  function expectCaught(mutate: (run: Run) => void, mode: 'pure' | 'full', pattern: RegExp, seedOffset: number): void {
    const { failure } = checkPrograms('mutant', 100 + seedOffset, 200, fifo(mode), mutate);
    expect(failure, 'the mutant went unnoticed').to.be.a('string');
    expect(failure).to.match(pattern);
  }

  /** Calls `fn(run)` right after the loop has run `n` callbacks. */
  function afterCallbacks(run: Run, n: number, fn: () => void): void {
    let count = 0;
    const spy: Instrument = { afterCallback: () => void (++count === n && fn()) };
    run.loop.addInstrument(spy);
  }

  it('a callback dropped from the ready deque is reported as lost', () => {
    expectCaught((run) => afterCallbacks(run, 20, () => run.loop._ready.shift()), 'full', /lost|deadlock|never ran/, 1);
  });

  it('timers that fire within 0.3 s of their deadline are reported as early', () => {
    expectCaught((run) => void (run.loop._clockResolution = 0.3), 'pure', /timer fired early/, 2);
  });

  it('timers with equal deadlines fired newest first are reported', () => {
    const newestFirst = (a: TimerHandle, b: TimerHandle) => a._when < b._when || (a._when === b._when && a._seq > b._seq);
    // lib/heap.ts with a wrong order, given the one method the loop's TimerHeap adds.
    const wrongHeap = (): TimerHeap => {
      const h = new Heap<TimerHandle>(newestFirst);
      return Object.assign(h, { peekWhen: () => h.peek()?._when ?? Infinity }) as unknown as TimerHeap;
    };
    expectCaught((run) => void (run.loop._scheduled = wrongHeap()), 'pure', /out of scheduling order/, 3);
  });

  it('ready callbacks run out of order are reported', () => {
    let x = 7;
    expectCaught((run) => void (run.loop._random = () => ((x = (x * 48271) % 2147483647) / 2147483647)), 'pure', /out of order/, 4);
  });

  it('a queue that duplicates an item is caught', () => {
    expectCaught((run) => {
      const q = run.queues[0];
      const put = q._put.bind(q);
      q._put = (item: number) => {
        put(item);
        if (item % 5 === 0) put(item);
      };
    }, 'full', /came out twice/, 5);
  });

  it('a queue that drops an item is caught', () => {
    expectCaught((run) => {
      const q = run.queues[1];
      const get = q._get.bind(q);
      q._get = () => {
        const item = get();
        return item % 4 === 0 && q.qsize() > 0 ? get() : item;
      };
    }, 'full', /lost/, 6);
  });

  it('a gather that cancels only its first child disagrees with the model', () => {
    const original = Object.getOwnPropertyDescriptor(_GatheringFuture.prototype, 'cancel') as PropertyDescriptor;
    _GatheringFuture.prototype.cancel = function (this: _GatheringFuture<unknown>, msg?: string): boolean {
      if (this.done()) return false;
      const first = this._children[0];
      if (first?.cancel(msg)) this._cancelRequested = true;
      return this._cancelRequested;
    };
    try {
      expectCaught(() => {}, 'pure', /expected cancelled|expected .* at t=|model/, 7);
    } finally {
      Object.defineProperty(_GatheringFuture.prototype, 'cancel', original);
    }
  });

  it('a future whose callbacks run twice is caught', () => {
    const original = Object.getOwnPropertyDescriptor(Future.prototype, '_scheduleCallbacks') as PropertyDescriptor;
    const schedule = original.value as (this: Future<unknown>) => void;
    let n = 0;
    Future.prototype._scheduleCallbacks = function (this: Future<unknown>): void {
      const cb = this._callback0;
      const context = this._context0;
      schedule.call(this);
      if (cb !== null && ++n % 50 === 0) this._schedule(cb, context); // once more
    };
    try {
      expectCaught(() => {}, 'pure', /ran 2 times|_step\(\): already done|InvalidStateError|problem/, 8);
    } finally {
      Object.defineProperty(Future.prototype, '_scheduleCallbacks', original);
    }
  });
});
