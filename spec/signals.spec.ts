// lib/signals.ts: loop.addSignalHandler / removeSignalHandler with real
// signals sent to this process (SIGUSR2, which nothing else here uses), and
// to a child process for what only a whole process shows (staying alive
// while it waits for a signal, the default action coming back).
import { expect } from 'chai';
import { constants } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Event, EventLoop, RuntimeError, ValueError, coroutine, getRunningLoop, run, sleep, type Coroutine, type ExceptionContext } from '../lib';
import { runFixture, throws } from './support';

/** Sends SIGUSR2 to this process from outside the loop, and waits for `seen` to be set by the handler. */
function* raiseAndWait(seen: Event): Coroutine<void> {
  setImmediate(() => process.kill(process.pid, 'SIGUSR2'));
  yield* seen.wait();
}

describe('signals: loop.addSignalHandler and removeSignalHandler', function () {
  this.timeout(120_000); // child processes and worker threads start slowly on a busy machine
  const baseline = () => process.listenerCount('SIGUSR2');

  it('runs the handler on the loop, with its arguments; removeSignalHandler says whether one was removed', async () => {
    const before = baseline();
    const calls = await run(
      (function* (): Coroutine<unknown[][]> {
        const loop = getRunningLoop();
        const seen = new Event();
        const calls: unknown[][] = [];
        loop.addSignalHandler(
          'SIGUSR2',
          (a: string, b: number) => {
            calls.push([a, b, getRunningLoop() === loop]); // on the loop, not inside Node's event
            seen.set();
          },
          'hello',
          42,
        );
        expect(process.listenerCount('SIGUSR2')).to.equal(before + 1);
        yield* raiseAndWait(seen);
        expect(loop.removeSignalHandler('SIGUSR2')).to.equal(true);
        expect(loop.removeSignalHandler('SIGUSR2')).to.equal(false);
        expect(loop.removeSignalHandler('SIGKILL')).to.equal(false); // never installed: false, as in CPython
        expect(process.listenerCount('SIGUSR2')).to.equal(before);
        return calls;
      })(),
    );
    expect(calls).to.deep.equal([['hello', 42, true]]);
  });

  it('a second handler for the same signal replaces the first; a signal number names the same signal', async () => {
    const before = baseline();
    const calls = await run(
      (function* (): Coroutine<string[]> {
        const loop = getRunningLoop();
        const seen = new Event();
        const calls: string[] = [];
        loop.addSignalHandler('SIGUSR2', () => calls.push('first'));
        loop.addSignalHandler(constants.signals.SIGUSR2, () => {
          calls.push('second');
          seen.set();
        });
        expect(process.listenerCount('SIGUSR2')).to.equal(before + 1);
        yield* raiseAndWait(seen);
        yield* sleep(0);
        expect(loop.removeSignalHandler(constants.signals.SIGUSR2)).to.equal(true);
        return calls;
      })(),
    );
    expect(calls).to.deep.equal(['second']);
    expect(process.listenerCount('SIGUSR2')).to.equal(before);
  });

  it('an error thrown by the handler goes to the exception handler; the handler stays installed', async () => {
    const seen: ExceptionContext[] = [];
    await run(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        loop.setExceptionHandler((_l, ctx) => seen.push(ctx));
        const first = new Event();
        const second = new Event();
        let n = 0;
        loop.addSignalHandler('SIGUSR2', function onUsr2() {
          (++n === 1 ? first : second).set();
          throw new Error(`handler failed (${n})`);
        });
        yield* raiseAndWait(first);
        yield* raiseAndWait(second); // the handler is still there
        loop.removeSignalHandler('SIGUSR2');
      })(),
    );
    expect(seen.map((c) => String(c.exception))).to.deep.equal(['Error: handler failed (1)', 'Error: handler failed (2)']);
    expect(seen[0].message).to.match(/^Exception in callback onUsr2/);
    expect(seen[0].handle).to.not.equal(undefined);
  });

  it("refuses what CPython refuses, with CPython's errors", () => {
    const loop = new EventLoop();
    try {
      const caught = (sig: unknown, cb: unknown = () => undefined) => throws(() => loop.addSignalHandler(sig as never, cb as never)) as Error;
      for (const [sig, message] of [
        ['SIGKILL', 'sig SIGKILL cannot be caught'],
        ['SIGSTOP', 'sig SIGSTOP cannot be caught'],
        [9, 'sig 9 cannot be caught'],
      ] as const) {
        const e = caught(sig);
        expect(e, String(sig)).to.be.instanceOf(RuntimeError);
        expect(e.message).to.equal(message);
      }
      for (const [sig, message] of [
        [0, 'invalid signal number 0'],
        [999, 'invalid signal number 999'],
        [1.5, 'invalid signal number 1.5'],
        ['SIGFOO', "invalid signal name 'SIGFOO': use a name as Node spells it, such as 'SIGTERM' or 'SIGINT'"],
        ['sigterm', "invalid signal name 'sigterm': use a name as Node spells it, such as 'SIGTERM' or 'SIGINT'"],
      ] as const) {
        const e = caught(sig);
        expect(e, String(sig)).to.be.instanceOf(ValueError);
        expect(e.message).to.equal(message);
      }
      const typeErrors: Array<[unknown, unknown, string]> = [
        [null, undefined, "sig must be a signal name such as 'SIGTERM' (or its number), not null"],
        ['SIGUSR2', function* gen() {}, 'coroutines cannot be used with addSignalHandler()'],
        ['SIGUSR2', sleep(1), 'coroutines cannot be used with addSignalHandler()'],
        ['SIGUSR2', coroutine(function* named() {})(), 'coroutines cannot be used with addSignalHandler()'],
        ['SIGUSR2', 'not a function', "addSignalHandler() needs a function as its callback, got 'not a function'"],
      ];
      for (const [sig, cb, message] of typeErrors) {
        const e = caught(sig, cb);
        expect(e, message).to.be.instanceOf(TypeError);
        expect(e.message).to.equal(message);
      }
      expect(() => loop.removeSignalHandler('SIGFOO' as never)).to.throw(ValueError, /invalid signal name 'SIGFOO'/);
      expect(() => loop.removeSignalHandler({} as never)).to.throw(TypeError, /sig must be a signal name/);
    } finally {
      loop.close();
    }
    // A closed loop: the signal is checked first, then the loop (CPython's order).
    expect(() => loop.addSignalHandler('SIGFOO' as never, () => undefined)).to.throw(ValueError);
    expect(() => loop.addSignalHandler('SIGUSR2', () => undefined)).to.throw(RuntimeError, 'Event loop is closed');
  });

  it('closing the loop removes the handlers it still has', () => {
    const before = baseline();
    const loop = new EventLoop();
    loop.addSignalHandler('SIGUSR2', () => undefined);
    loop.addSignalHandler('SIGHUP', () => undefined);
    expect(process.listenerCount('SIGUSR2')).to.equal(before + 1);
    loop.close();
    expect(process.listenerCount('SIGUSR2')).to.equal(before);
    expect(process.listenerCount('SIGHUP')).to.equal(0);
    expect(loop.removeSignalHandler('SIGUSR2')).to.equal(false);
  });

  it('a running loop cannot be closed, and keeps its handlers', async () => {
    const before = baseline();
    await run(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        loop.addSignalHandler('SIGUSR2', () => undefined);
        expect(() => loop.close()).to.throw(RuntimeError, 'Cannot close a running event loop');
        expect(process.listenerCount('SIGUSR2')).to.equal(before + 1);
      })(),
    ); // run() closes the loop at the end: the handler goes with it
    expect(process.listenerCount('SIGUSR2')).to.equal(before);
  });

  it('refuses in a worker thread, which receives no signals', async () => {
    const lib = path.resolve(__dirname, '..', 'lib');
    const code = `
      require('ts-node/register/transpile-only');
      const { parentPort } = require('node:worker_threads');
      const { EventLoop } = require(${JSON.stringify(lib)});
      const loop = new EventLoop();
      try { loop.addSignalHandler('SIGTERM', () => {}); parentPort.postMessage('installed'); }
      catch (e) { parentPort.postMessage(e.name + ': ' + e.message); }
      loop.close();
    `;
    const message = await new Promise<string>((resolve, reject) => {
      const worker = new Worker(code, { eval: true });
      worker.once('message', (m: string) => {
        resolve(m);
        void worker.terminate();
      });
      worker.once('error', reject);
    });
    expect(message).to.equal('RuntimeError: signal handlers only work in the main thread: a worker thread receives no signals');
  });

  it('a process that waits only for a signal stays alive until it comes (no exit, no deadlock report)', async () => {
    const result = await runFixture('wait-for-signal', [], (line, child) => {
      if (line === 'ready') setTimeout(() => child.kill('SIGTERM'), 50); // Node has had time to find it idle
    });
    expect(result.lines).to.deep.equal(['ready', 'SIGTERM: stopping', 'handler removed: true', 'done']);
    expect(result.code).to.equal(0);
  });

  it("after removeSignalHandler the signal's default action is back: SIGTERM ends the process", async () => {
    const result = await runFixture('wait-for-signal', ['then-wait'], (line, child) => {
      if (line === 'ready' || line === 'waiting') child.kill('SIGTERM');
    });
    expect(result.lines).to.deep.equal(['ready', 'SIGTERM: stopping', 'handler removed: true', 'waiting']);
    expect(result.signal).to.equal('SIGTERM');
  });
});
