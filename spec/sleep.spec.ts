// lib/sleep.ts: sleep()'s two coroutines are objects that behave as the generators they replace.
import { expect } from 'chai';
import { CancelledError, EventLoop, RuntimeError, createTask, sleep, type Coroutine, type Future } from '../lib';
import { useVirtualLoop } from './support';

describe('sleep: coroutine objects with a generator’s protocol', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  /** Steps a coroutine by hand inside a running loop (getRunningLoop needs one). */
  function inLoop<T>(fn: () => T): T {
    let out: T | undefined;
    function* main(): Coroutine<void> {
      out = fn();
    }
    loop.runUntilComplete(main());
    return out as T;
  }

  it('sleep(0) yields undefined once, then returns its result; afterwards it stays done', () => {
    const c = sleep(0, 'r');
    expect(c[Symbol.iterator]()).to.equal(c);
    expect(c.next()).to.deep.equal({ value: undefined, done: false });
    expect(c.next()).to.deep.equal({ value: 'r', done: true });
    expect(c.next()).to.deep.equal({ value: undefined, done: true });
  });

  it('sleep(d) schedules its timer only at its first step, yields its future, and returns the result once done', () => {
    const c = sleep(2, 'r');
    expect(loop._scheduled.length).to.equal(0); // nothing happens at the call
    const first = inLoop(() => c.next());
    expect(first.done).to.equal(false);
    const fut = first.value as unknown as Future<string>;
    expect(fut._asyncioFutureBlocking).to.equal(true);
    expect(loop._scheduled.length).to.equal(1);
    expect(String(loop._scheduled.peek())).to.match(/^<TimerHandle when=2 setResultUnlessCancelled\(<Future pending>, 'r'\)>$/);
    loop.runUntilComplete(fut);
    expect(c.next()).to.deep.equal({ value: 'r', done: true });
  });

  it('an error thrown in while it sleeps cancels the timer (the finally) and goes on up', () => {
    const c = sleep(5);
    inLoop(() => c.next());
    const timer = loop._scheduled.peek()!;
    const err = new CancelledError('stop');
    expect(() => c.throw(err)).to.throw(err);
    expect(timer.cancelled()).to.equal(true);
    expect(c.next()).to.deep.equal({ value: undefined, done: true });
  });

  it('return() while it sleeps cancels the timer; throw() before the first step schedules nothing', () => {
    const c = sleep(5);
    inLoop(() => c.next());
    const timer = loop._scheduled.peek()!;
    expect(c.return(undefined)).to.deep.equal({ value: undefined, done: true });
    expect(timer.cancelled()).to.equal(true);
    const d = sleep(5);
    expect(() => d.throw(new Error('x'))).to.throw('x');
    expect(d.next()).to.deep.equal({ value: undefined, done: true });
  });

  it("resumed before its future is done: RuntimeError \"await wasn't used with future\", and the timer is cancelled", () => {
    const c = sleep(5);
    inLoop(() => c.next());
    const timer = loop._scheduled.peek()!;
    expect(() => c.next()).to.throw(RuntimeError, "await wasn't used with future");
    expect(timer.cancelled()).to.equal(true);
  });

  it('is a coroutine to createTask, and cancelling the task removes its timer from the wait', () => {
    const t = loop.createTask(sleep(3600, 'never'));
    function* main(): Coroutine<string> {
      const quick = createTask(sleep(1, 'quick'));
      yield* sleep(0);
      t.cancel();
      try {
        yield* t;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      return yield* quick;
    }
    expect(loop.runUntilComplete(main())).to.equal('quick');
    expect(t.cancelled()).to.equal(true);
    expect(loop.time()).to.equal(1); // the hour-long timer did not hold the loop
  });
});
