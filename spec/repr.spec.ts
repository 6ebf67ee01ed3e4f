// lib/repr.ts: Python-style repr() for toString() and error messages.
import { expect } from 'chai';
import { callableName, repr } from '../lib/repr';
import { EventLoop, ValueError } from '../lib';

describe('repr', () => {
  it('quotes strings the way Python does, escaping quotes and backslashes', () => {
    expect(repr('abc')).to.equal("'abc'");
    expect(repr("it's")).to.equal("'it\\'s'");
    expect(repr('a\\b')).to.equal("'a\\\\b'");
  });

  it('shows primitives plainly', () => {
    expect(repr(undefined)).to.equal('undefined');
    expect(repr(null)).to.equal('null');
    expect(repr(42)).to.equal('42');
    expect(repr(true)).to.equal('true');
    expect(repr(10n)).to.equal('10n');
    expect(repr(Symbol('s'))).to.equal('Symbol(s)');
  });

  it('shows functions by name', () => {
    function named() {}
    expect(repr(named)).to.equal('<function named>');
    expect(repr((() => () => 1)())).to.equal('<function>');
  });

  it('shows errors as Name(\'message\')', () => {
    expect(repr(new ValueError('bad'))).to.equal("ValueError('bad')");
    expect(repr(new Error(''))).to.equal("Error('')");
  });

  it('shows arrays element by element, at most ten, nested at most three deep', () => {
    expect(repr([1, 'a', null])).to.equal("[1, 'a', null]");
    expect(repr(Array.from({ length: 12 }, (_, i) => i))).to.equal('[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, …]');
    expect(repr([[[[1]]]])).to.equal('[[[…]]]');
  });

  it('uses an object\'s own toString (e.g. a Future)', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    expect(repr(loop.createFuture())).to.equal('<Future pending>');
    loop.close();
  });

  it('shows plain objects as JSON, shortened past 80 characters', () => {
    expect(repr({ a: 1 })).to.equal('{"a":1}');
    const long = repr({ key: 'x'.repeat(200) });
    expect(long).to.have.length(78);
    expect(long.endsWith('…')).to.equal(true);
  });

  it('falls back to [object] for what JSON cannot show', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(repr(circular)).to.equal('[object]');
  });

  it('never throws: a null-prototype object, or a toString that fails', () => {
    const bare = Object.create(null);
    bare.a = 1;
    expect(repr(bare)).to.equal('{"a":1}');
    const bad = { toString() { throw new Error('no'); }, b: 2 };
    expect(repr(bad)).to.equal('{"b":2}');
  });

  it('callableName: a function\'s name without "bound ", else <anonymous>', () => {
    function f() {}
    expect(callableName(f)).to.equal('f');
    expect(callableName(f.bind(null))).to.equal('f');
    expect(callableName((() => () => 1)())).to.equal('<anonymous>');
    expect(callableName(42)).to.equal('<anonymous>');
  });
});
