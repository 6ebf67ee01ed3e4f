// lib/promises.ts: fromPromise / toPromise — interop with native Promises.
import { expect } from 'chai';
import {
  CancelledError,
  DefaultEventLoopPolicy,
  TaskGroup,
  TimeoutError,
  asyncWith,
  timeout,
  waitFor,
  EventLoop,
  Future,
  Event,
  createTask,
  currentTask,
  fromPromise,
  getRunningLoop,
  runCoroutineThreadsafe,
  getEventLoopPolicy,
  RuntimeError,
  run,
  runSync,
  setEventLoopPolicy,
  sleep,
  toPromise,
  type Coroutine,
  type Task,
} from '../lib';
import { catching, fail, tick, useVirtualLoop } from './support';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { PassThrough, Readable } from 'stream';
import * as streamPromises from 'stream/promises';
import * as timersPromises from 'timers/promises';

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
}

describe('promises', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l), { mayBeRunning: true });

  describe('fromPromise', () => {
    it('gives a Future settled with the value', async () => {
      function* main(): Coroutine<string> {
        const v = yield* fromPromise(Promise.resolve('value'));
        return v.toUpperCase();
      }
      expect(await loop.runUntilCompleteAsync(main())).to.equal('VALUE');
    });

    it('gives the rejection as the exception (a missing reason becomes an Error)', async () => {
      const err = new Error('rejected');
      function* main(): Coroutine<string[]> {
        const out: string[] = [];
        for (const make of [() => Promise.reject(err), () => Promise.reject(undefined)]) {
          try {
            yield* fromPromise(make());
          } catch (e) {
            out.push(e === err ? 'same error' : (e as Error).message);
          }
        }
        return out;
      }
      expect(await loop.runUntilCompleteAsync(main())).to.deep.equal(['same error', 'promise rejected with undefined']);
    });

    it('accepts any thenable', async () => {
      const thenable = { then: (ok: (v: number) => void) => void setImmediate(() => ok(5)) } as unknown as PromiseLike<number>;
      function* main(): Coroutine<number> {
        return yield* fromPromise(thenable);
      }
      expect(await loop.runUntilCompleteAsync(main())).to.equal(5);
    });

    it('refuses a non-thenable with a TypeError', () => {
      expect(() => fromPromise(5 as unknown as Promise<number>, loop)).to.throw(TypeError, 'fromPromise() needs a promise (a thenable) or a function (signal) => promise, got 5');
      expect(() => fromPromise(null as unknown as Promise<number>, loop)).to.throw(TypeError);
      expect(() => fromPromise({ then: 1 } as unknown as Promise<number>, loop)).to.throw(TypeError);
    });

    it('belongs to the given loop, else the running one, else the current one', () => {
      const p = new Promise<void>(() => {});
      expect(fromPromise(p, loop).getLoop()).to.equal(loop);
      let inside: Future<void> | null = null;
      function* main(): Coroutine<void> {
        inside = fromPromise(p);
        inside.cancel();
      }
      loop.runUntilComplete(main());
      expect(inside!.getLoop()).to.equal(loop);
      const saved = getEventLoopPolicy();
      const policy = new DefaultEventLoopPolicy({ clock: 'virtual' });
      setEventLoopPolicy(policy);
      try {
        expect(fromPromise(p).getLoop()).to.equal(policy.getEventLoop());
        policy.getEventLoop().close();
      } finally {
        setEventLoopPolicy(saved);
      }
    });

    it('holds a host wait on its loop until the promise settles', async () => {
      const d = deferred<number>();
      const f = fromPromise(d.promise, loop);
      expect(loop._hostWaits).to.equal(1);
      d.resolve(1);
      await tick();
      expect(loop._hostWaits).to.equal(0);
      expect(f.done()).to.equal(true);
    });

    it('a cancelled future releases its host wait at once and ignores the later outcome', async () => {
      const d = deferred<number>();
      const f = fromPromise(d.promise, loop);
      f.cancel();
      loop.runUntilComplete(sleep(0)); // the done callback releases the wait
      expect(loop._hostWaits).to.equal(0);
      d.resolve(1);
      await tick();
      expect(f.cancelled()).to.equal(true);
      const r = deferred<number>();
      const g = fromPromise(r.promise, loop);
      g.cancel();
      r.reject(new Error('late'));
      await tick();
      expect(g.cancelled()).to.equal(true);
    });

    it('a promise that settles after its loop closed is ignored (no error, no unhandled rejection)', async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (e: unknown) => unhandled.push(e);
      process.on('unhandledRejection', onUnhandled);
      try {
        const ok = deferred<number>();
        const bad = deferred<number>();
        const f = fromPromise(ok.promise, loop);
        const g = fromPromise(bad.promise, loop);
        loop.close();
        ok.resolve(1);
        bad.reject(new Error('too late'));
        await tick();
        await tick();
        expect(f.done()).to.equal(false);
        expect(g.done()).to.equal(false);
        expect(unhandled).to.deep.equal([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });

    it('under runSync() (the synchronous driver) waiting for a promise is refused, naming the async driver', () => {
      function* main(): Coroutine<number> {
        return yield* fromPromise(Promise.resolve(1)); // even a settled promise delivers in Node's microtask queue
      }
      expect(() => runSync(main(), { clock: 'virtual' })).to.throw(RuntimeError, /cannot wait for host I\/O.*`run\(main\(\)\)`, which returns a Promise/s);
    });

    it('under run(), a task waits for a slow promise while other tasks keep running', async () => {
      const d = deferred<string>();
      const log: string[] = [];
      function* main(): Coroutine<string> {
        const ticker = (function* (): Coroutine<void> {
          for (let i = 0; i < 3; i++) {
            yield* sleep(0);
            log.push(`tick ${i}`);
          }
          setImmediate(() => d.resolve('late value'));
        })();
        createTask(ticker);
        const v = yield* fromPromise(d.promise);
        log.push(v);
        return v;
      }
      expect(await run(main(), { clock: 'virtual' })).to.equal('late value');
      expect(log).to.deep.equal(['tick 0', 'tick 1', 'tick 2', 'late value']);
    });
  });

  describe('fromPromise((signal) => promise): cancelling the future aborts the call', () => {
    /** A coroutine that waits for `start(signal)`, recording the promise it made. */
    function calls<T>(start: (signal: AbortSignal) => Promise<T>): { made: Promise<T>[]; wait: () => Coroutine<T> } {
      const made: Promise<T>[] = [];
      function* wait(): Coroutine<T> {
        return yield* fromPromise((signal) => {
          const p = start(signal);
          made.push(p);
          p.catch(() => {}); // looked at below
          return p;
        });
      }
      return { made, wait };
    }

    it('passes the signal to the call and settles with its outcome; a finished future leaves the signal alone', async () => {
      let seen: AbortSignal | null = null;
      const v = await run(
        (function* (): Coroutine<string> {
          return yield* fromPromise((signal) => {
            seen = signal;
            return timersPromises.setTimeout(1, 'slept', { signal });
          });
        })(),
      );
      expect(v).to.equal('slept');
      expect(seen!.aborted).to.equal(false);
    });

    it('timers/promises: cancelling the task aborts the timer; the task ends cancelled, the signal\'s reason is a CancelledError with the message', async () => {
      const { made, wait } = calls((signal) => timersPromises.setTimeout(60_000, 'never', { signal }));
      const outcome = await run(
        (function* (): Coroutine<unknown> {
          const t = createTask(wait());
          yield* sleep(0.01);
          t.cancel('enough');
          try {
            yield* t;
          } catch (e) {
            return e;
          }
        })(),
      );
      expect(outcome).to.be.instanceOf(CancelledError);
      expect((outcome as Error).message).to.equal('enough');
      const aborted = await made[0].catch((e: unknown) => e);
      expect(aborted).to.have.property('name', 'AbortError'); // the timer itself was aborted, not left to run a minute
      expect((aborted as Error).cause).to.be.instanceOf(CancelledError);
      expect(((aborted as Error).cause as Error).message).to.equal('enough');
    });

    it('timeout() around the call aborts it and raises TimeoutError', async () => {
      const { made, wait } = calls((signal) => timersPromises.setTimeout(60_000, 'never', { signal }));
      const outcome = await run(
        (function* (): Coroutine<unknown> {
          try {
            yield* asyncWith(timeout(0.02), wait);
          } catch (e) {
            return e;
          }
        })(),
      );
      expect(outcome).to.be.instanceOf(TimeoutError);
      expect(await made[0].catch((e: unknown) => (e as Error).name)).to.equal('AbortError');
    });

    it('fs.promises.readFile: a TaskGroup that fails cancels the read, which aborts', async function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tulip-abort-'));
      const big = path.join(dir, 'big');
      fs.writeFileSync(big, '');
      fs.truncateSync(big, 256 * 1024 * 1024); // sparse: costs no disk
      try {
        const { made, wait } = calls((signal) => fs.promises.readFile(big, { signal }));
        const outcome = await run(
          (function* (): Coroutine<unknown> {
            try {
              yield* asyncWith(new TaskGroup(), function* (tg) {
                tg.createTask(wait());
                tg.createTask(fail(0, new RangeError('sibling failed')));
              });
            } catch (e) {
              return e;
            }
          })(),
        );
        expect(String(outcome)).to.equal('ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)');
        expect(await made[0].then(() => 'read it all', (e: unknown) => (e as Error).name)).to.equal('AbortError');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('fetch: cancelling the task aborts the HTTP request (the server sees the client go)', async () => {
      let requestClosed!: () => void;
      const closed = new Promise<void>((r) => (requestClosed = r));
      const server = http.createServer((req) => req.on('close', requestClosed)); // never answers
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      try {
        const { made, wait } = calls((signal) => fetch(url, { signal }));
        const outcome = await run(
          (function* (): Coroutine<unknown> {
            try {
              yield* waitFor(wait(), 0.2);
            } catch (e) {
              return e;
            }
          })(),
        );
        expect(outcome).to.be.instanceOf(TimeoutError);
        expect(await made[0].catch((e: unknown) => e)).to.be.instanceOf(CancelledError); // fetch rejects with the signal's reason
        await closed;
      } finally {
        server.close();
      }
    });

    it('Node streams: pipeline(…, { signal }) is torn down when the task is cancelled', async () => {
      const source = new Readable({ read() {} }); // never ends
      const sink = new PassThrough();
      const { made, wait } = calls((signal) => streamPromises.pipeline(source, sink, { signal }));
      await run(
        (function* (): Coroutine<void> {
          const t = createTask(wait());
          source.push('some data');
          yield* sleep(0.01);
          t.cancel();
          yield* catching(t);
        })(),
      );
      expect(await made[0].catch((e: unknown) => (e as Error).name)).to.equal('AbortError');
      expect(source.destroyed).to.equal(true);
    });

    it('a start function that throws gives a failed future; one that returns no promise is a TypeError, and its signal is aborted', async () => {
      const boom = new RangeError('boom');
      const caught = await run(
        catching(() =>
          fromPromise(() => {
            throw boom;
          }),
        ),
      );
      expect(caught).to.equal(boom);
      let given: AbortSignal | null = null;
      const notAPromise = ((signal: AbortSignal) => {
        given = signal;
        return 5;
      }) as unknown as () => Promise<number>;
      expect(() => fromPromise(notAPromise, loop)).to.throw(TypeError, 'fromPromise() needs start(signal) to return a promise, got 5 from <function notAPromise>');
      expect(given!.aborted).to.equal(true); // whatever it started with the signal is told
      expect(loop._ready.length).to.equal(0); // and nothing was scheduled
    });
  });

  describe('toPromise', () => {
    it('is future.toPromise(): the same outcome', async () => {
      const f = loop.createFuture<number>();
      f.setResult(3);
      expect(await toPromise(f)).to.equal(3);
      const c = loop.createFuture();
      c.cancel('no');
      let caught: unknown;
      await toPromise(c).catch((e) => (caught = e));
      expect(caught).to.be.instanceOf(CancelledError);
    });

    it('a task run by the async driver can be awaited as a promise', async () => {
      const t = loop.createTask(sleep(2, 'slept'));
      const p = toPromise(t);
      const running = loop.runUntilCompleteAsync(t);
      expect(await p).to.equal('slept');
      await running;
    });
  });

  describe('runCoroutineThreadsafe', () => {
    /** Serves on `loop` (async driver) until `stop` is set; what main sees of the tasks it was sent. */
    function* serve(stop: Event): Coroutine<void> {
      yield* stop.wait();
    }

    it('runs the coroutine as a Task on that loop, from a Node callback; the promise gets its value', async () => {
      const stop = new Event();
      function* work(x: number): Coroutine<[number, boolean, boolean]> {
        yield* sleep(1);
        return [x * 2, currentTask() !== null, getRunningLoop() === loop];
      }
      const served = loop.runUntilCompleteAsync(serve(stop));
      const outcome = await new Promise((resolve) => setImmediate(() => resolve(runCoroutineThreadsafe(work(21), loop))));
      loop.callSoonThreadsafe(() => stop.set());
      await served;
      expect(outcome).to.deep.equal([42, true, true]);
    });

    it('rejects with the coroutine\'s exception, or with CancelledError when the task is cancelled on the loop', async () => {
      const stop = new Event();
      const boom = new RangeError('boom');
      function* fails(): Coroutine<never> {
        yield* sleep(1);
        throw boom;
      }
      const served = loop.runUntilCompleteAsync(serve(stop));
      const failed = await runCoroutineThreadsafe(fails(), loop).catch((e: unknown) => e);
      let me: Task<unknown> | null = null;
      function* waitsForever(): Coroutine<void> {
        me = currentTask();
        yield* loop.createFuture<void>();
      }
      const long = runCoroutineThreadsafe(waitsForever(), loop);
      await new Promise((r) => setImmediate(r)); // it has started
      loop.callSoonThreadsafe(() => me!.cancel());
      const cancelled = await long.catch((e: unknown) => e);
      loop.callSoonThreadsafe(() => stop.set());
      await served;
      expect(failed).to.equal(boom);
      expect(cancelled).to.be.instanceOf(CancelledError);
    });

    it('an AbortSignal cancels the task (its finally runs); one aborted already cancels it before it starts', async () => {
      const stop = new Event();
      const seen: string[] = [];
      function* guarded(name: string): Coroutine<string> {
        seen.push(`${name} started`);
        try {
          yield* loop.createFuture<void>(); // nobody settles it
          return 'settled';
        } finally {
          seen.push(`${name} cleaned up`);
        }
      }
      const served = loop.runUntilCompleteAsync(serve(stop));
      const controller = new AbortController();
      const running = runCoroutineThreadsafe(guarded('a'), loop, { signal: controller.signal });
      await new Promise((r) => setImmediate(r)); // the task has started and sleeps
      controller.abort();
      const aborted = await running.catch((e: unknown) => e);
      const early = await runCoroutineThreadsafe(guarded('b'), loop, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
      const untouched = await runCoroutineThreadsafe(sleep(1, 'fine'), loop, { signal: new AbortController().signal });
      loop.callSoonThreadsafe(() => stop.set());
      await served;
      expect(aborted).to.be.instanceOf(CancelledError);
      expect(early).to.be.instanceOf(CancelledError);
      expect(untouched).to.equal('fine');
      expect(seen).to.deep.equal(['a started', 'a cleaned up']);
    });

    it('schedules on a loop that is not running yet; the promise settles once it runs', async () => {
      const p = runCoroutineThreadsafe(sleep(3, 'later'), loop);
      await loop.runUntilCompleteAsync(sleep(5));
      expect(await p).to.equal('later');
    });

    it('a task factory that fails: the promise rejects with its error, and the loop reports it too', async () => {
      const refused = new RangeError('no tasks today');
      const reported: unknown[] = [];
      loop.setTaskFactory(() => {
        throw refused;
      });
      loop.setExceptionHandler((_l, context) => void reported.push(context.exception));
      const p = runCoroutineThreadsafe(sleep(1), loop);
      const turn = loop.createFuture<void>(); // a future, not a coroutine: running it makes no task
      loop.callSoon(() => turn.setResult());
      await loop.runUntilCompleteAsync(turn); // the callback of runCoroutineThreadsafe runs first
      loop.setTaskFactory(null);
      expect(await p.catch((e: unknown) => e)).to.equal(refused);
      expect(reported).to.deep.equal([refused]);
    });

    it('checks its arguments at the call: CPython\'s TypeError for a non-coroutine; a closed loop is RuntimeError', () => {
      expect(() => runCoroutineThreadsafe((() => 1) as unknown as Coroutine<number>, loop)).to.throw(TypeError, 'A coroutine object is required');
      expect(() => runCoroutineThreadsafe(Promise.resolve(1) as unknown as Coroutine<number>, loop)).to.throw(TypeError, 'A coroutine object is required');
      expect(() => runCoroutineThreadsafe(sleep(1), {} as EventLoop)).to.throw(TypeError, 'runCoroutineThreadsafe() needs the EventLoop to run it on, got {}');
      expect(() => runCoroutineThreadsafe(sleep(1), loop, { sigal: 1 } as unknown as {})).to.throw(TypeError, "runCoroutineThreadsafe() got an unexpected option 'sigal' (it takes 'signal')");
      expect(() => runCoroutineThreadsafe(sleep(1), loop, { signal: {} as AbortSignal })).to.throw(TypeError, /option signal must be an AbortSignal/);
      const closed = new EventLoop();
      closed.close();
      expect(() => runCoroutineThreadsafe(sleep(1), closed)).to.throw(RuntimeError, 'Event loop is closed');
    });
  });
});
