// lib/runners.ts: run (async driver), runSync (sync driver) and Runner —
// results, errors, cleanup of leftover tasks, argument checks.
import { expect } from 'chai';
import {
  DefaultEventLoopPolicy,
  EventLoop,
  RuntimeError,
  Runner,
  ValueError,
  coroutine,
  createTask,
  getEventLoop,
  getEventLoopPolicy,
  getRunningLoop,
  run,
  runSync,
  setEventLoopPolicy,
  sleep,
  type Coroutine,
  type CoroutineCall,
  type ExceptionContext,
  type Executor,
  type Task,
} from '../lib';

type Main<T> = Coroutine<T> | CoroutineCall<T>;

describe('runners', () => {
  // A policy whose loops report to `seen` (and run on the virtual clock unless told otherwise).
  let saved: DefaultEventLoopPolicy;
  let seen: ExceptionContext[];
  beforeEach(() => {
    saved = getEventLoopPolicy();
    seen = [];
    setEventLoopPolicy(new DefaultEventLoopPolicy({ exceptionHandler: (_l, ctx) => seen.push(ctx) }));
  });
  afterEach(() => setEventLoopPolicy(saved));

  function* leaveBehind(log: string[]): Coroutine<string> {
    createTask(
      (function* sleeper(): Coroutine<void> {
        try {
          yield* sleep(100);
          log.push('sleeper woke');
        } finally {
          log.push(`sleeper finally at ${getRunningLoop().time()}`);
          yield* sleep(1); // cleanup may await
          log.push('sleeper cleaned up');
        }
      })(),
    );
    yield* sleep(0);
    return 'main done';
  }

  for (const [name, runIt] of [
    ['runSync', <T>(c: Main<T>, o = {}) => Promise.resolve(runSync(c, { clock: 'virtual', ...o }))],
    ['run', <T>(c: Main<T>, o = {}) => run(c, { clock: 'virtual', ...o })],
  ] as [string, <T>(c: Main<T>, o?: object) => Promise<T>][]) {
    describe(name, () => {
      it('returns the result of main', async () => {
        function* main(): Coroutine<number> {
          yield* sleep(10);
          return getRunningLoop().time();
        }
        expect(await runIt(main())).to.equal(10);
      });

      it('accepts a coroutine() call', async () => {
        const f = coroutine(function* f(x: number): Coroutine<number> {
          yield* sleep(1);
          return x + 1;
        });
        expect(await runIt(f(1))).to.equal(2);
      });

      it('throws what main throws, without reporting it as never retrieved', async () => {
        function* main(): Coroutine<void> {
          yield* sleep(1);
          throw new ValueError('main failed');
        }
        let caught: unknown;
        try {
          await runIt(main());
        } catch (e) {
          caught = e;
        }
        expect(caught).to.be.instanceOf(ValueError);
        expect(seen).to.deep.equal([]);
      });

      it('cancels leftover tasks and lets their finally blocks run (and await) before closing', async () => {
        const log: string[] = [];
        expect(await runIt(leaveBehind(log))).to.equal('main done');
        expect(log).to.deep.equal(['sleeper finally at 0', 'sleeper cleaned up']);
        expect(seen).to.deep.equal([]);
      });

      it("reports a leftover task that fails while cancelled: 'unhandled exception during asyncio.run() shutdown'", async () => {
        const err = new ValueError('cleanup failed');
        function* main(): Coroutine<string> {
          createTask(
            (function* stubborn(): Coroutine<void> {
              try {
                yield* sleep(10);
              } finally {
                yield* sleep(1);
                throw err;
              }
            })(),
          );
          createTask(
            (function* refuser(): Coroutine<string> {
              try {
                yield* sleep(10);
              } catch {
                return 'refused';
              }
              return 'slept';
            })(),
          );
          yield* sleep(0);
          return 'main';
        }
        expect(await runIt(main())).to.equal('main');
        expect(seen.map((c) => c.message)).to.deep.equal(['unhandled exception during asyncio.run() shutdown']);
        expect(seen[0].exception).to.equal(err);
        expect(seen[0].task).to.have.property('cancel');
      });

      it('refuses a non-coroutine with a TypeError; a function gets "call it"', async () => {
        function* main(): Coroutine<void> {}
        const errors: Error[] = [];
        for (const bad of [main, 42]) {
          try {
            await runIt(bad as unknown as Coroutine<void>);
          } catch (e) {
            errors.push(e as Error);
          }
        }
        expect(errors[0]).to.be.instanceOf(TypeError);
        expect(errors[0].message).to.equal(`${name}() needs a coroutine, got the function main itself: call it, ${name}(main())`);
        expect(errors[1]).to.be.instanceOf(TypeError);
        expect(errors[1].message).to.equal('a coroutine was expected, got 42');
      });

      it('passes debug and shuffle to the loop', async () => {
        function* main(): Coroutine<[boolean, number | null]> {
          const l = getRunningLoop();
          return [l.getDebug(), l._shuffleSeed];
        }
        expect(await runIt(main(), { debug: true, shuffle: 9 })).to.deep.equal([true, 9]);
      });

      it('uses a loopFactory instead of the policy', async () => {
        const made: EventLoop[] = [];
        function* main(): Coroutine<EventLoop> {
          return getRunningLoop();
        }
        const loop = await runIt(main(), {
          loopFactory: () => {
            const l = new EventLoop({ clock: 'virtual' });
            made.push(l);
            return l;
          },
        });
        expect(made).to.deep.equal([loop]);
        expect(loop.isClosed()).to.equal(true);
      });

      it('a failure while cleaning up after a failed run is logged; the run\'s own error is the one thrown', async () => {
        // Two tasks awaiting each other: cancelling one cancels the other, and so on
        // until the stack overflows (CPython: RecursionError).
        function* main(): Coroutine<void> {
          const refs: Task<void>[] = [];
          const make = (i: number) =>
            createTask(
              (function* (): Coroutine<void> {
                yield* sleep(0);
                yield* refs[1 - i];
              })(),
            );
          refs.push(make(0), make(1));
          yield* sleep(1);
          throw new ValueError('main failed');
        }
        const lines: string[] = [];
        const original = console.error;
        console.error = (...a: unknown[]) => void lines.push(a.map(String).join(' '));
        let caught: unknown;
        try {
          await runIt(main());
        } catch (e) {
          caught = e;
        } finally {
          console.error = original;
        }
        expect(caught).to.be.instanceOf(ValueError);
        expect(lines).to.have.length(1);
        expect(lines[0]).to.match(/^Error while cleaning up after a failed run \(ValueError\('main failed'\)\): RangeError: Maximum call stack size exceeded/);
      });

      it('closes its loop and leaves no current loop', async () => {
        let loop: EventLoop | null = null;
        function* main(): Coroutine<void> {
          loop = getRunningLoop();
        }
        await runIt(main());
        expect(loop!.isClosed()).to.equal(true);
        expect(() => getEventLoop()).to.throw(RuntimeError, 'no current event loop');
      });
    });
  }

  it('runSync: a deadlocked main fails the run; cleanup still cancels it and runs its finally', () => {
    const log: string[] = [];
    function* main(): Coroutine<void> {
      const never = getRunningLoop().createFuture();
      try {
        yield* never;
      } finally {
        log.push('main finally');
      }
    }
    expect(() => runSync(main(), { clock: 'virtual' })).to.throw(RuntimeError, /^deadlock:/);
    expect(log).to.deep.equal(['main finally']);
  });

  it('runSync inside a running loop is a RuntimeError', () => {
    let message = '';
    function* main(): Coroutine<void> {
      try {
        runSync(sleep(0));
      } catch (e) {
        message = (e as Error).message;
      }
    }
    runSync(main(), { clock: 'virtual' });
    expect(message).to.equal('runSync() cannot be called from a running event loop');
  });

  it('run inside a running loop is a RuntimeError (a rejected promise)', async () => {
    let pending: Promise<unknown> | null = null;
    function* main(): Coroutine<void> {
      pending = run(sleep(0));
    }
    runSync(main(), { clock: 'virtual' });
    let caught: unknown;
    await pending!.catch((e) => (caught = e));
    expect(caught).to.be.instanceOf(RuntimeError);
    expect((caught as Error).message).to.equal('asyncio.run() cannot be called from a running event loop');
  });

  it('run uses the async driver: it can wait for host I/O (a promise)', async () => {
    const { fromPromise } = await import('../lib');
    function* main(): Coroutine<string> {
      return yield* fromPromise(new Promise<string>((r) => setImmediate(() => r('from the host'))));
    }
    expect(await run(main(), { clock: 'virtual' })).to.equal('from the host');
  });

  describe('Runner', () => {
    it('runs several programs on one loop, then closes it', async () => {
      const runner = new Runner({ clock: 'virtual' });
      const loop = runner.getLoop();
      expect(getEventLoop()).to.equal(loop); // made current
      function* t(): Coroutine<number> {
        yield* sleep(5);
        return getRunningLoop().time();
      }
      expect(runner.runSync(t())).to.equal(5);
      expect(await runner.run(t())).to.equal(10);
      expect(runner.getLoop()).to.equal(loop);
      runner.close();
      expect(loop.isClosed()).to.equal(true);
      expect(() => getEventLoop()).to.throw(RuntimeError, 'no current event loop');
    });

    it('once closed, it refuses to run: RuntimeError("Runner is closed"); close() again is fine', async () => {
      const runner = new Runner({ clock: 'virtual' });
      runner.close(); // never used
      runner.close();
      expect(() => runner.runSync(sleep(0))).to.throw(RuntimeError, /^Runner is closed$/);
      expect(() => runner.getLoop()).to.throw(RuntimeError, 'Runner is closed');
      let caught: unknown;
      await runner.run(sleep(0)).catch((e) => (caught = e));
      expect((caught as Error).message).to.equal('Runner is closed');
      await runner.closeAsync();
    });

    it('close() cancels leftovers and shuts the default executor down', () => {
      const runner = new Runner({ clock: 'virtual' });
      let shutdowns = 0;
      const executor: Executor = {
        submit: () => {
          throw new Error('unused');
        },
        shutdown: () => void shutdowns++,
      };
      runner.getLoop().setDefaultExecutor(executor);
      const log: string[] = [];
      runner.runSync(leaveBehind(log));
      runner.close();
      expect(log).to.deep.equal(['sleeper finally at 0', 'sleeper cleaned up']);
      expect(shutdowns).to.equal(1);
    });

    it('closeAsync() does the same on the async driver', async () => {
      const runner = new Runner({ clock: 'virtual' });
      const log: string[] = [];
      await runner.run(leaveBehind(log));
      await runner.closeAsync();
      expect(log).to.deep.equal(['sleeper finally at 0', 'sleeper cleaned up']);
      await runner.closeAsync();
    });

    it('with a loopFactory the loop is not made current; debug is applied to it', () => {
      const mine = new EventLoop({ clock: 'virtual' });
      const runner = new Runner({ loopFactory: () => mine, debug: true });
      expect(runner.getLoop()).to.equal(mine);
      expect(mine.getDebug()).to.equal(true);
      expect(getEventLoop()).not.to.equal(mine);
      runner.close();
      expect(mine.isClosed()).to.equal(true);
      getEventLoop().close();
    });

    it('refuses bad options and a bad loopFactory', () => {
      expect(() => new Runner(null as unknown as {})).to.throw(TypeError, 'Runner() options must be an object, got null');
      const runner = new Runner({ loopFactory: 5 as unknown as () => EventLoop });
      expect(() => runner.getLoop()).to.throw(TypeError, 'loopFactory must be a function');
    });

    it('refuses to run inside a running loop, and a non-coroutine', async () => {
      const runner = new Runner({ clock: 'virtual' });
      const messages: string[] = [];
      function* main(): Coroutine<void> {
        try {
          runner.runSync(sleep(0));
        } catch (e) {
          messages.push((e as Error).message);
        }
        runner.run(sleep(0)).catch((e) => messages.push(e.message));
      }
      runSync(main(), { clock: 'virtual' });
      await new Promise((r) => setImmediate(r));
      expect(messages).to.deep.equal(['Runner.runSync() cannot be called from a running event loop', 'Runner.run() cannot be called from a running event loop']);
      expect(() => runner.runSync('x' as unknown as Coroutine<void>)).to.throw(TypeError, "a coroutine was expected, got 'x'");
      runner.close();
    });
  });
});
