// Step 1 — the Future (exercises/futures.ts). No loop yet: these specs play
// the loop with HandLoop, which only records what callSoon was given.
import { expect } from 'chai';
import { mini } from './mini';
import type { Coroutine, Scheduler } from '../futures';

const { Future, CancelledError, InvalidStateError } = mini;

class HandLoop implements Scheduler {
  scheduled: [(arg: any) => void, unknown][] = [];
  callSoon(callback: (arg: any) => void, arg?: unknown): void {
    this.scheduled.push([callback, arg]);
  }
  /** Runs what was scheduled so far, as one loop iteration would. */
  runScheduled(): void {
    const now = this.scheduled;
    this.scheduled = [];
    for (const [callback, arg] of now) callback(arg);
  }
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw, but it returned');
}

describe('step 1 — the Future', () => {
  it('a new future is pending: done() and cancelled() are false, result() throws InvalidStateError("Result is not set.")', () => {
    const fut = new Future<number>(new HandLoop());
    expect(fut.done()).to.equal(false);
    expect(fut.cancelled()).to.equal(false);
    const e = thrown(() => fut.result());
    expect(e).to.be.instanceOf(InvalidStateError);
    expect((e as Error).message).to.equal('Result is not set.');
  });

  it('setResult(v): done() is true and result() returns v', () => {
    const fut = new Future<string>(new HandLoop());
    fut.setResult('tulip');
    expect(fut.done()).to.equal(true);
    expect(fut.cancelled()).to.equal(false);
    expect(fut.result()).to.equal('tulip');
  });

  it('setException(e): done() is true and result() throws e itself', () => {
    const fut = new Future<number>(new HandLoop());
    const boom = new RangeError('boom');
    fut.setException(boom);
    expect(fut.done()).to.equal(true);
    expect(thrown(() => fut.result())).to.equal(boom);
  });

  it('a future is finished only once: setResult and setException on a done future throw InvalidStateError', () => {
    const fut = new Future<number>(new HandLoop());
    fut.setResult(1);
    const again = thrown(() => fut.setResult(2));
    expect(again).to.be.instanceOf(InvalidStateError);
    expect((again as Error).message).to.match(/^FINISHED/);
    expect(thrown(() => fut.setException(new Error('late')))).to.be.instanceOf(InvalidStateError);
    expect(fut.result(), 'the first result stays').to.equal(1);
    const cancelled = new Future<number>(new HandLoop());
    cancelled.cancel();
    expect((thrown(() => cancelled.setResult(3)) as Error).message).to.match(/^CANCELLED/);
  });

  it('cancel(msg) returns true; the future is cancelled and done; result() throws CancelledError(msg)', () => {
    const fut = new Future<number>(new HandLoop());
    expect(fut.cancel('stop it')).to.equal(true);
    expect(fut.cancelled()).to.equal(true);
    expect(fut.done()).to.equal(true);
    const e = thrown(() => fut.result());
    expect(e).to.be.instanceOf(CancelledError);
    expect((e as Error).message).to.equal('stop it');
  });

  it('cancel() of a done future returns false and changes nothing', () => {
    const fut = new Future<number>(new HandLoop());
    fut.setResult(7);
    expect(fut.cancel()).to.equal(false);
    expect(fut.cancelled()).to.equal(false);
    expect(fut.result()).to.equal(7);
    const twice = new Future<number>(new HandLoop());
    twice.cancel('first');
    expect(twice.cancel('second')).to.equal(false);
    expect((thrown(() => twice.result()) as Error).message).to.equal('first');
  });

  it('setResult does not call the done callbacks: it hands each to loop.callSoon, with the future, in the order added', () => {
    const loop = new HandLoop();
    const fut = new Future<number>(loop);
    const calls: string[] = [];
    const first = (f: unknown) => calls.push(`first ${f === fut}`);
    const second = (f: unknown) => calls.push(`second ${f === fut}`);
    fut.addDoneCallback(first);
    fut.addDoneCallback(second);
    expect(loop.scheduled, 'adding a callback to a pending future schedules nothing').to.have.length(0);
    fut.setResult(1);
    expect(calls, 'no callback runs inside setResult').to.deep.equal([]);
    expect(loop.scheduled.map(([cb]) => cb)).to.deep.equal([first, second]);
    expect(loop.scheduled.map(([, arg]) => arg)).to.deep.equal([fut, fut]);
    expect(fut._callbacks, 'and forgets them: each is scheduled once').to.deep.equal([]);
    loop.runScheduled();
    expect(calls).to.deep.equal(['first true', 'second true']);
  });

  it('setException and cancel schedule the callbacks too', () => {
    const loop = new HandLoop();
    const failed = new Future<number>(loop);
    const cancelled = new Future<number>(loop);
    const seen: unknown[] = [];
    failed.addDoneCallback((f) => seen.push(f));
    cancelled.addDoneCallback((f) => seen.push(f));
    failed.setException(new Error('no'));
    cancelled.cancel();
    expect(seen).to.deep.equal([]);
    loop.runScheduled();
    expect(seen).to.deep.equal([failed, cancelled]);
  });

  it('a callback added to a done future is scheduled at once, not called', () => {
    const loop = new HandLoop();
    const fut = new Future<number>(loop);
    const early = () => undefined;
    fut.addDoneCallback(early);
    fut.setResult(1);
    loop.runScheduled();
    let called = false;
    const late = () => (called = true);
    fut.addDoneCallback(late);
    expect(called, 'not called inline').to.equal(false);
    expect(loop.scheduled.map(([cb]) => cb), 'only the new callback is scheduled: the first ran already').to.deep.equal([late]);
    loop.runScheduled();
    expect(called).to.equal(true);
  });

  it('yield* fut on a pending future yields the future itself, then evaluates to its result (you are the Task here)', () => {
    const fut = new Future<number>(new HandLoop());
    function* coro(): Coroutine<string> {
      const v = yield* fut;
      return `got ${v}`;
    }
    const gen = coro();
    const first = gen.next();
    expect(first.done).to.equal(false);
    expect(first.value, 'the coroutine tells its driver what it waits for').to.equal(fut);
    fut.setResult(42);
    expect(gen.next()).to.deep.equal({ done: true, value: 'got 42' });
  });

  it('yield* fut on a future that is already done does not yield at all', () => {
    const fut = new Future<number>(new HandLoop());
    fut.setResult(5);
    function* coro(): Coroutine<number> {
      return (yield* fut) * 2;
    }
    expect(coro().next()).to.deep.equal({ done: true, value: 10 });
  });

  it("a failed future's exception comes out of the coroutine's yield*, where try/catch can handle it", () => {
    const fut = new Future<number>(new HandLoop());
    const boom = new Error('boom');
    function* coro(): Coroutine<string> {
      try {
        yield* fut;
        return 'no error';
      } catch (e) {
        return `caught ${(e as Error).message}`;
      }
    }
    const gen = coro();
    gen.next();
    fut.setException(boom);
    expect(gen.next()).to.deep.equal({ done: true, value: 'caught boom' });
  });
});
