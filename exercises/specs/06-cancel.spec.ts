// Step 6 — cancellation (exercises/tasks.ts: Task.cancel, the _mustCancel check in _step,
// and sleep's try/finally).
import { expect } from 'chai';
import { mini } from './mini';
import type { Coroutine, Future as FutureType } from '../futures';

const { EventLoop, Future, Task, CancelledError, getRunningLoop, run, sleep } = mini;

const now = () => getRunningLoop().time();

describe('step 6 — cancellation', () => {
  it('cancel() of a task waiting on a future cancels that future; the coroutine gets CancelledError at its yield*', () => {
    const loop = new EventLoop();
    const fut = new Future<number>(loop);
    const log: string[] = [];
    function* coro(): Coroutine<string> {
      try {
        yield* fut;
        return 'not cancelled';
      } catch (e) {
        log.push(`${(e as Error).name}: ${(e as Error).message}`);
        return 'caught it';
      }
    }
    const task = new Task(coro(), loop);
    loop._runOnce();
    expect(task.cancel('enough')).to.equal(true);
    expect(fut.cancelled(), 'the awaited future is cancelled at once').to.equal(true);
    expect(loop.runUntilComplete(task)).to.equal('caught it');
    expect(log).to.deep.equal(['CancelledError: enough']);
  });

  it('cancel() is only a request: a coroutine that catches CancelledError and returns ends normally', () => {
    function* stubborn(): Coroutine<string> {
      try {
        yield* sleep(10);
      } catch {
        /* refuses */
      }
      yield* sleep(1);
      return `finished at ${now()}`;
    }
    function* main(): Coroutine<string> {
      const t = new Task(stubborn());
      yield* sleep(1);
      t.cancel();
      const r = yield* t;
      expect(t.cancelled()).to.equal(false);
      return r;
    }
    expect(run(main())).to.equal('finished at 2');
  });

  it('a task whose coroutine lets CancelledError out ends cancelled; result() throws CancelledError with the message', () => {
    const log: string[] = [];
    function* victim(): Coroutine<void> {
      try {
        yield* sleep(10);
      } finally {
        log.push(`cleanup at ${now()}`);
      }
    }
    function* main(): Coroutine<void> {
      const t = new Task(victim());
      yield* sleep(1);
      t.cancel('bye');
      try {
        yield* t;
      } catch (e) {
        log.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
      expect(t.cancelled()).to.equal(true);
      expect(() => t.result()).to.throw(CancelledError);
    }
    run(main());
    expect(log).to.deep.equal(['cleanup at 1', 'CancelledError: bye']);
  });

  it('cancel() returns false for a task that is done, true otherwise', () => {
    function* quick(): Coroutine<number> {
      return 1;
    }
    function* main(): Coroutine<void> {
      const t = new Task(quick());
      yield* t;
      expect(t.cancel()).to.equal(false);
      expect(t.cancelled()).to.equal(false);
      const u = new Task(sleep(1));
      expect(u.cancel()).to.equal(true);
    }
    run(main());
  });

  it('a task cancelled before its first step never runs its coroutine', () => {
    const log: string[] = [];
    function* body(): Coroutine<void> {
      log.push('body ran');
    }
    function* main(): Coroutine<void> {
      const t = new Task(body());
      t.cancel();
      yield* sleep(1);
      expect(t.cancelled()).to.equal(true);
    }
    run(main());
    expect(log).to.deep.equal([]);
  });

  it('cancel() after the awaited future finished, but before the task woke up: the cancellation still arrives', () => {
    const loop = new EventLoop();
    const fut = new Future<number>(loop);
    const log: string[] = [];
    function* coro(): Coroutine<void> {
      try {
        const v = yield* fut;
        log.push(`got ${v}`);
        yield* sleep(1);
        log.push('not cancelled');
      } catch (e) {
        log.push((e as Error).name);
        throw e;
      }
    }
    const task = new Task(coro(), loop);
    loop._runOnce();
    fut.setResult(1); // the wakeup is scheduled...
    expect(task.cancel()).to.equal(true); // ...and the future can no longer be cancelled
    expect(() => loop.runUntilComplete(task)).to.throw(CancelledError);
    expect(log, 'delivered at the very next step').to.deep.equal(['CancelledError']);
  });

  it("cancelling a sleeping task cancels sleep's timer: no live timer is left behind", () => {
    const loop = new EventLoop();
    function* main(): Coroutine<void> {
      const t = new Task(sleep(100));
      yield* sleep(1);
      t.cancel();
      yield* sleep(0);
      yield* sleep(0);
      expect(t.cancelled()).to.equal(true);
    }
    run(main(), loop);
    expect(loop._scheduled.filter((h) => !h._cancelled), 'the 100 s timer was cancelled').to.deep.equal([]);
  });

  it('cancelling a task that waits for another task cancels the inner one too', () => {
    const log: string[] = [];
    function* inner(): Coroutine<void> {
      try {
        yield* sleep(10);
      } catch (e) {
        log.push(`inner: ${(e as Error).name}`);
        throw e;
      }
    }
    function* outer(innerTask: FutureType<void>): Coroutine<void> {
      try {
        yield* innerTask;
      } catch (e) {
        log.push(`outer: ${(e as Error).name}`);
        throw e;
      }
    }
    function* main(): Coroutine<void> {
      const i = new Task(inner());
      const o = new Task(outer(i));
      yield* sleep(1);
      o.cancel();
      yield* sleep(1);
      expect([i.cancelled(), o.cancelled()]).to.deep.equal([true, true]);
    }
    run(main());
    expect(log).to.deep.equal(['inner: CancelledError', 'outer: CancelledError']);
  });
});
