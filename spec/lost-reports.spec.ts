// lib/lost-reports.ts: failures nobody retrieved and coroutine() calls nobody awaited are held
// weakly — reported when collected, or at the latest when the loop closes — so a loop that runs
// for ever does not grow with them. (What the reports say, and that close reports what is still
// alive, is in futures.spec.ts and coroutines.spec.ts.)
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { EventLoop, coroutine, type Coroutine } from '../lib';
import { errorsOf, useVirtualLoop } from './support';

const N = 10_000;

interface Measured {
  growth: number;
  whileRunning: number;
  atClose: number;
  afterClose: number;
  first: { message: string; exception?: unknown; [key: string]: unknown };
}

describe('lost reports', () => {
  describe('held weakly, in a child process with a collector we can force (node --expose-gc)', function () {
    this.timeout(180_000);
    let measured: { futures: Measured; calls: Measured };
    before(() => {
      const out = execFileSync(process.execPath, ['--expose-gc', '-r', 'ts-node/register', path.join(__dirname, 'fixtures', 'lost-reports-memory.ts'), String(N)], {
        cwd: path.join(__dirname, '..'),
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
        encoding: 'utf8',
        timeout: 170_000,
      });
      measured = JSON.parse(out.trim().split('\n').pop() as string);
    });

    it(`${N} failed futures nobody retrieves: the heap stays flat (a strong set held ~900 bytes each until close)`, () => {
      expect(measured.futures.growth).to.be.below(N * 300);
    });

    it('each is reported exactly once — when collected, while the loop runs, or at close', () => {
      const { whileRunning, atClose } = measured.futures;
      expect(whileRunning + atClose).to.equal(N);
      expect(whileRunning).to.be.greaterThan(0);
    });

    it('a collected one is reported with its message and exception (the future itself is gone)', () => {
      expect(measured.futures.first).to.deep.equal({ message: 'Future exception was never retrieved', exception: 'an Error' });
    });

    it('a closed loop reports nothing more: failures made on it afterwards are collected silently', () => {
      expect(measured.futures.afterClose).to.equal(0);
    });

    it(`debug mode: ${N} coroutine() calls never awaited: flat too, each reported once`, () => {
      const { growth, whileRunning, atClose, first } = measured.calls;
      expect(growth).to.be.below(N * 300);
      expect(whileRunning + atClose).to.equal(N);
      expect(whileRunning).to.be.greaterThan(0);
      expect(first.message).to.match(/^coroutine 'neverAwaited' was never awaited \(called at .*lost-reports-memory\.ts:\d+:\d+\)$/);
      expect(Object.keys(first)).to.deep.equal(['message']);
    });
  });

  describe('the registry', () => {
    let loop: EventLoop;
    useVirtualLoop((l) => (loop = l));

    it('counts what is registered; retrieving an exception takes it back', () => {
      const a = loop.createFuture();
      const b = loop.createFuture();
      a.setException(new Error('a'));
      b.setException(new Error('b'));
      expect(loop._unretrieved.size).to.equal(2);
      a.exception();
      expect(loop._unretrieved.size).to.equal(1);
      a.exception(); // twice is fine
      b.cancel(); // cancel() counts as handling it, as in CPython
      expect(loop._unretrieved.size).to.equal(0);
    });

    it('at close, reports what is still alive with the object itself, in the order registered, then nothing', () => {
      const seen = errorsOf(loop);
      loop.setDebug(true);
      const never = coroutine(function* never(): Coroutine<void> {});
      let call: unknown;
      function* main(): Coroutine<void> {
        call = never();
      }
      loop.runUntilComplete(main());
      const first = loop.createFuture();
      const second = loop.createFuture();
      first.setException(new Error('1'));
      second.setException(new Error('2'));
      loop.close();
      expect(seen.map((c) => [c.message, c.future ?? c.coroutine])).to.deep.equal([
        ['Future exception was never retrieved', first],
        ['Future exception was never retrieved', second],
        [seen[2].message, call],
      ]);
      expect(seen[2].message).to.match(/^coroutine 'never' was never awaited \(called at /);
      expect(loop._unretrieved.size).to.equal(0);
      expect(loop._unawaited.size).to.equal(0);
    });
  });
});
