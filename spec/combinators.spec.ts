// lib/combinators.ts: gather, shield, wait, waitFor, asCompleted — results, ordering,
// cancellation in both directions, timeouts, bad input, task-tree labels, and stress.
import { expect } from 'chai';
import {
  ALL_COMPLETED,
  CancelledError,
  EventLoop,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  RuntimeError,
  StopAsyncIteration,
  Task,
  TimeoutError,
  ValueError,
  allTasks,
  anext,
  asCompleted,
  asyncFor,
  asyncWith,
  coroutine,
  createTask,
  currentTask,
  eagerTaskFactory,
  gather,
  setEventLoop,
  shield,
  sleep,
  timeout,
  wait,
  waitFor,
  type Coroutine,
} from '../lib';
import { catching, errorsOf, fail, runClean, throws, useVirtualLoop, val } from './support';

// ---- helpers ----

let loop: EventLoop;
useVirtualLoop((l) => (loop = l));

// ---- gather ----

describe('gather', () => {
  it('gives the results in input order, not completion order, after the slowest', () => {
    const finished: string[] = [];
    function* track(delay: number, v: string): Coroutine<string> {
      yield* sleep(delay);
      finished.push(v);
      return v;
    }
    const r = runClean(loop, (function* () {
      return yield* gather([track(3, 'a'), track(1, 'b'), track(2, 'c')]);
    })());
    expect(r).to.deep.equal(['a', 'b', 'c']);
    expect(finished).to.deep.equal(['b', 'c', 'a']);
    expect(loop.time()).to.equal(3);
  });

  it('mixes Futures, Tasks, coroutines and coroutine() calls; coroutines become Tasks', () => {
    const twice = coroutine(function* twice(x: number): Coroutine<number> {
      yield* sleep(1);
      return 2 * x;
    });
    const r = runClean(loop, (function* () {
      const fut = loop.createFuture<string>();
      loop.callLater(2, () => fut.setResult('f'));
      const before = allTasks(loop).size;
      const g = gather([fut, createTask(val(1, 't')), val(1, 'c'), twice(4)]);
      expect(allTasks(loop).size).to.equal(before + 3);
      return yield* g;
    })());
    expect(r).to.deep.equal(['f', 't', 'c', 8]);
  });

  it('gather([]) is a plain Future already done with []', () => {
    runClean(loop, (function* () {
      const g = gather([]);
      expect(g).to.be.instanceOf(Future);
      expect(g).to.not.be.instanceOf(Task);
      expect(g.done()).to.equal(true);
      expect(g.getLoop()).to.equal(loop);
      expect(yield* g).to.deep.equal([]);
    })());
  });

  it('is done before it returns when every child is already done', () => {
    runClean(loop, (function* () {
      const a = loop.createFuture<number>();
      const b = loop.createFuture<number>();
      a.setResult(1);
      b.setResult(2);
      const g = gather([a, b]);
      expect(g.done()).to.equal(true);
      expect(g.result()).to.deep.equal([1, 2]);
      const bad = loop.createFuture<number>();
      bad.setException(new ValueError('early'));
      const g2 = gather([a, bad]);
      expect(g2.done()).to.equal(true);
      expect(g2.exception()).to.be.instanceOf(ValueError);
      yield* sleep(0);
    })());
  });

  it('with eager tasks that finish at once, the gather is done at once', () => {
    runClean(loop, (function* () {
      loop.setTaskFactory(eagerTaskFactory);
      function* now(v: number): Coroutine<number> {
        return v;
      }
      const g = gather([now(1), now(2)]);
      expect(g.done()).to.equal(true);
      expect(g.result()).to.deep.equal([1, 2]);
      loop.setTaskFactory(null);
      yield* sleep(0);
    })());
  });

  it('the first failure finishes the gather; the other children keep running', () => {
    const seen = errorsOf(loop);
    const boom = new ValueError('x');
    let slow!: Task<string>;
    let late!: Task<never>;
    runClean(loop, (function* () {
      slow = createTask(val(5, 'slow'));
      late = createTask(fail(2, new ValueError('y')));
      const err = yield* catching(gather([slow, createTask(fail(1, boom)), late]));
      expect(err).to.equal(boom); // the very same error object
      expect(loop.time()).to.equal(1);
      expect(slow.done()).to.equal(false);
      expect(yield* slow).to.equal('slow');
      expect(late.done()).to.equal(true);
    })());
    loop.close();
    // The later failure counted as seen by the gather: no "never retrieved" report.
    expect(seen).to.deep.equal([]);
  });

  it('returnExceptions: failures and cancellations take their places', () => {
    const zde = new RangeError('zde');
    runClean(loop, (function* () {
      const c = createTask(val(10, 'c'));
      const g = gather([val(1, 1), fail(2, zde), c, val(3, 3)], { returnExceptions: true });
      yield* sleep(0);
      c.cancel('m');
      const r = yield* g;
      expect(r[0]).to.equal(1);
      expect(r[1]).to.equal(zde);
      // A task that ended by cancellation has no cancel message of its own (as in CPython).
      expect(r[2]).to.be.instanceOf(CancelledError);
      expect((r[2] as CancelledError).message).to.equal('');
      expect(r[3]).to.equal(3);
    })());
  });

  it('returnExceptions with a cancelled Future keeps its message', () => {
    runClean(loop, (function* () {
      const f = loop.createFuture<number>();
      const g = gather([f], { returnExceptions: true });
      f.cancel('gone');
      const [r] = yield* g;
      expect(r).to.be.instanceOf(CancelledError);
      expect((r as CancelledError).message).to.equal('gone');
    })());
  });

  it('a cancelled child fails the gather with CancelledError, but the gather is not cancelled', () => {
    runClean(loop, (function* () {
      const t1 = createTask(val(10, 'a'));
      const t2 = createTask(val(1, 'b'));
      const g = gather([t1, t2]);
      yield* sleep(0);
      t1.cancel('m');
      const err = yield* catching(g);
      expect(err).to.be.instanceOf(CancelledError);
      expect((err as CancelledError).message).to.equal('m');
      expect(g.cancelled()).to.equal(false);
      expect(g.done()).to.equal(true);
      expect(t2.done()).to.equal(false);
      expect(yield* t2).to.equal('b');
    })());
  });

  it('cancelling the gather cancels every child; it ends with CancelledError(msg), not cancelled', () => {
    runClean(loop, (function* () {
      const t1 = createTask(val(10, 1));
      const t2 = createTask(val(10, 2));
      const g = gather([t1, t2]);
      yield* sleep(1);
      expect(g.cancel('why')).to.equal(true);
      const err = yield* catching(g);
      expect(err).to.be.instanceOf(CancelledError);
      expect((err as CancelledError).message).to.equal('why');
      expect(t1.cancelled()).to.equal(true);
      expect(t2.cancelled()).to.equal(true);
      expect(g.cancelled()).to.equal(false);
      expect(g.exception()).to.be.instanceOf(CancelledError);
      expect(g.cancel()).to.equal(false); // done now
    })());
  });

  it('cancelling a returnExceptions gather still ends it with CancelledError, once all children finished', () => {
    runClean(loop, (function* () {
      const g = gather([val(1, 'x'), val(5, 'y')], { returnExceptions: true });
      yield* sleep(2);
      expect(g.cancel('why')).to.equal(true);
      const err = yield* catching(g);
      expect(err).to.be.instanceOf(CancelledError);
      expect((err as CancelledError).message).to.equal('why');
      expect(g.cancelled()).to.equal(false);
    })());
  });

  it('a cancelled gather whose children all refuse still reports the cancellation', () => {
    runClean(loop, (function* () {
      function* stubborn(): Coroutine<string> {
        try {
          yield* sleep(10);
        } catch {
          return 'refused';
        }
        return 'slept';
      }
      const g = gather([stubborn()], { returnExceptions: true });
      yield* sleep(1);
      expect(g.cancel()).to.equal(true);
      expect(yield* catching(g)).to.be.instanceOf(CancelledError);
    })());
  });

  it('cancel() is false when no child accepts (they are done, their callbacks not yet run)', () => {
    runClean(loop, (function* () {
      const f = loop.createFuture<number>();
      const g = gather([f]);
      f.setResult(42);
      expect(g.cancel()).to.equal(false);
      expect(yield* g).to.deep.equal([42]);
    })());
  });

  it('cancelling the task that awaits the gather cancels every child', () => {
    runClean(loop, (function* () {
      const waiter = loop.createFuture<void>();
      let proof = 0;
      function* child(): Coroutine<void> {
        yield* waiter;
        proof++;
      }
      const c1 = createTask(child());
      const c2 = createTask(child());
      let gathering!: Future<unknown>;
      const outer = createTask((function* () {
        gathering = gather([c1, c2]);
        yield* gathering;
      })());
      yield* sleep(0);
      expect(outer.cancel()).to.equal(true);
      expect(yield* catching(outer)).to.be.instanceOf(CancelledError);
      expect(gathering.cancel()).to.equal(false);
      expect(c1.cancelled() && c2.cancelled()).to.equal(true);
      expect(waiter.cancelled()).to.equal(true);
      expect(proof).to.equal(0);
    })());
  });

  it('the same awaitable twice is one child whose result fills both places', () => {
    runClean(loop, (function* () {
      let runs = 0;
      function* once(): Coroutine<string> {
        runs++;
        yield* sleep(1);
        return 'abc';
      }
      const c = once();
      const before = allTasks(loop).size;
      const g = gather([c, c, val(1, 'def'), c]);
      expect(allTasks(loop).size).to.equal(before + 2);
      expect(g._waitInfo?.children).to.have.length(2);
      expect(yield* g).to.deep.equal(['abc', 'abc', 'def', 'abc']);
      expect(runs).to.equal(1);
    })());
  });

  it('a pending task or future given twice is one child too, without a map of every argument', () => {
    runClean(loop, (function* () {
      const t = createTask(val(1, 'a'));
      const f = loop.createFuture<string>();
      loop.callLater(2, () => f.setResult('b'));
      const g = gather([t, f, t, f, t]);
      expect(g._waitInfo?.children).to.deep.equal([t, f]);
      expect(yield* g).to.deep.equal(['a', 'b', 'a', 'b', 'a']);
    })());
  });

  it('with an eager task factory, a future that a child finishes while gather starts it is still one child', () => {
    loop.setTaskFactory(eagerTaskFactory);
    runClean(loop, (function* () {
      const f = loop.createFuture<string>();
      function* finisher(): Coroutine<string> {
        f.setResult('f'); // runs inside gather(), at createTask: f was pending when gather saw it first
        yield* sleep(1);
        return 'c';
      }
      const g = gather([f, finisher(), f]);
      expect(g._waitInfo?.children).to.have.length(2);
      expect(yield* g).to.deep.equal(['f', 'c', 'f']);
    })());
  });

  it('labels its future for task trees: kind gather, the children', () => {
    runClean(loop, (function* () {
      const t1 = createTask(val(1, 1));
      const t2 = createTask(val(1, 2));
      const g = gather([t1, t2]);
      expect(g._waitInfo).to.deep.equal({ kind: 'gather', children: [t1, t2] });
      expect(String(g)).to.equal('<_GatheringFuture pending>');
      yield* g;
    })());
  });

  it('works outside a running loop, on the loop of its futures', () => {
    const a = loop.createFuture<number>();
    const g = gather([a]);
    expect(g.getLoop()).to.equal(loop);
    loop.callSoon(() => a.setResult(7));
    expect(loop.runUntilComplete(g)).to.deep.equal([7]);
  });

  describe('bad input (nothing is scheduled)', () => {
    it('refuses a non-array, pointing at gather(a, b) when that was written', () => {
      runClean(loop, (function* () {
        const before = loop._ready.length;
        const f = loop.createFuture();
        const e1 = throws(() => gather(f as never)) as TypeError;
        expect(e1).to.be.instanceOf(TypeError);
        expect(e1.message).to.match(/array/).and.match(/gather\(\[a, b\]\)/);
        const g = val(1, 1);
        expect(throws(() => gather(g as never))).to.be.instanceOf(TypeError);
        expect(throws(() => gather(new Set([f]) as never))).to.be.instanceOf(TypeError);
        expect(throws(() => gather(null as never))).to.be.instanceOf(TypeError);
        expect(allTasks(loop).size).to.equal(1);
        expect(loop._ready.length).to.equal(before);
        yield* sleep(0);
      })());
    });

    it('refuses an element that is not awaitable, before making any task', () => {
      runClean(loop, (function* () {
        const e = throws(() => gather([val(1, 1), {} as never])) as TypeError;
        expect(e).to.be.instanceOf(TypeError);
        expect(e.message).to.match(/Futures, Tasks or coroutines/);
        const e2 = throws(() => gather([val as never])) as TypeError;
        expect(e2.message).to.match(/call it/);
        expect(allTasks(loop).size).to.equal(1); // just this main task
        yield* sleep(0);
      })());
    });

    it('refuses options that are not an object (a second awaitable, say)', () => {
      runClean(loop, (function* () {
        expect(throws(() => gather([val(1, 1)], val(1, 2) as never))).to.be.instanceOf(TypeError);
        expect(throws(() => gather([val(1, 1)], true as never))).to.be.instanceOf(TypeError);
        expect(throws(() => gather([val(1, 1)], null as never))).to.be.instanceOf(TypeError);
        expect(allTasks(loop).size).to.equal(1);
        yield* sleep(0);
      })());
    });

    it('refuses futures of two loops (ValueError) and an already awaited coroutine() call', () => {
      const other = new EventLoop({ clock: 'virtual' });
      try {
        runClean(loop, (function* () {
          expect(throws(() => gather([loop.createFuture(), other.createFuture()]))).to.be.instanceOf(ValueError);
          const f = coroutine(function* f(): Coroutine<number> {
            return 1;
          });
          const call = f();
          yield* call;
          expect(throws(() => gather([call]))).to.be.instanceOf(RuntimeError);
          expect(allTasks(loop).size).to.equal(1);
        })());
      } finally {
        other.close();
      }
    });
  });
});

// ---- shield ----

describe('shield', () => {
  it('cancelling the outer future leaves the inner task running to its result', () => {
    runClean(loop, (function* () {
      const inner = createTask(val(2, 'kept'));
      const outer = shield(inner);
      expect(outer).to.not.equal(inner);
      yield* sleep(1);
      expect(outer.cancel()).to.equal(true);
      expect(yield* inner).to.equal('kept');
      expect(outer.cancelled()).to.equal(true);
      expect(inner.cancelled()).to.equal(false);
      expect(outer._callback0).to.equal(null);
    })());
  });

  it('cancelling the task that awaits the shield does not reach the inner coroutine', () => {
    runClean(loop, (function* () {
      const waiter = loop.createFuture<void>();
      let proof = 0;
      function* inner(): Coroutine<void> {
        yield* waiter;
        proof++;
      }
      const outer = createTask((function* () {
        yield* shield(inner());
      })());
      yield* sleep(0);
      outer.cancel();
      expect(yield* catching(outer)).to.be.instanceOf(CancelledError);
      waiter.setResult(undefined);
      yield* sleep(0);
      yield* sleep(0);
      expect(proof).to.equal(1);
    })());
  });

  it('reflects the inner result, exception or cancellation', () => {
    runClean(loop, (function* () {
      const a = loop.createFuture<number>();
      const sa = shield(a);
      a.setResult(42);
      expect(yield* sa).to.equal(42);
      const b = loop.createFuture<number>();
      const sb = shield(b);
      const exc = new ValueError('bad');
      b.setException(exc);
      expect(yield* catching(sb)).to.equal(exc);
      const c = loop.createFuture<number>();
      const sc = shield(c);
      c.cancel();
      yield* sleep(0);
      expect(sc.cancelled()).to.equal(true);
    })());
  });

  it('an inner failure racing the outer cancellation counts as seen; a later one is the inner\'s owner\'s to read', () => {
    const seen = errorsOf(loop);
    let later!: Future<number>;
    runClean(loop, (function* () {
      const inner = loop.createFuture<number>();
      const outer = shield(inner);
      outer.cancel();
      inner.setException(new ValueError('same iteration')); // before the outer's callback ran
      yield* sleep(0);
      later = loop.createFuture<number>();
      shield(later).cancel();
      yield* sleep(0); // the outer is done: it stopped listening to `later`
      later.setException(new ValueError('later'));
      yield* sleep(0);
    })());
    loop.close();
    expect(seen.map((c) => c.future)).to.deep.equal([later]);
  });

  it('returns an inner future that is already done as is; a coroutine becomes a task', () => {
    runClean(loop, (function* () {
      const done = loop.createFuture<number>();
      done.setResult(1);
      expect(shield(done)).to.equal(done);
      const s = shield(val(1, 'c'));
      expect(s._waitInfo?.kind).to.equal('shield');
      expect(s._waitInfo?.children?.[0]).to.be.instanceOf(Task);
      expect(yield* s).to.equal('c');
    })());
  });

  it('gather(shield(a), shield(b)).cancel() cancels the shields, not a and b', () => {
    runClean(loop, (function* () {
      const c1 = createTask(val(1, 1));
      const c2 = createTask(val(1, 2));
      const s1 = shield(c1);
      const s2 = shield(c2);
      const parent = gather([s1, s2]);
      expect(parent.cancel()).to.equal(true);
      expect(yield* catching(parent)).to.be.instanceOf(CancelledError);
      expect(s1.cancelled() && s2.cancelled()).to.equal(true);
      expect(yield* c1).to.equal(1);
      expect(yield* c2).to.equal(2);
    })());
  });

  it('refuses what is not awaitable', () => {
    runClean(loop, (function* () {
      expect(throws(() => shield(42 as never))).to.be.instanceOf(TypeError);
      yield* sleep(0);
    })());
  });
});

// ---- wait ----

describe('wait', () => {
  it('ALL_COMPLETED (the default) waits for all; a second call returns at once', () => {
    runClean(loop, (function* () {
      const a = createTask(val(0.1, 'a'));
      const b = createTask(val(0.15, 'b'));
      const [done, pending] = yield* wait([b, a]);
      expect(done).to.deep.equal(new Set([a, b]));
      expect(pending.size).to.equal(0);
      expect(loop.time()).to.be.closeTo(0.15, 1e-9);
      const [done2] = yield* wait([a, b], { returnWhen: ALL_COMPLETED });
      expect(done2.size).to.equal(2);
      expect(loop.time()).to.be.closeTo(0.15, 1e-9);
    })());
  });

  it('FIRST_COMPLETED returns at the first; nothing is cancelled; callbacks are removed', () => {
    runClean(loop, (function* () {
      const a = createTask(val(10, 'a'));
      const b = createTask(val(0.1, 'b'));
      const [done, pending] = yield* wait([a, b], { returnWhen: FIRST_COMPLETED });
      expect([...done]).to.deep.equal([b]);
      expect([...pending]).to.deep.equal([a]);
      expect(loop.time()).to.be.closeTo(0.1, 1e-9);
      expect(a.cancelled()).to.equal(false);
      expect(a._callback0).to.equal(null);
      expect(a._callbacks).to.equal(null);
      a.cancel();
      yield* catching(a);
    })());
  });

  it('done/pending are computed on return: what finished meanwhile is done too', () => {
    runClean(loop, (function* () {
      function* ticks(n: number): Coroutine<number> {
        for (let i = 0; i < n; i++) yield;
        return n;
      }
      const a = createTask(ticks(1));
      const b = createTask(ticks(2));
      const [done, pending] = yield* wait([a, b], { returnWhen: FIRST_COMPLETED });
      expect(done.size).to.equal(2);
      expect(pending.size).to.equal(0);
    })());
  });

  it('FIRST_EXCEPTION returns at a failure, not at a cancellation, else when all are done', () => {
    runClean(loop, (function* () {
      const a = createTask(val(10, 'a'));
      const c = createTask(val(10, 'c'));
      const b = createTask(fail(0.01, new ValueError('b')));
      yield* sleep(0);
      c.cancel();
      const [done, pending] = yield* wait([a, b, c], { returnWhen: FIRST_EXCEPTION });
      expect(done).to.deep.equal(new Set([c, b]));
      expect(pending).to.deep.equal(new Set([a]));
      expect(loop.time()).to.be.closeTo(0.01, 1e-9);
      const [d2, p2] = yield* wait([a], { returnWhen: FIRST_EXCEPTION });
      expect(d2.size + p2.size).to.equal(1);
      expect(p2.size).to.equal(0);
      expect(loop.time()).to.equal(10);
    })());
  });

  it('a timeout returns what finished and cancels nothing, nor throws; its timer goes too', () => {
    runClean(loop, (function* () {
      const a = createTask(val(0.1, 'a'));
      const b = createTask(val(0.15, 'b'));
      const [done, pending] = yield* wait([b, a], { timeout: 0.11 });
      expect([...done]).to.deep.equal([a]);
      expect([...pending]).to.deep.equal([b]);
      expect(loop.time()).to.be.closeTo(0.11, 1e-9);
      expect(b.cancelled()).to.equal(false);
      yield* b;
      // A wait that finishes early leaves no timer behind: the clock does not jump to it.
      const c = createTask(val(1, 'c'));
      yield* wait([c], { timeout: 1000 });
      expect(loop.time()).to.be.closeTo(1.15, 1e-9);
    })());
    expect(loop.time()).to.be.closeTo(1.15, 1e-9);
  });

  it('a timeout of 0 or less returns on the next iteration with everything pending', () => {
    runClean(loop, (function* () {
      const a = createTask(val(1, 'a'));
      for (const t of [0, -1]) {
        const [done, pending] = yield* wait([a], { timeout: t });
        expect(done.size).to.equal(0);
        expect(pending.size).to.equal(1);
      }
      expect(loop.time()).to.equal(0);
      yield* a;
    })());
  });

  it('cancelling the waiting task cancels none of the futures and removes its callbacks', () => {
    runClean(loop, (function* () {
      const a = createTask(val(5, 'a'));
      const w = createTask(wait([a], { timeout: 3 }));
      yield* sleep(1);
      w.cancel();
      expect(yield* catching(w)).to.be.instanceOf(CancelledError);
      expect(a.cancelled()).to.equal(false);
      expect(a._callback0).to.equal(null);
      expect(yield* a).to.equal('a');
    })());
    expect(loop.time()).to.equal(5);
  });

  it('takes any iterable (Set, array iterator); duplicates collapse', () => {
    runClean(loop, (function* () {
      const a = createTask(val(1, 'a'));
      const b = createTask(val(1, 'b'));
      const [d1] = yield* wait(new Set([a, b]));
      expect(d1.size).to.equal(2);
      const [d2] = yield* wait([a, a, b].values());
      expect(d2.size).to.equal(2);
    })());
  });

  it('can be run by runUntilComplete from outside the loop', () => {
    const f = loop.createFuture<number>();
    const w = wait([f]);
    loop.callSoon(() => f.setResult(1));
    const [done] = loop.runUntilComplete(w);
    expect(done.has(f)).to.equal(true);
  });

  it('labels its waiter for task trees: kind wait, the futures', () => {
    runClean(loop, (function* () {
      const a = createTask(val(1, 'a'));
      const w = createTask(wait([a]));
      yield* sleep(0);
      expect(w._futWaiter?._waitInfo).to.deep.equal({ kind: 'wait', children: [a] });
      yield* w;
    })());
  });

  describe('bad input (checked at the call)', () => {
    it('a single future or coroutine instead of a collection: TypeError naming its type', () => {
      runClean(loop, (function* () {
        const t = createTask(val(0, 1));
        const e = throws(() => wait(t as never)) as TypeError;
        expect(e).to.be.instanceOf(TypeError);
        expect(e.message).to.equal('expect a list of futures, not Task');
        expect((throws(() => wait(loop.createFuture() as never)) as Error).message).to.equal('expect a list of futures, not Future');
        expect((throws(() => wait(val(1, 1) as never)) as Error).message).to.equal('expect a list of futures, not generator');
        const call = coroutine(function* c(): Coroutine<void> {})();
        expect((throws(() => wait(call as never)) as Error).message).to.equal('expect a list of futures, not coroutine');
        yield* call;
        expect(throws(() => wait(42 as never))).to.be.instanceOf(TypeError);
        expect(throws(() => wait(null as never))).to.be.instanceOf(TypeError);
        yield* t;
      })());
    });

    it('empty: ValueError; a bad returnWhen: ValueError; coroutines inside: TypeError', () => {
      runClean(loop, (function* () {
        const e = throws(() => wait([])) as ValueError;
        expect(e).to.be.instanceOf(ValueError);
        expect(e.message).to.equal('Set of Tasks/Futures is empty.');
        expect(throws(() => wait(new Set<Future<unknown>>()))).to.be.instanceOf(ValueError);
        const f = loop.createFuture();
        const e2 = throws(() => wait([f], { returnWhen: 'SOMETIMES' as never })) as ValueError;
        expect(e2).to.be.instanceOf(ValueError);
        expect(e2.message).to.equal('Invalid return_when value: SOMETIMES');
        const e3 = throws(() => wait([val(1, 1)] as never)) as TypeError;
        expect(e3).to.be.instanceOf(TypeError);
        expect(e3.message).to.equal('Passing coroutines is forbidden, use tasks explicitly.');
        expect(throws(() => wait([f, 'x'] as never))).to.be.instanceOf(TypeError);
        const call = coroutine(function* c(): Coroutine<void> {})();
        expect((throws(() => wait([f, call] as never)) as Error).message).to.equal('Passing coroutines is forbidden, use tasks explicitly.');
        yield* call;
        expect(throws(() => wait([f], null as never))).to.be.instanceOf(TypeError);
        yield* sleep(0);
      })());
    });

    it('a NaN timeout: ValueError; a non-number: TypeError; nothing scheduled', () => {
      runClean(loop, (function* () {
        const f = loop.createFuture();
        const before = loop._ready.length;
        expect(throws(() => wait([f], { timeout: NaN }))).to.be.instanceOf(ValueError);
        expect(throws(() => wait([f], { timeout: '1' as never }))).to.be.instanceOf(TypeError);
        expect(f._callback0).to.equal(null);
        expect(loop._ready.length).to.equal(before);
        yield* sleep(0);
      })());
    });
  });
});

// ---- waitFor ----

describe('waitFor', () => {
  it('in time: the result', () => {
    runClean(loop, (function* () {
      expect(yield* waitFor(val(1, 'in time'), 2)).to.equal('in time');
      expect(yield* waitFor(val(1, 'no limit'), null)).to.equal('no limit');
      const f = loop.createFuture<string>();
      loop.callSoon(() => f.setResult('ok'));
      expect(yield* waitFor(f, 0.2)).to.equal('ok');
    })());
  });

  it('too late: cancels the task, waits for it, throws TimeoutError caused by the CancelledError', () => {
    runClean(loop, (function* () {
      let cleaned = false;
      const t = createTask((function* () {
        try {
          yield* sleep(10);
        } finally {
          cleaned = true;
        }
      })());
      const err = yield* catching(waitFor(t, 2));
      expect(err).to.be.instanceOf(TimeoutError);
      expect((err as Error).cause).to.be.instanceOf(CancelledError);
      expect(t.cancelled()).to.equal(true);
      expect(cleaned).to.equal(true);
      expect(loop.time()).to.equal(2);
      expect(currentTask()?.cancelling()).to.equal(0);
    })());
  });

  it('a coroutine runs inline in the calling task (no new task), and sees a plain CancelledError', () => {
    runClean(loop, (function* () {
      const me = currentTask();
      let seen: unknown;
      function* body(): Coroutine<void> {
        expect(currentTask()).to.equal(me);
        try {
          yield* sleep(1);
        } catch (e) {
          seen = e;
          throw e;
        }
      }
      const before = allTasks(loop).size;
      const err = yield* catching(waitFor(body(), 0.01));
      expect(allTasks(loop).size).to.equal(before);
      expect(err).to.be.instanceOf(TimeoutError);
      expect(seen).to.be.instanceOf(CancelledError);
      expect((seen as CancelledError).message).to.equal('');
    })());
  });

  it('an inner coroutine that refuses the cancellation: its value is returned', () => {
    runClean(loop, (function* () {
      function* refuse(): Coroutine<number> {
        try {
          yield* sleep(10);
        } catch {
          return 42;
        }
        return 0;
      }
      expect(yield* waitFor(refuse(), 1)).to.equal(42);
      expect(currentTask()?.cancelling()).to.equal(0);
      expect(loop.time()).to.equal(1);
    })());
  });

  it('an inner task that delays its cancellation: TimeoutError only once it finished', () => {
    runClean(loop, (function* () {
      const log: string[] = [];
      const t = createTask((function* () {
        try {
          yield* sleep(10);
        } catch (e) {
          log.push('inner cancelled');
          yield* sleep(0.5);
          log.push('inner cleanup done');
          throw e;
        }
      })());
      const err = yield* catching(waitFor(t, 1));
      expect(err).to.be.instanceOf(TimeoutError);
      expect(t.done()).to.equal(true);
      expect(log).to.deep.equal(['inner cancelled', 'inner cleanup done']);
      expect(loop.time()).to.equal(1.5);
    })());
  });

  it('an inner task that fails while being cancelled: that error, not TimeoutError', () => {
    runClean(loop, (function* () {
      class FooError extends Error {}
      const t = createTask((function* () {
        try {
          yield* sleep(10);
        } finally {
          throw new FooError('cleanup failed');
        }
      })());
      expect(yield* catching(waitFor(t, 0.1))).to.be.instanceOf(FooError);
    })());
  });

  it('cancelling the waiter cancels the awaitable (with a timeout or none)', () => {
    runClean(loop, (function* () {
      for (const limit of [null, 60]) {
        const blocked = createTask(loop.createFuture<void>()[Symbol.iterator]() as Coroutine<void>);
        const w = createTask(waitFor(blocked, limit));
        loop.callSoon(() => w.cancel());
        expect(yield* catching(w)).to.be.instanceOf(CancelledError);
        expect(blocked.cancelled()).to.equal(true);
      }
    })());
  });

  it('null waits forever', () => {
    runClean(loop, (function* () {
      expect(yield* waitFor(val(1e6, 'late'), null)).to.equal('late');
    })());
  });

  describe('timeout 0 or less', () => {
    it('a coroutine never starts: TimeoutError', () => {
      runClean(loop, (function* () {
        let started = false;
        function* body(): Coroutine<void> {
          started = true;
        }
        for (const t of [0, -1]) {
          const err = yield* catching(waitFor(body(), t));
          expect(err).to.be.instanceOf(TimeoutError);
          expect((err as Error).cause).to.be.instanceOf(CancelledError);
        }
        expect(started).to.equal(false);
      })());
    });

    it('a done future gives its result; a running task is cancelled and waited for', () => {
      runClean(loop, (function* () {
        const f = loop.createFuture<string>();
        f.setResult('done');
        expect(yield* waitFor(f, 0)).to.equal('done');
        let cleaned = false;
        const t = createTask((function* () {
          try {
            yield* sleep(10);
          } finally {
            yield* sleep(0.5);
            cleaned = true;
          }
        })());
        yield* sleep(0);
        const w = createTask(waitFor(t, 0));
        yield* sleep(0);
        expect(w._futWaiter?._waitInfo).to.deep.equal({ kind: 'waitFor', children: [t] });
        expect(yield* catching(w)).to.be.instanceOf(TimeoutError);
        expect(t.cancelled() && cleaned).to.equal(true);
        expect(loop.time()).to.equal(0.5);
      })());
    });

    it('a task that refuses: its value; one that fails: its error', () => {
      runClean(loop, (function* () {
        const t = createTask((function* (): Coroutine<number> {
          try {
            yield* sleep(10);
          } catch {
            return 42;
          }
          return 0;
        })());
        yield* sleep(0);
        expect(yield* waitFor(t, 0)).to.equal(42);
        const boom = new ValueError('boom');
        const t2 = createTask((function* (): Coroutine<number> {
          try {
            yield* sleep(10);
          } finally {
            throw boom;
          }
        })());
        yield* sleep(0);
        expect(yield* catching(waitFor(t2, -5))).to.equal(boom);
      })());
    });

    it('the wait for a cancelled task stays cancellable itself', () => {
      runClean(loop, (function* () {
        const t = createTask((function* (): Coroutine<string> {
          try {
            yield* sleep(10);
          } catch {
            yield* sleep(5); // takes its time to give in
          }
          return 'finished anyway';
        })());
        yield* sleep(0);
        const w = createTask(waitFor(t, 0));
        yield* sleep(1);
        w.cancel();
        expect(yield* catching(w)).to.be.instanceOf(CancelledError);
        expect(t.done()).to.equal(false);
        expect(yield* t).to.equal('finished anyway');
        expect(t._callback0).to.equal(null);
      })());
    });
  });

  it('waitFor(shield(t)) times out without cancelling t', () => {
    runClean(loop, (function* () {
      const t = createTask(val(0.1, 'done'));
      expect(yield* catching(waitFor(shield(t), 0.01))).to.be.instanceOf(TimeoutError);
      expect(t.done()).to.equal(false);
      expect(yield* t).to.equal('done');
      const t2 = createTask(val(0.1, 'done'));
      expect(yield* catching(waitFor(shield(t2), 0))).to.be.instanceOf(TimeoutError);
      expect(t2.cancelled()).to.equal(false);
      expect(yield* waitFor(shield(t2), null)).to.equal('done');
    })());
  });

  it('the waiter cancelled after the inner task finished in the same iteration: CancelledError, result kept', () => {
    runClean(loop, (function* () {
      function* innerFn(): Coroutine<string> {
        yield;
        return 'done';
      }
      const inner = createTask(innerFn());
      let reached = false;
      const wrapper = createTask((function* () {
        yield* waitFor(inner, 100);
        yield* sleep(1);
        reached = true;
      })());
      yield* sleep(0);
      yield* sleep(0);
      wrapper.cancel();
      expect(yield* catching(wrapper)).to.be.instanceOf(CancelledError);
      expect(inner.result()).to.equal('done');
      expect(reached).to.equal(false);
    })());
  });

  it('bad input: TypeError / ValueError at the call, and the coroutine is not run', () => {
    runClean(loop, (function* () {
      expect(throws(() => waitFor(42 as never, 1))).to.be.instanceOf(TypeError);
      let started = false;
      function* body(): Coroutine<void> {
        started = true;
      }
      expect(throws(() => waitFor(body(), NaN))).to.be.instanceOf(ValueError);
      expect(throws(() => waitFor(body(), '1' as never))).to.be.instanceOf(TypeError);
      expect(throws(() => waitFor(body(), undefined as never))).to.be.instanceOf(TypeError);
      yield* sleep(0);
      expect(started).to.equal(false);
    })());
  });
});

// ---- asCompleted ----

describe('asCompleted', () => {
  it('gives results in completion order', () => {
    runClean(loop, (function* () {
      const out: string[] = [];
      for (const next of asCompleted([val(3, 'c'), val(1, 'a'), val(2, 'b')])) out.push(yield* next);
      expect(out).to.deep.equal(['a', 'b', 'c']);
      expect(loop.time()).to.equal(3);
    })());
  });

  it('whichever element is awaited first gets the first completion (3.13)', () => {
    runClean(loop, (function* () {
      const futs = [...asCompleted([val(0.05, 'a'), val(0.1, 'b')])];
      expect(futs).to.have.length(2);
      expect(yield* futs[1]).to.equal('a');
      expect(loop.time()).to.be.closeTo(0.05, 1e-9);
      expect(yield* futs[0]).to.equal('b');
      expect(loop.time()).to.be.closeTo(0.1, 1e-9);
    })());
  });

  it('past the timeout the remaining ones throw TimeoutError; the timer is gone when unused', () => {
    runClean(loop, (function* () {
      const it = asCompleted([val(0.1, 'a'), val(0.15, 'b')], { timeout: 0.12 });
      const first = it.next();
      expect(yield* first.value as Coroutine<string>).to.equal('a');
      const second = it.next();
      expect(yield* catching(second.value as Coroutine<string>)).to.be.instanceOf(TimeoutError);
      expect(loop.time()).to.be.closeTo(0.12, 1e-9);
      expect(it.next().done).to.equal(true);
      yield* sleep(1); // 'b' finishing later changes nothing
      for (const next of asCompleted([val(0.01, 'x')], { timeout: 1 })) expect(yield* next).to.equal('x');
    })());
    expect(loop.time()).to.be.closeTo(1.13, 1e-9);
  });

  it('a failure is thrown by the element that gets it', () => {
    runClean(loop, (function* () {
      const boom = new ValueError('boom');
      const out: unknown[] = [];
      for (const next of asCompleted([val(2, 'ok'), fail(1, boom)])) {
        try {
          out.push(yield* next);
        } catch (e) {
          out.push(e);
        }
      }
      expect(out).to.deep.equal([boom, 'ok']);
    })());
  });

  it('duplicates collapse; the iteration can be resumed after a break; empty gives nothing', () => {
    runClean(loop, (function* () {
      const c = val(1, 'ham');
      const all = [...asCompleted([c, c, val(2, 'spam')])];
      expect(all).to.have.length(2);
      const results = new Set<string>();
      for (const n of all) results.add(yield* n);
      expect(results).to.deep.equal(new Set(['ham', 'spam']));

      const it = asCompleted([val(1, 1), val(2, 2), val(3, 3), val(4, 4)]);
      const got: number[] = [];
      for (const n of it) {
        got.push(yield* n);
        if (got.length === 2) break;
      }
      for (const n of it) got.push(yield* n);
      expect(got).to.deep.equal([1, 2, 3, 4]);
      expect([...asCompleted([])]).to.deep.equal([]);
    })());
  });

  it('elements awaited concurrently by several tasks each get one result', () => {
    runClean(loop, (function* () {
      const tasks = [...asCompleted([val(1, 'a'), val(2, 'b')])].map((co) => createTask(co));
      const [done] = yield* wait(tasks);
      expect(new Set([...done].map((t) => t.result()))).to.deep.equal(new Set(['a', 'b']));
    })());
  });

  it('a consumer cancelled after being woken passes the completion on to the next', () => {
    runClean(loop, (function* () {
      const f1 = loop.createFuture<string>();
      const f2 = loop.createFuture<string>();
      const [n1, n2] = [...asCompleted([f1, f2])];
      const a = createTask(n1);
      const b = createTask(n2);
      yield* sleep(0); // both wait
      expect(a._futWaiter?._waitInfo?.kind).to.equal('asCompleted');
      expect(a._futWaiter?._waitInfo?.children).to.deep.equal([f1, f2]);
      f1.setResult('one');
      yield* sleep(0); // the completion callback runs and wakes a
      a.cancel(); // ... which is cancelled before it runs
      expect(yield* catching(a)).to.be.instanceOf(CancelledError);
      expect(yield* b).to.equal('one');
      f2.setResult('two');
    })());
  });

  it('a consumer cancelled while waiting leaves the queue of waiters', () => {
    runClean(loop, (function* () {
      const f = loop.createFuture<string>();
      const [n] = [...asCompleted([f])];
      const a = createTask(n);
      yield* sleep(0);
      a.cancel();
      expect(yield* catching(a)).to.be.instanceOf(CancelledError);
      f.setResult('x');
      yield* sleep(0);
    })());
  });

  it('a completion racing the timeout in the same iteration loses: TimeoutError', () => {
    runClean(loop, (function* () {
      const f = loop.createFuture<string>();
      loop.callAt(1, () => f.setResult('just in time?')); // scheduled before the timeout's timer
      const [next] = [...asCompleted([f], { timeout: 1 })];
      expect(yield* catching(next)).to.be.instanceOf(TimeoutError);
      expect(f.result()).to.equal('just in time?');
      yield* sleep(0);
    })());
  });

  it('the second of two waiting consumers, cancelled, leaves its place in line', () => {
    runClean(loop, (function* () {
      const f1 = loop.createFuture<string>();
      const f2 = loop.createFuture<string>();
      const [n1, n2] = [...asCompleted([f1, f2])];
      const a = createTask(n1);
      const b = createTask(n2);
      yield* sleep(0);
      b.cancel();
      expect(yield* catching(b)).to.be.instanceOf(CancelledError);
      f2.setResult('two');
      expect(yield* a).to.equal('two');
      f1.setResult('one');
    })());
  });

  it('with no running loop, it (like gather) makes its tasks on the current loop', () => {
    setEventLoop(loop);
    try {
      const [next] = [...asCompleted([val(2, 'y')])];
      const g = gather([val(1, 'x')]);
      expect(g.getLoop()).to.equal(loop);
      expect(loop.runUntilComplete(g)).to.deep.equal(['x']);
      expect(loop.runUntilComplete(next)).to.equal('y');
    } finally {
      setEventLoop(null);
    }
  });

  it('bad input: TypeError / ValueError at the call, nothing scheduled', () => {
    runClean(loop, (function* () {
      const t = createTask(val(0, 1));
      expect((throws(() => asCompleted(t as never)) as Error).message).to.equal('expects an iterable of awaitables, not Task');
      const co = val(1, 1);
      expect((throws(() => asCompleted(co as never)) as Error).message).to.equal('expects an iterable of awaitables, not generator');
      expect(throws(() => asCompleted(5 as never))).to.be.instanceOf(TypeError);
      const before = allTasks(loop).size;
      expect(throws(() => asCompleted([val(1, 1), 7 as never]))).to.be.instanceOf(TypeError);
      expect(throws(() => asCompleted([val(1, 1)], { timeout: NaN }))).to.be.instanceOf(ValueError);
      expect(throws(() => asCompleted([val(1, 1)], null as never))).to.be.instanceOf(TypeError);
      expect(allTasks(loop).size).to.equal(before);
      yield* t;
    })());
  });

  describe('as an async iterator (3.13)', () => {
    it('gives the original futures and tasks themselves, in the order they finish', () => {
      runClean(loop, (function* () {
        const c = createTask(val(3, 'c'), { name: 'c' });
        const a = loop.createFuture<string>();
        loop.callLater(1, () => a.setResult('a'));
        const out: unknown[] = [];
        yield* asyncFor(asCompleted<string>([c, a, val(2, 'b')]), function* (fut) {
          out.push(fut === a ? 'the future a' : fut === c ? 'the task c' : fut instanceof Task ? `a task made for ${fut.result()}` : fut);
        });
        expect(out).to.deep.equal(['the future a', 'a task made for b', 'the task c']);
        expect(loop.time()).to.equal(3);
      })());
    });

    it('a failed one comes out as the future (its error is not raised); past the timeout, TimeoutError', () => {
      runClean(loop, (function* () {
        const it = asCompleted<string>([fail(1, new RangeError('x')), val(5, 'late')], { timeout: 2 });
        const failed = yield* anext(it);
        expect(String(failed.exception())).to.equal('RangeError: x');
        expect(yield* catching(anext(it))).to.be.instanceOf(TimeoutError);
        expect(yield* catching(anext(it))).to.be.instanceOf(StopAsyncIteration);
        yield* sleep(5);
      })());
    });

    it('StopAsyncIteration once every awaitable was handed out (also at once for none)', () => {
      runClean(loop, (function* () {
        expect(yield* catching(asCompleted([]).anext())).to.be.instanceOf(StopAsyncIteration);
        const it = asCompleted([val(1, 'x')]);
        expect((yield* it.anext()).result()).to.equal('x');
        expect(yield* catching(it.anext())).to.be.instanceOf(StopAsyncIteration);
      })());
    });
  });
});

// ---- stress ----

describe('stress: 10 000 awaitables', () => {
  const N = 10_000;
  function doneFutures(): Future<number>[] {
    const fs: Future<number>[] = [];
    for (let i = 0; i < N; i++) {
      const f = loop.createFuture<number>();
      f.setResult(i);
      fs.push(f);
    }
    return fs;
  }

  it('gather of 10 000 done futures, and of 10 000 coroutines', () => {
    runClean(loop, (function* () {
      const r = yield* gather(doneFutures());
      expect(r).to.have.length(N);
      expect(r[N - 1]).to.equal(N - 1);
      const coros: Coroutine<number>[] = [];
      for (let i = 0; i < N; i++) coros.push(val(0, i));
      const r2 = yield* gather(coros);
      expect(r2[1234]).to.equal(1234);
    })());
  });

  it('wait on 10 000 done futures', () => {
    runClean(loop, (function* () {
      const [done, pending] = yield* wait(doneFutures());
      expect(done.size).to.equal(N);
      expect(pending.size).to.equal(0);
      const [d2] = yield* wait(doneFutures(), { returnWhen: FIRST_COMPLETED });
      expect(d2.size).to.equal(N);
    })());
  });

  it('asCompleted over 10 000 done futures', () => {
    runClean(loop, (function* () {
      let sum = 0;
      let count = 0;
      for (const next of asCompleted(doneFutures(), { timeout: 5 })) {
        sum += yield* next;
        count++;
      }
      expect(count).to.equal(N);
      expect(sum).to.equal((N * (N - 1)) / 2);
    })());
  });

  it('cancelling a gather of 10 000 sleeping tasks', () => {
    runClean(loop, (function* () {
      const coros: Coroutine<number>[] = [];
      for (let i = 0; i < N; i++) coros.push(val(100, i));
      const g = gather(coros);
      yield* sleep(1);
      g.cancel();
      expect(yield* catching(g)).to.be.instanceOf(CancelledError);
    })());
    expect(loop.time()).to.equal(1);
  });
});

// ---- types (checked by tsc: a wrong type makes this file fail to compile) ----

type Equal<X, Y> = (<V>() => V extends X ? 1 : 2) extends <V>() => V extends Y ? 1 : 2 ? true : false;
function assertType<_T extends true>(): void {}

describe('types', () => {
  it('gather gives a typed tuple; waitFor, shield and asyncWith keep the result type', () => {
    function* num(): Coroutine<number> {
      return 1;
    }
    function* str(): Coroutine<string> {
      return 's';
    }
    const call = coroutine(function* flag(): Coroutine<boolean> {
      return true;
    });
    const r = runClean(loop, (function* () {
      const fut = loop.createFuture<Date>();
      fut.setResult(new Date(0));
      const tuple = yield* gather([num(), str(), call(), fut]);
      assertType<Equal<typeof tuple, [number, string, boolean, Date]>>();
      const [n, s] = tuple;
      const n2: number = n;
      const s2: string = s;
      // @ts-expect-error a string is not a number
      const wrong: number = s;
      void wrong;
      const mixed = yield* gather([num(), str()], { returnExceptions: true });
      assertType<Equal<typeof mixed, [number | Error, string | Error]>>();
      const list: Task<number>[] = [createTask(num())];
      const many = yield* gather(list);
      assertType<Equal<typeof many, number[]>>();
      const w: number = yield* waitFor(num(), 1);
      const sh: string = yield* shield(str());
      const body: number = yield* asyncWith(timeout(1), function* () {
        return 5;
      });
      const [done] = yield* wait([createTask(num())]);
      assertType<Equal<typeof done, Set<Task<number>>>>();
      for (const next of asCompleted([num()])) {
        const x: number = yield* next;
        void x;
      }
      return n2 + s2 + w + sh + body;
    })());
    expect(r).to.equal('1s1s5');
  });
});
