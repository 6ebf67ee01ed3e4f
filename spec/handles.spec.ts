// lib/handles.ts: Handle and TimerHandle — cancel, toString, errors reported to the loop.
import { expect } from 'chai';
import { EventLoop, Handle, TimerHandle, sleep } from '../lib';
import { timerBefore } from '../lib/handles';
import { errorsOf, useVirtualLoop } from './support';

describe('Handle', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  it('callSoon returns a Handle that shows the callback and its arguments', () => {
    function greet(_a: number, _b: string) {}
    const h = loop.callSoon(greet, 1, 'x');
    expect(h).to.be.instanceOf(Handle);
    expect(h.cancelled()).to.equal(false);
    expect(String(h)).to.equal("<Handle greet(1, 'x')>");
  });

  it('an anonymous callback shows as <anonymous>', () => {
    const h = loop.callSoon((() => () => {})());
    expect(String(h)).to.equal('<Handle <anonymous>()>');
  });

  it('a one-argument handle (futures\' fast path) shows its argument', () => {
    const fut = loop.createFuture();
    function cb(_f: unknown) {}
    const h = loop._callSoonWithArg(cb, fut, null);
    expect(String(h)).to.equal('<Handle cb(<Future pending>)>');
  });

  it('cancel() is idempotent, marks it, drops the callback and arguments, and it never runs', () => {
    let ran = false;
    const big = { payload: 1 };
    const h = loop.callSoon((_x: object) => {
      ran = true;
    }, big);
    h.cancel();
    h.cancel();
    expect(h.cancelled()).to.equal(true);
    expect(h._callback).to.equal(null);
    expect(h._args).to.deep.equal([]);
    expect(String(h)).to.equal('<Handle cancelled>');
    expect(h._describe()).to.equal('<cancelled>');
    loop.runUntilComplete(sleep(0));
    expect(ran).to.equal(false);
  });

  it('an exception in the callback goes to the exception handler, with the handle', () => {
    const seen = errorsOf(loop);
    const err = new Error('boom');
    function bad(_n: number) {
      throw err;
    }
    const h = loop.callSoon(bad, 7);
    loop.runUntilComplete(sleep(0));
    expect(seen).to.have.length(1);
    expect(seen[0].message).to.equal('Exception in callback bad(7)');
    expect(seen[0].exception).to.equal(err);
    expect(seen[0].handle).to.equal(h);
    expect(seen[0]).not.to.have.property('sourceTraceback');
  });

  it('in debug mode the context also carries where the handle was scheduled', () => {
    loop.setDebug(true);
    const seen = errorsOf(loop);
    loop.callSoon(function failing() {
      throw new Error('x');
    });
    loop.runUntilComplete(sleep(0));
    expect(seen[0].sourceTraceback).to.be.a('string').and.to.contain('handles.spec');
  });
});

describe('TimerHandle', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  it('callLater returns a TimerHandle with when() and a toString naming it', () => {
    function tick() {}
    const t = loop.callLater(5, tick);
    expect(t).to.be.instanceOf(TimerHandle);
    expect(t).to.be.instanceOf(Handle);
    expect(t.when()).to.equal(5);
    expect(String(t)).to.equal('<TimerHandle when=5 tick()>');
    t.cancel();
    expect(String(t)).to.equal('<TimerHandle cancelled when=5>');
  });

  it('a timer with one argument keeps it in the handle, not in an array; it runs and prints the same', () => {
    const got: unknown[] = [];
    function note(...xs: unknown[]) {
      got.push(xs);
    }
    const one = loop.callLater(1, note, 'a');
    const undef = loop.callLater(1, note, undefined);
    const two = loop.callLater(1, note, 'b', 'c');
    expect(one._args).to.equal(null); // sleep()'s timer lives as long as the sleep: no array beside it
    expect(String(one)).to.equal("<TimerHandle when=1 note('a')>");
    expect(String(undef)).to.equal('<TimerHandle when=1 note(undefined)>');
    expect(String(two)).to.equal("<TimerHandle when=1 note('b', 'c')>");
    loop.runUntilComplete(sleep(2));
    expect(got).to.deep.equal([['a'], [undefined], ['b', 'c']]);
  });

  it('cancelling counts once, and only while it sits in the heap', () => {
    const a = loop.callLater(1, () => {});
    a.cancel();
    a.cancel();
    expect(loop._timerCancelledCount).to.equal(1);
    const b = loop.callLater(0, () => {});
    loop.runUntilComplete(sleep(0)); // b fires and leaves the heap
    expect(b._scheduled).to.equal(false);
    const before = loop._timerCancelledCount;
    b.cancel();
    expect(loop._timerCancelledCount).to.equal(before);
  });

  it('timerBefore orders by deadline, then by scheduling order', () => {
    const a = loop.callAt(2, () => {});
    const b = loop.callAt(1, () => {});
    const c = loop.callAt(2, () => {});
    expect(timerBefore(b, a)).to.equal(true);
    expect(timerBefore(a, b)).to.equal(false);
    expect(timerBefore(a, c)).to.equal(true);
    expect(timerBefore(c, a)).to.equal(false);
    expect(timerBefore(a, a)).to.equal(false);
  });
});
