import { expect } from 'chai';
import {
  Barrier,
  BrokenBarrierError,
  CancelledError,
  ValueError,
  asyncWith,
  createTask,
  getRunningLoop,
  sleep,
  type Coroutine,
  type Task,
  type BarrierOptions,
} from '../lib';
import { settle, vrun } from './support';

/** Runs `n` tasks of `coro` and awaits them all; fails on the first error, like gather. */
function* gatherTasks<T>(n: number, coro: () => Coroutine<T>): Coroutine<T[]> {
  const tasks = Array.from({ length: n }, () => createTask(coro()));
  const out: T[] = [];
  for (const t of tasks) out.push(yield* t);
  return out;
}

const state = (b: Barrier) => String(b).replace(/^<Barrier \[|\]>$/g, '');

describe('Barrier', () => {
  it('checks parties: 0 or less is a ValueError, a non-integer a TypeError', () => {
    for (const bad of [0, -4]) {
      expect(() => new Barrier(bad)).to.throw(ValueError, /parties must be > 0/);
    }
    expect(() => new Barrier(2.5)).to.throw(TypeError, /integer/);
    expect(() => new Barrier('3' as unknown as number)).to.throw(TypeError, /integer/);
    expect(new Barrier(3).parties).to.equal(3);
  });

  it('takes parties alone, as Python does, or as { parties }; an unknown option is a TypeError naming it', () => {
    expect(new Barrier({ parties: 3 }).parties).to.equal(3);
    expect(() => new Barrier({ parties: 0 })).to.throw(ValueError, 'parties must be > 0, got 0');
    expect(() => new Barrier({} as BarrierOptions)).to.throw(TypeError, 'Barrier(parties) needs an integer number of tasks, got undefined');
    expect(() => new Barrier({ parties: 2, n: 1 } as BarrierOptions)).to.throw(TypeError, "Barrier() got an unexpected option 'n' (it takes 'parties')");
  });

  it("toString follows the states the way Python's repr does (test_repr)", () => {
    vrun(function* () {
      const N = 5;
      const barrier = new Barrier(N);
      const seen = [state(barrier)];
      const waiters: Task<number>[] = [];
      for (let i = 0; i < 2; i++) waiters.push(createTask(barrier.wait()));
      yield* sleep(0);
      seen.push(state(barrier));
      for (let i = barrier.parties - barrier.nWaiting; i > 0; i--) waiters.push(createTask(barrier.wait()));
      yield* sleep(0);
      seen.push(state(barrier));
      for (let i = 0; i < 2; i++) waiters.push(createTask(barrier.wait()));
      yield* sleep(0);
      yield* barrier.reset();
      seen.push(state(barrier));
      for (let i = 0; i < 2; i++) waiters.push(createTask(barrier.wait()));
      yield* sleep(0);
      yield* barrier.abort();
      seen.push(state(barrier));
      expect(barrier.broken).to.equal(true);
      // Measured on CPython 3.13.
      expect(seen).to.deep.equal(['filling, waiters:0/5', 'filling, waiters:2/5', 'draining, waiters:0/5', 'resetting, waiters:0/5', 'broken']);
      const outcomes = yield* settle(waiters);
      expect(outcomes.slice(0, 5)).to.deep.equal([0, 1, 2, 3, 4]);
      for (const o of outcomes.slice(5)) expect(o).to.be.instanceOf(BrokenBarrierError);
    });
  });

  it('releases all parties together, each with its own index (arrival order)', () => {
    vrun(function* () {
      const barrier = new Barrier(3);
      const passed: number[] = [];
      function* w(delay: number): Coroutine<number> {
        yield* sleep(delay);
        const i = yield* barrier.wait();
        passed.push(getRunningLoop().time());
        return i;
      }
      const ts = [createTask(w(1)), createTask(w(2)), createTask(w(3))];
      yield* sleep(2.5);
      expect(passed).to.deep.equal([]);
      expect(barrier.nWaiting).to.equal(2);
      expect(yield* settle(ts)).to.deep.equal([0, 1, 2]);
      expect(passed).to.deep.equal([3, 3, 3]);
      expect(barrier.nWaiting).to.equal(0);
      expect(barrier.broken).to.equal(false);
    });
  });

  it('asyncWith hands the body its index (test_context_manager, test_draining_state)', () => {
    vrun(function* () {
      const barrier = new Barrier(3);
      const results: [number, string][] = [];
      yield* gatherTasks(3, function* () {
        yield* asyncWith(barrier, function* (i) {
          results.push([i, state(barrier)]);
        });
      });
      // Measured on CPython 3.13: the tripping task first, the last to leave sees it filling again.
      expect(results).to.deep.equal([
        [2, 'draining, waiters:0/3'],
        [0, 'draining, waiters:0/3'],
        [1, 'filling, waiters:0/3'],
      ]);
    });
  });

  it('a barrier of one never blocks (test_filling_one_task, test_filling_one_task_twice)', () => {
    vrun(function* () {
      const barrier = new Barrier(1);
      const ok = yield* asyncWith(barrier, function* (i) {
        return i === 0;
      });
      expect(ok).to.equal(true);
      const t1 = createTask(barrier.wait());
      yield* sleep(0);
      expect(barrier.nWaiting).to.equal(0);
      const t2 = createTask(barrier.wait());
      yield* sleep(0);
      expect(t1.result()).to.equal(t2.result());
      expect(barrier.broken).to.equal(false);
    });
  });

  it('is reusable: N tasks pass it twice (test_filling_tasks_wait_twice, check_return_value)', () => {
    vrun(function* () {
      const N = 5;
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      const res = yield* gatherTasks(N, function* () {
        return yield* asyncWith(barrier, function* () {
          results.push(true);
          return yield* asyncWith(barrier, function* (i) {
            results.push(false);
            return i;
          });
        });
      });
      expect(results.filter((x) => x).length).to.equal(N);
      expect(results.filter((x) => !x).length).to.equal(N);
      expect([...res].sort()).to.deep.equal([0, 1, 2, 3, 4]);
      expect(barrier.nWaiting).to.equal(0);
    });
  });

  it('newcomers wait while the barrier drains (test_blocking_tasks_while_draining)', () => {
    vrun(function* () {
      const N = 5;
      let rewait = 2;
      const barrier = new Barrier(N);
      const barrierNowaiting = new Barrier(N - rewait);
      yield* gatherTasks(N, function* () {
        yield* barrier.wait();
        if (rewait > 0) {
          rewait--;
          yield* barrier.wait();
        } else {
          yield* barrierNowaiting.wait();
          yield* barrier.wait();
        }
      });
      expect(barrier.nWaiting).to.equal(0);
    });
  });

  it('a cancelled waiter leaves the count (test_filling_tasks_cancel_one)', () => {
    vrun(function* () {
      const barrier = new Barrier(3);
      const results: boolean[] = [];
      function* coro(): Coroutine<void> {
        yield* barrier.wait();
        results.push(true);
      }
      const t1 = createTask(coro());
      yield* sleep(0);
      expect(barrier.nWaiting).to.equal(1);
      const t2 = createTask(coro());
      yield* sleep(0);
      expect(barrier.nWaiting).to.equal(2);
      t1.cancel();
      yield* sleep(0);
      expect(barrier.nWaiting).to.equal(1);
      expect((yield* settle([t1]))[0]).to.be.instanceOf(CancelledError);
      const t3 = createTask(coro());
      yield* sleep(0);
      expect(barrier.nWaiting).to.equal(2);
      const t4 = createTask(coro());
      yield* settle([t2, t3, t4]);
      expect(results).to.deep.equal([true, true, true]);
      expect(barrier.nWaiting).to.equal(0);
      expect(barrier.broken).to.equal(false);
    });
  });

  it('reset with nobody waiting keeps it filling (test_reset_barrier)', () => {
    vrun(function* () {
      const barrier = new Barrier(1);
      createTask(barrier.reset());
      yield* sleep(0);
      expect(barrier.nWaiting).to.equal(0);
      expect(barrier.broken).to.equal(false);
      expect(state(barrier)).to.equal('filling, waiters:0/1');
    });
  });

  it('reset breaks the round for the waiting tasks, then the barrier works again (test_reset_barrier_while_tasks_waiting_and_waiting_again)', () => {
    vrun(function* () {
      const N = 5;
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      function* coro1(): Coroutine<void> {
        try {
          yield* barrier.wait();
        } catch (e) {
          expect(e).to.be.instanceOf(BrokenBarrierError);
          expect((e as Error).message).to.equal('Abort or reset of barrier');
          results1.push(true);
        } finally {
          yield* barrier.wait();
          results2.push(true);
        }
      }
      const tasks = Array.from({ length: N - 1 }, () => createTask(coro1()));
      createTask(barrier.reset());
      yield* sleep(0);
      createTask(
        (function* (): Coroutine<void> {
          yield* asyncWith(barrier, function* () {
            results2.push(true);
          });
        })(),
      );
      yield* settle(tasks);
      expect(results1.length).to.equal(N - 1);
      expect(results2.length).to.equal(N);
      expect(barrier.broken).to.equal(false);
      expect(state(barrier)).to.not.contain('resetting');
    });
  });

  it('reset while tasks drain (test_reset_barrier_when_tasks_half_draining_half_blocking)', () => {
    vrun(function* () {
      const N = 5;
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blocking = Math.floor(N / 2);
      let count = 0;
      yield* gatherTasks(N, function* () {
        try {
          yield* barrier.wait();
        } catch {
          results1.push(true);
          yield* barrier.wait();
          return;
        }
        count++;
        if (count > blocking) {
          yield* barrier.reset();
          yield* barrier.wait();
        } else {
          try {
            yield* barrier.wait();
          } catch {
            results2.push(true);
          }
        }
      });
      expect(results1).to.deep.equal([true, true]);
      expect(results2).to.deep.equal([]);
      expect(barrier.nWaiting).to.equal(0);
      expect(barrier.broken).to.equal(false);
    });
  });

  it('abort breaks it for waiting and later tasks (test_abort_barrier, ..._when_exception)', () => {
    vrun(function* () {
      const one = new Barrier(1);
      createTask(one.abort());
      yield* sleep(0);
      expect(one.broken).to.equal(true);
      expect(state(one)).to.equal('broken');
      let caught: unknown;
      try {
        yield* one.wait();
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(BrokenBarrierError);
      expect((caught as Error).message).to.equal('Barrier aborted');

      const N = 5;
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      yield* gatherTasks(N, function* () {
        try {
          yield* asyncWith(barrier, function* (i) {
            if (i === Math.floor(N / 2)) throw new RangeError('stop');
          });
          yield* asyncWith(barrier, function* () {
            results1.push(true);
          });
        } catch (e) {
          if (e instanceof BrokenBarrierError) results2.push(true);
          else yield* barrier.abort();
        }
      });
      expect(barrier.broken).to.equal(true);
      expect(results1.length).to.equal(0);
      expect(results2.length).to.equal(N - 1);
      expect(barrier.nWaiting).to.equal(0);
      // reset after abort makes it usable again
      yield* barrier.reset();
      expect(barrier.broken).to.equal(false);
      const b = barrier;
      expect((yield* gatherTasks(N, () => b.wait())).sort()).to.deep.equal([0, 1, 2, 3, 4]);
    });
  });

  it('labels its waiters Barrier.wait', () => {
    vrun(function* () {
      const barrier = new Barrier(2);
      const t = createTask(barrier.wait());
      yield* sleep(0);
      expect(barrier._cond._waiters.at(0)?._waitInfo).to.deep.equal({ kind: 'Barrier.wait', resource: barrier });
      expect(yield* barrier.wait()).to.equal(1);
      expect(yield* t).to.equal(0);
    });
  });
});
