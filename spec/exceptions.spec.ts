// lib/exceptions.ts: the error classes, their names, and ExceptionGroup's split/subgroup.
import { expect } from 'chai';
import {
  BrokenBarrierError,
  CancelledError,
  ExceptionGroup,
  IncompleteReadError,
  InvalidStateError,
  LimitOverrunError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  RuntimeError,
  TimeoutError,
  ValueError,
} from '../lib';

describe('exceptions', () => {
  const simple = { CancelledError, InvalidStateError, TimeoutError, RuntimeError, ValueError, QueueEmpty, QueueFull, QueueShutDown, BrokenBarrierError };

  for (const [name, Cls] of Object.entries(simple)) {
    it(`${name}: an Error whose name is its class name`, () => {
      const e = new Cls('boom');
      expect(e).to.be.instanceOf(Error);
      expect(e).to.be.instanceOf(Cls);
      expect(e.name).to.equal(name);
      expect(e.message).to.equal('boom');
      expect(String(e)).to.equal(`${name}: boom`);
    });
  }

  it('CancelledError without a message has an empty message', () => {
    expect(new CancelledError().message).to.equal('');
  });

  it('a subclass takes its own name', () => {
    class MyError extends RuntimeError {}
    expect(new MyError('x').name).to.equal('MyError');
    expect(new MyError('x')).to.be.instanceOf(RuntimeError);
  });

  it('keeps the cause option', () => {
    const cause = new Error('root');
    expect(new RuntimeError('wrapped', { cause }).cause).to.equal(cause);
  });

  it('IncompleteReadError carries partial and expected, with Python\'s message', () => {
    const e = new IncompleteReadError(new Uint8Array([1, 2]), 5);
    expect(e.name).to.equal('IncompleteReadError');
    expect(e.partial).to.deep.equal(new Uint8Array([1, 2]));
    expect(e.expected).to.equal(5);
    expect(e.message).to.equal('2 bytes read on a total of 5 expected bytes');
    expect(new IncompleteReadError(new Uint8Array(0), null).message).to.equal('0 bytes read on a total of null expected bytes');
  });

  it('LimitOverrunError carries consumed', () => {
    const e = new LimitOverrunError('Separator is not found, and chunk exceed the limit', 7);
    expect(e.name).to.equal('LimitOverrunError');
    expect(e.consumed).to.equal(7);
    expect(e.message).to.contain('Separator');
  });

  describe('ExceptionGroup', () => {
    const a = new ValueError('a');
    const b = new TimeoutError('b');
    const c = new ValueError('c');

    it('is an AggregateError with exceptions = errors', () => {
      const g = new ExceptionGroup('many', [a, b]);
      expect(g).to.be.instanceOf(AggregateError);
      expect(g.name).to.equal('ExceptionGroup');
      expect(g.message).to.equal('many');
      expect(g.exceptions).to.deep.equal([a, b]);
      expect(g.exceptions).to.equal(g.errors);
    });

    it('copies the array it was given', () => {
      const list = [a];
      const g = new ExceptionGroup('m', list);
      list.push(b);
      expect(g.exceptions).to.have.length(1);
    });

    it('refuses a non-string message (TypeError) and an empty or missing list (ValueError)', () => {
      expect(() => new ExceptionGroup(1 as unknown as string, [a])).to.throw(TypeError, 'message string');
      expect(() => new ExceptionGroup('m', [])).to.throw(ValueError, 'non-empty');
      expect(() => new ExceptionGroup('m', null as unknown as unknown[])).to.throw(ValueError);
    });

    it('split by class keeps the message and order', () => {
      const g = new ExceptionGroup('m', [a, b, c]);
      const [match, rest] = g.split(ValueError);
      expect(match).to.be.instanceOf(ExceptionGroup);
      expect(match!.message).to.equal('m');
      expect(match!.exceptions).to.deep.equal([a, c]);
      expect(rest!.exceptions).to.deep.equal([b]);
    });

    it('split by predicate', () => {
      const g = new ExceptionGroup('m', [a, b, c]);
      const [match, rest] = g.split((e) => (e as Error).message === 'b');
      expect(match!.exceptions).to.deep.equal([b]);
      expect(rest!.exceptions).to.deep.equal([a, c]);
    });

    it('split gives null for an empty side', () => {
      const g = new ExceptionGroup('m', [a, c]);
      const [m, r] = g.split(ValueError);
      expect(r).to.equal(null);
      expect(m!.exceptions).to.deep.equal([a, c]);
      const [m2, r2] = g.split(TimeoutError);
      expect(m2).to.equal(null);
      expect(r2!.exceptions).to.deep.equal([a, c]);
    });

    it('a condition that matches the group itself returns the group whole', () => {
      const g = new ExceptionGroup('m', [a]);
      expect(g.split(ExceptionGroup)).to.deep.equal([g, null]);
      expect(g.split(Error)[0]).to.equal(g);
      expect(g.subgroup(() => true)).to.equal(g);
    });

    it('nested groups are filtered and keep their nesting', () => {
      const inner = new ExceptionGroup('inner', [b, c]);
      const g = new ExceptionGroup('outer', [a, inner]);
      const [match, rest] = g.split(ValueError);
      expect(match!.exceptions[0]).to.equal(a);
      const nested = match!.exceptions[1] as ExceptionGroup;
      expect(nested).to.be.instanceOf(ExceptionGroup);
      expect(nested.message).to.equal('inner');
      expect(nested.exceptions).to.deep.equal([c]);
      expect(rest!.message).to.equal('outer');
      expect((rest!.exceptions[0] as ExceptionGroup).exceptions).to.deep.equal([b]);
    });

    it('subgroup is the matching half', () => {
      const g = new ExceptionGroup('m', [a, b]);
      expect(g.subgroup(TimeoutError)!.exceptions).to.deep.equal([b]);
      expect(g.subgroup(QueueEmpty)).to.equal(null);
    });

    it('refuses a condition that is not a class or a function', () => {
      const g = new ExceptionGroup('m', [a]);
      expect(() => g.split('ValueError' as unknown as typeof ValueError)).to.throw(TypeError, 'error class or a predicate');
    });
  });
});
