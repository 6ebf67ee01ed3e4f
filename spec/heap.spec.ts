// lib/heap.ts: the binary min-heap behind the loop's timers, checked against a sorted array.
import { expect } from 'chai';
import fc from 'fast-check';
import { Heap } from '../lib/heap';

const numLess = (a: number, b: number) => a < b;

describe('Heap', () => {
  it('pops in ascending order', () => {
    const h = new Heap<number>(numLess);
    for (const x of [5, 1, 4, 1, 3, 9, 2, 6]) h.push(x);
    expect(h.length).to.equal(8);
    const out: number[] = [];
    while (h.length) out.push(h.pop() as number);
    expect(out).to.deep.equal([1, 1, 2, 3, 4, 5, 6, 9]);
  });

  it('peek shows the smallest without removing it; an empty heap gives undefined', () => {
    const h = new Heap<number>(numLess);
    expect(h.peek()).to.equal(undefined);
    expect(h.pop()).to.equal(undefined);
    h.push(3);
    h.push(1);
    expect(h.peek()).to.equal(1);
    expect(h.length).to.equal(2);
  });

  it('orders by the comparison it was given (e.g. (when, seq) for stable ties)', () => {
    type T = { when: number; seq: number };
    const h = new Heap<T>((a, b) => a.when < b.when || (a.when === b.when && a.seq < b.seq));
    let seq = 0;
    for (const when of [2, 1, 2, 1, 2]) h.push({ when, seq: seq++ });
    const out: number[] = [];
    while (h.length) out.push((h.pop() as T).seq);
    expect(out).to.deep.equal([1, 3, 0, 2, 4]);
  });

  it('filter keeps the matching items and restores heap order', () => {
    const h = new Heap<number>(numLess);
    for (let i = 20; i > 0; i--) h.push(i);
    h.filter((x) => x % 3 !== 0);
    const out: number[] = [];
    while (h.length) out.push(h.pop() as number);
    expect(out).to.deep.equal([1, 2, 4, 5, 7, 8, 10, 11, 13, 14, 16, 17, 19, 20]);
  });

  it('toArray is a copy; clear empties', () => {
    const h = new Heap<number>(numLess);
    h.push(2);
    h.push(1);
    const arr = h.toArray();
    expect(arr.slice().sort()).to.deep.equal([1, 2]);
    arr.length = 0;
    expect(h.length).to.equal(2);
    h.clear();
    expect(h.length).to.equal(0);
    expect(h.peek()).to.equal(undefined);
  });

  it('behaves like a sorted array under random push/pop/filter (property)', () => {
    type Op = { op: 'push'; v: number } | { op: 'pop' } | { op: 'filter'; m: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: -50, max: 50 }).map((v) => ({ op: 'push' as const, v })) },
      { weight: 4, arbitrary: fc.constant({ op: 'pop' as const }) },
      { weight: 1, arbitrary: fc.integer({ min: 2, max: 5 }).map((m) => ({ op: 'filter' as const, m })) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const h = new Heap<number>(numLess);
        let model: number[] = [];
        for (const o of ops) {
          if (o.op === 'push') {
            h.push(o.v);
            model.push(o.v);
            model.sort((a, b) => a - b);
          } else if (o.op === 'pop') {
            expect(h.pop()).to.equal(model.shift());
          } else {
            h.filter((x) => x % o.m !== 0);
            model = model.filter((x) => x % o.m !== 0);
          }
          expect(h.length).to.equal(model.length);
          expect(h.peek()).to.equal(model[0]);
        }
        const out: number[] = [];
        while (h.length) out.push(h.pop() as number);
        expect(out).to.deep.equal(model);
      }),
      { numRuns: 300 },
    );
  });
});
