// lib/deque.ts: the blocks of 64 behind the loop's ready queue, checked against a plain array.
import { expect } from 'chai';
import fc from 'fast-check';
import { Deque } from '../lib/deque';

describe('Deque', () => {
  it('is FIFO: shift returns items in push order, then undefined', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 5; i++) d.push(i);
    expect(d.length).to.equal(5);
    expect([d.shift(), d.shift(), d.shift(), d.shift(), d.shift()]).to.deep.equal([0, 1, 2, 3, 4]);
    expect(d.length).to.equal(0);
    expect(d.shift()).to.equal(undefined);
    expect(d.length).to.equal(0);
  });

  it('keeps order across many blocks while items leave from the head', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 10; i++) d.push(i);
    for (let i = 0; i < 8; i++) expect(d.shift()).to.equal(i); // the head is 8 slots into its block
    for (let i = 10; i < 1000; i++) d.push(i); // 16 blocks more
    expect(d.length).to.equal(992);
    expect([...d]).to.deep.equal(Array.from({ length: 992 }, (_, i) => i + 8));
    expect(d.at(56)).to.equal(64); // the first item of the second block
    expect(d.at(991)).to.equal(999);
    for (let i = 8; i < 1000; i++) expect(d.shift()).to.equal(i);
    expect(d.length).to.equal(0);
  });

  it('a busy deque reuses its blocks: the one dropped from the head becomes the next tail block', () => {
    const d = new Deque<number>();
    const blocks = (): unknown[][] => (d as unknown as { blocks: unknown[][] }).blocks;
    const seen = new Set<unknown[]>();
    for (let i = 0; i < 100; i++) d.push(i);
    for (let i = 100; i < 10_000; i++) {
      d.push(i);
      expect(d.shift()).to.equal(i - 100);
      for (const b of blocks()) seen.add(b);
    }
    expect(seen.size).to.equal(3); // 100 items in flight: two or three blocks at a time, always the same three
    expect(blocks().length).to.be.at.most(3);
  });

  it('at(i) reads the i-th oldest item; out of range is undefined', () => {
    const d = new Deque<string>();
    d.push('a');
    d.push('b');
    d.shift();
    d.push('c');
    expect(d.at(0)).to.equal('b');
    expect(d.at(1)).to.equal('c');
    expect(d.at(2)).to.equal(undefined);
    expect(d.at(-1)).to.equal(undefined);
  });

  it('swap exchanges two items by position', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 4; i++) d.push(i);
    d.swap(0, 3);
    expect([...d]).to.deep.equal([3, 1, 2, 0]);
  });

  it('remove(item) takes out the oldest equal item, keeping the order of the rest, across blocks; false when absent', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 200; i++) d.push(i % 100);
    expect(d.remove(70)).to.equal(true); // the first 70, in the second block
    expect(d.remove(0)).to.equal(true); // the head
    expect(d.remove(1000)).to.equal(false);
    const rest = Array.from({ length: 200 }, (_, i) => i % 100);
    rest.splice(70, 1);
    rest.shift();
    expect([...d]).to.deep.equal(rest);
    expect(d.length).to.equal(198);
  });

  it('clear empties it and it stays usable', () => {
    const d = new Deque<number>();
    for (let i = 0; i < 40; i++) d.push(i);
    d.clear();
    expect(d.length).to.equal(0);
    expect([...d]).to.deep.equal([]);
    d.push(7);
    expect(d.shift()).to.equal(7);
  });

  it('drops its reference to a shifted item', () => {
    const d = new Deque<object>();
    for (let i = 0; i < 100; i++) d.push({});
    for (let i = 0; i < 100; i++) d.shift();
    const { blocks, spare } = d as unknown as { blocks: unknown[][]; spare: unknown[] };
    expect([...blocks, spare].every((b) => b.every((x) => x === undefined))).to.equal(true);
  });

  it('behaves like an array under random push/shift/swap/clear (property)', () => {
    type Op = { op: 'push'; v: number } | { op: 'shift' } | { op: 'swap'; i: number; j: number } | { op: 'clear' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.integer().map((v) => ({ op: 'push' as const, v })) },
      { weight: 4, arbitrary: fc.constant({ op: 'shift' as const }) },
      { weight: 1, arbitrary: fc.tuple(fc.nat(), fc.nat()).map(([i, j]) => ({ op: 'swap' as const, i, j })) },
      { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
    );
    fc.assert(
      fc.property(fc.nat(150), fc.array(op, { maxLength: 600 }), (start, ops) => {
        const d = new Deque<number>();
        const model: number[] = [];
        // A head anywhere in a block, and sometimes several blocks already in use.
        for (let i = 0; i < start; i++) {
          d.push(-i);
          model.push(-i);
        }
        for (let i = 0; i < start / 2; i++) expect(d.shift()).to.equal(model.shift());
        for (const o of ops) {
          if (o.op === 'push') {
            d.push(o.v);
            model.push(o.v);
          } else if (o.op === 'shift') {
            expect(d.shift()).to.equal(model.shift());
          } else if (o.op === 'swap') {
            if (model.length === 0) continue;
            const i = o.i % model.length;
            const j = o.j % model.length;
            d.swap(i, j);
            [model[i], model[j]] = [model[j], model[i]];
          } else {
            d.clear();
            model.length = 0;
          }
          expect(d.length).to.equal(model.length);
        }
        expect([...d]).to.deep.equal(model);
        for (let i = 0; i < model.length; i++) expect(d.at(i)).to.equal(model[i]);
      }),
      { numRuns: 300 },
    );
  });
});
