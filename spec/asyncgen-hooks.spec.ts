// lib/asyncgen-hooks.ts: the loop remembers the async generators first iterated
// on it; loop.shutdownAsyncgens() closes those left unfinished, and run(),
// runSync() and Runner call it before closing; dropped ones are closed when collected.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import {
  DefaultEventLoopPolicy,
  EventLoop,
  KeyboardInterrupt,
  Runner,
  asyncCursor,
  asyncGenerator,
  createTask,
  emit,
  getEventLoopPolicy,
  getRunningLoop,
  run,
  runSync,
  setEventLoopPolicy,
  sleep,
  type Coroutine,
  type ExceptionContext,
} from '../lib';
import { _liveAsyncgens } from '../lib/asyncgen-hooks';
import { errorsOf, useVirtualLoop } from './support';

/** Emits forever; its finally block logs, awaits a second, and logs again. */
function endless(log: string[]) {
  return asyncGenerator(function* endless(name: string) {
    try {
      for (let i = 0; ; i++) yield* emit(i);
    } finally {
      const loop = getRunningLoop();
      log.push(`${name} closing at ${loop.time()}`);
      yield* sleep(1);
      log.push(`${name} closed at ${loop.time()} (loop closed: ${loop.isClosed()}, executor shut down: ${loop._executorShutdownCalled})`);
    }
  });
}

describe('the loop and its async generators', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  describe('the registry', () => {
    it('registers a generator the first time it is asked for anything on a running loop, and forgets it when it finishes', () => {
      const gen = asyncGenerator(function* two() {
        yield* emit(1);
        yield* emit(2);
      });
      const seen: number[] = [];
      function* main(): Coroutine<void> {
        const g = gen();
        seen.push(_liveAsyncgens(loop).length); // created, not iterated
        yield* g.anext();
        seen.push(_liveAsyncgens(loop).length);
        expect(g._loop).to.equal(loop);
        yield* g.anext();
        try {
          yield* g.anext();
        } catch {
          /* StopAsyncIteration */
        }
        seen.push(_liveAsyncgens(loop).length);
      }
      loop.runUntilComplete(main());
      expect(seen).to.deep.equal([0, 1, 0]);
    });

    it('a long run does not accumulate generators that finished — exhausted, closed, failed or cancelled', () => {
      const gen = asyncGenerator(function* short(how: number) {
        yield* emit(0);
        if (how === 2) throw new RangeError('fails');
        yield* sleep(10);
        yield* emit(1);
      });
      function* main(): Coroutine<number> {
        for (let i = 0; i < 200; i++) {
          const g = gen(i % 4);
          yield* g.anext();
          if (i % 4 === 0) {
            for (const c = asyncCursor(g); yield* c.next(); ); // exhausted
          } else if (i % 4 === 1) {
            yield* g.aclose();
          } else if (i % 4 === 2) {
            try {
              yield* g.anext();
            } catch {
              /* fails */
            }
          } else {
            const t = createTask(g.anext());
            yield* sleep(1);
            t.cancel();
            try {
              yield* t;
            } catch {
              /* cancelled */
            }
          }
        }
        return _liveAsyncgens(loop).length;
      }
      expect(loop.runUntilComplete(main())).to.equal(0);
    });

    it('a generator first asked outside a running loop is not registered (CPython: no hooks were set)', () => {
      const log: string[] = [];
      const g = endless(log)('outside');
      const first = g.anext(); // the loop is not running yet
      expect(loop.runUntilComplete(first)).to.equal(0);
      expect(_liveAsyncgens(loop)).to.deep.equal([]);
      loop.runUntilComplete(loop.shutdownAsyncgens());
      expect(log).to.deep.equal([]);
    });
  });

  describe('shutdownAsyncgens', () => {
    it('closes every unfinished generator, concurrently, their finally blocks awaiting', () => {
      const log: string[] = [];
      const gen = endless(log);
      function* main(): Coroutine<void> {
        yield* gen('a').anext();
        yield* gen('b').anext();
        const done = gen('c');
        yield* done.anext();
        yield* done.aclose(); // already closed: not closed twice
      }
      loop.runUntilComplete(main());
      log.length = 0;
      loop.runUntilComplete(loop.shutdownAsyncgens());
      expect(log).to.deep.equal([
        'a closing at 1',
        'b closing at 1',
        'a closed at 2 (loop closed: false, executor shut down: false)',
        'b closed at 2 (loop closed: false, executor shut down: false)',
      ]);
      expect(_liveAsyncgens(loop)).to.deep.equal([]);
    });

    it('reports a generator whose close fails, with CPython\'s message, and closes the others', () => {
      const seen = errorsOf(loop);
      const log: string[] = [];
      const bad = asyncGenerator(function* bad() {
        try {
          yield* emit(1);
        } finally {
          throw new RangeError('in finally');
        }
      });
      let badGen: unknown;
      function* main(): Coroutine<void> {
        const b = bad();
        badGen = b;
        yield* b.anext();
        yield* endless(log)('good').anext();
      }
      loop.runUntilComplete(main());
      loop.runUntilComplete(loop.shutdownAsyncgens());
      expect(seen).to.have.length(1);
      expect(seen[0].message).to.equal('an error occurred during closing of asynchronous generator <async_generator object bad>');
      expect(String(seen[0].exception)).to.equal('RangeError: in finally');
      expect(seen[0].asyncgen).to.equal(badGen);
      expect(log).to.deep.equal(['good closing at 0', 'good closed at 1 (loop closed: false, executor shut down: false)']);
    });

    it('reports Exceptions only: a close that ends in a BaseException (a cancellation, KeyboardInterrupt) is not reported', () => {
      const seen = errorsOf(loop);
      const interrupted = asyncGenerator(function* interrupted() {
        try {
          yield* emit(1);
        } finally {
          throw new KeyboardInterrupt();
        }
      });
      const plain = asyncGenerator(function* plain() {
        try {
          yield* emit(1);
        } finally {
          throw 'a string'; // JavaScript can throw anything: reported
        }
      });
      loop.runUntilComplete((function* () {
        yield* interrupted().anext();
        yield* plain().anext();
      })());
      loop.runUntilComplete(loop.shutdownAsyncgens());
      expect(seen.map((c) => [c.message, c.exception])).to.deep.equal([['an error occurred during closing of asynchronous generator <async_generator object plain>', 'a string']]);
    });

    it('with nothing to close, it finishes at once', () => {
      expect(loop.runUntilComplete(loop.shutdownAsyncgens())).to.equal(undefined);
      expect(loop.time()).to.equal(0);
    });

    it('in debug mode, a generator first iterated after it ran is reported', () => {
      const seen = errorsOf(loop);
      loop.setDebug(true);
      loop.runUntilComplete(loop.shutdownAsyncgens());
      const g = endless([])('late');
      loop.runUntilComplete((function* () {
        yield* g.anext();
      })());
      expect(seen.map((c) => c.message)).to.deep.equal(['asynchronous generator <async_generator object endless> was scheduled after loop.shutdownAsyncgens() call']);
      expect(seen[0].asyncgen).to.equal(g);
    });
  });

  describe('run(), runSync() and Runner close unfinished generators before closing the loop', () => {
    let saved: DefaultEventLoopPolicy;
    let seen: ExceptionContext[];
    beforeEach(() => {
      saved = getEventLoopPolicy();
      seen = [];
      setEventLoopPolicy(new DefaultEventLoopPolicy({ clock: 'virtual', exceptionHandler: (_l, ctx) => seen.push(ctx) }));
    });
    afterEach(() => setEventLoopPolicy(saved));

    /**
     * Leaves one generator unfinished, and one task waiting inside another's
     * anext(): that task is cancelled first, as CPython does, which closes its generator.
     */
    function* leaveBehind(log: string[]): Coroutine<string> {
      const g = endless(log)('left');
      yield* g.anext();
      const slow = asyncGenerator(function* slow() {
        try {
          yield* sleep(10);
          yield* emit(1);
        } finally {
          log.push(`iterated closing at ${getRunningLoop().time()}`);
          yield* sleep(1);
          log.push(`iterated closed at ${getRunningLoop().time()}`);
        }
      });
      createTask(
        (function* iterating(): Coroutine<void> {
          for (const c = asyncCursor(slow()); yield* c.next(); );
        })(),
      );
      yield* sleep(0.5);
      return 'main done';
    }

    it('runSync: after the remaining tasks are cancelled, before the executor is shut down', () => {
      const log: string[] = [];
      expect(runSync(leaveBehind(log))).to.equal('main done');
      expect(log).to.deep.equal([
        // the cancelled task's generator is closed by the cancellation itself
        'iterated closing at 0.5',
        'iterated closed at 1.5',
        'left closing at 1.5',
        'left closed at 2.5 (loop closed: false, executor shut down: false)',
      ]);
      expect(seen).to.deep.equal([]);
    });

    it('run (the async driver)', async () => {
      const log: string[] = [];
      expect(await run(leaveBehind(log))).to.equal('main done');
      expect(log.filter((l) => l.startsWith('left'))).to.deep.equal(['left closing at 1.5', 'left closed at 2.5 (loop closed: false, executor shut down: false)']);
    });

    it('Runner: close() and closeAsync(), also after a run that failed', async () => {
      const log: string[] = [];
      const runner = new Runner();
      runner.runSync(leaveBehind(log));
      runner.close();
      expect(log.filter((l) => l.startsWith('left'))).to.have.length(2);

      const log2: string[] = [];
      function* fails(): Coroutine<void> {
        yield* leaveBehind(log2);
        throw new RangeError('main failed');
      }
      let caught: unknown;
      try {
        await run(fails());
      } catch (e) {
        caught = e;
      }
      expect(String(caught)).to.equal('RangeError: main failed');
      expect(log2.filter((l) => l.startsWith('left'))).to.have.length(2);
    });
  });

  it('a generator dropped unfinished is closed on its loop once collected (FinalizationRegistry); not after its loop closed', function () {
    this.timeout(60_000);
    const fixture = path.join(__dirname, 'fixtures', 'asyncgen-finalizer.ts');
    const res = spawnSync(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', fixture], {
      cwd: path.join(__dirname, '..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(res.stderr).to.equal('');
    const out = JSON.parse(res.stdout.trim().split('\n').pop() as string);
    expect(out).to.deep.equal({
      registered: 1,
      left: 0,
      log: ['finally 1 at t=0', 'finally 1 done at t=1'],
      gcAvailable: true,
    });
  });
});
