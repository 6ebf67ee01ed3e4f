// Step 2 — the loop (exercises/loop.ts): callSoon, callLater, _runOnce, runUntilComplete.
import { expect } from 'chai';
import { mini } from './mini';
import { keepBusy } from './support';

const { EventLoop, Future, getRunningLoop } = mini;

describe('step 2 — the loop', () => {
  it('callSoon does not run the callback: the next _runOnce() does, with its argument', () => {
    const loop = new EventLoop();
    const calls: unknown[] = [];
    loop.callSoon((arg) => calls.push(arg), 'x');
    expect(calls).to.deep.equal([]);
    loop._runOnce();
    expect(calls).to.deep.equal(['x']);
  });

  it('ready callbacks run first in, first out', () => {
    const loop = new EventLoop();
    const calls: number[] = [];
    for (let i = 0; i < 5; i++) loop.callSoon((n: number) => calls.push(n), i);
    loop._runOnce();
    expect(calls).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('a callback scheduled during an iteration waits for the next iteration', () => {
    const loop = new EventLoop();
    const calls: string[] = [];
    loop.callSoon(() => {
      calls.push('a');
      loop.callSoon(() => calls.push('c'));
    });
    loop.callSoon(() => calls.push('b'));
    loop._runOnce();
    expect(calls, 'c was scheduled by a: not in the same iteration').to.deep.equal(['a', 'b']);
    loop._runOnce();
    expect(calls).to.deep.equal(['a', 'b', 'c']);
  });

  it('callLater(d): with nothing ready, the loop jumps the clock straight to the timer and runs it', () => {
    const loop = new EventLoop();
    const at: number[] = [];
    loop.callLater(2.5, () => at.push(loop.time()));
    expect(loop.time()).to.equal(0);
    loop._runOnce();
    expect(at).to.deep.equal([2.5]);
    expect(loop.time()).to.equal(2.5);
  });

  it('timers run in deadline order; equal deadlines in the order they were scheduled', () => {
    const loop = new EventLoop();
    const order: string[] = [];
    loop.callLater(3, () => order.push('c@3'));
    loop.callLater(1, () => order.push('a@1'));
    loop.callLater(2, () => order.push('b1@2'));
    loop.callLater(2, () => order.push('b2@2'));
    loop.callLater(1, () => order.push('a2@1'));
    for (let i = 0; i < 3; i++) loop._runOnce();
    expect(order).to.deep.equal(['a@1', 'a2@1', 'b1@2', 'b2@2', 'c@3']);
  });

  it('a timer set from a callback counts from the time it is set', () => {
    const loop = new EventLoop();
    const at: number[] = [];
    loop.callLater(1, () => loop.callLater(1, () => at.push(loop.time())));
    loop._runOnce();
    loop._runOnce();
    expect(at).to.deep.equal([2]);
  });

  it('while callbacks are ready, time stands still: the timer waits', () => {
    const loop = new EventLoop();
    const log: string[] = [];
    loop.callLater(1, () => log.push(`timer at ${loop.time()}`));
    keepBusy(loop, 3, log);
    for (let i = 0; i < 4; i++) loop._runOnce();
    expect(log).to.deep.equal(['busy at 0', 'busy at 0', 'busy at 0', 'timer at 1']);
  });

  it('a cancelled handle is skipped; a cancelled timer neither runs nor moves the clock', () => {
    const loop = new EventLoop();
    const calls: string[] = [];
    loop.callSoon(() => calls.push('cancelled soon')).cancel();
    loop.callSoon(() => calls.push('soon'));
    loop.callLater(5, () => calls.push('cancelled timer')).cancel();
    loop.callLater(2, () => calls.push('timer'));
    loop._runOnce();
    expect(calls).to.deep.equal(['soon']);
    loop._runOnce();
    expect(calls).to.deep.equal(['soon', 'timer']);
    expect(loop.time()).to.equal(2);
    const never = new Future<void>(loop);
    expect(() => loop.runUntilComplete(never), 'only a cancelled timer is left: nothing can happen').to.throw(/wait forever/);
    expect(loop.time(), 'the cancelled timer did not move the clock').to.equal(2);
    expect(calls).to.deep.equal(['soon', 'timer']);
  });

  it('runUntilComplete(fut) runs iterations until the future is done, and returns its result', () => {
    const loop = new EventLoop();
    const fut = new Future<string>(loop);
    loop.callLater(10, () => fut.setResult('done at 10'));
    expect(loop.runUntilComplete(fut)).to.equal('done at 10');
    expect(loop.time()).to.equal(10);
  });

  it("runUntilComplete(fut) throws a failed future's exception", () => {
    const loop = new EventLoop();
    const fut = new Future<string>(loop);
    const boom = new Error('boom');
    loop.callLater(1, () => fut.setException(boom));
    expect(() => loop.runUntilComplete(fut)).to.throw(boom);
  });

  it("runUntilComplete returns after the iteration that runs the future's done callbacks, not before", () => {
    const loop = new EventLoop();
    const fut = new Future<number>(loop);
    const seen: number[] = [];
    fut.addDoneCallback((f) => seen.push(f.result()));
    loop.callSoon(() => fut.setResult(3));
    expect(loop.runUntilComplete(fut)).to.equal(3);
    expect(seen, 'a callback added before the run has run').to.deep.equal([3]);
  });

  it('getRunningLoop(): the loop while runUntilComplete runs; an error ("no running event loop") before and after — even after a run that threw', () => {
    const loop = new EventLoop();
    expect(() => getRunningLoop()).to.throw('no running event loop');
    const fut = new Future<unknown>(loop);
    loop.callSoon(() => fut.setResult(getRunningLoop()));
    expect(loop.runUntilComplete(fut)).to.equal(loop);
    expect(() => getRunningLoop()).to.throw('no running event loop');
    const failing = new Future<void>(loop);
    loop.callSoon(() => {
      throw new Error('a callback failed');
    });
    expect(() => loop.runUntilComplete(failing)).to.throw('a callback failed');
    expect(() => getRunningLoop()).to.throw('no running event loop');
  });

  it('a loop with nothing ready and no timer says it would wait forever, instead of hanging', () => {
    const loop = new EventLoop();
    const never = new Future<void>(loop);
    expect(() => loop.runUntilComplete(never)).to.throw(/wait forever/);
  });
});
