// lib/timer-heap.ts: the loop's 4-ary timer heap, checked against a sorted model.
import { expect } from 'chai';
import fc from 'fast-check';
import { EventLoop, type TimerHandle } from '../lib';
import { TimerHeap } from '../lib/timer-heap';

/** Real TimerHandles (never run): the heap reads their `_when` and `_seq`. */
function timers(whens: number[]): TimerHandle[] {
  const loop = new EventLoop({ clock: 'virtual' });
  const out = whens.map((w) => loop.callAt(w, () => {}));
  loop.close();
  return out;
}

const order = (a: TimerHandle, b: TimerHandle) => a._when - b._when || a._seq - b._seq;

describe('TimerHeap', () => {
  it('pops by deadline, equal deadlines in scheduling order', () => {
    const ts = timers([5, 1, 4, 1, 3, 9, 2, 6, 1]);
    const h = new TimerHeap();
    for (const t of ts) h.push(t);
    expect(h.length).to.equal(9);
    const out: TimerHandle[] = [];
    while (h.length) out.push(h.pop() as TimerHandle);
    expect(out).to.deep.equal([...ts].sort(order));
    expect(out.slice(0, 3)).to.deep.equal([ts[1], ts[3], ts[8]]); // the three 1s, oldest first
  });

  it('peek and peekWhen show the first timer without removing it; empty gives undefined and Infinity', () => {
    const h = new TimerHeap();
    expect(h.peek()).to.equal(undefined);
    expect(h.peekWhen()).to.equal(Infinity);
    expect(h.pop()).to.equal(undefined);
    const [a, b] = timers([3, 2]);
    h.push(a);
    h.push(b);
    expect(h.peek()).to.equal(b);
    expect(h.peekWhen()).to.equal(2);
    expect(h.length).to.equal(2);
  });

  it('does not keep a popped timer alive in its slots', () => {
    const h = new TimerHeap();
    for (const t of timers([1, 2, 3])) h.push(t);
    h.pop();
    h.pop();
    h.pop();
    expect((h as unknown as { _handles: unknown[] })._handles.every((x) => x === undefined)).to.equal(true);
  });

  it('any pushes, pops and filters agree with a sorted list (fast-check)', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 0, max: 20 }) }), // small range: many equal deadlines
      fc.constant({ pop: true }),
      fc.record({ dropEvery: fc.integer({ min: 2, max: 4 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const loop = new EventLoop({ clock: 'virtual' });
        const h = new TimerHeap();
        let model: TimerHandle[] = [];
        for (const o of ops) {
          if ('push' in o) {
            const t = loop.callAt(o.push, () => {});
            h.push(t);
            model.push(t);
            model.sort(order);
          } else if ('pop' in o) {
            expect(h.pop()).to.equal(model.shift());
          } else {
            const keep = (t: TimerHandle) => t._seq % o.dropEvery !== 0;
            h.filter(keep);
            model = model.filter(keep);
          }
          expect(h.length).to.equal(model.length);
          expect(h.peek()).to.equal(model[0]);
          expect([...h.toArray()].sort(order)).to.deep.equal(model);
        }
        loop.close();
      }),
      { numRuns: 200 },
    );
  });

  it('grows past its first arrays and clears', () => {
    const ts = timers(Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000));
    const h = new TimerHeap();
    for (const t of ts) h.push(t);
    const out: number[] = [];
    for (let i = 0; i < 500; i++) out.push((h.pop() as TimerHandle)._when);
    expect(out).to.deep.equal([...out].sort((a, b) => a - b));
    h.clear();
    expect(h.length).to.equal(0);
    expect(h.peek()).to.equal(undefined);
  });
});
