// Executors: runInExecutor / toThread on a pool of worker threads, on both drivers.
import { expect } from 'chai';
import { execFileSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import {
  DefaultEventLoopPolicy,
  EventLoop,
  Future,
  RuntimeError,
  ThreadPoolExecutor,
  ValueError,
  createTask,
  getRunningLoop,
  run,
  runSync,
  setEventLoopPolicy,
  sleep,
  toThread,
  type Coroutine,
  type Executor,
} from '../lib';
import { catching } from './support';

const FIXTURE = path.join(__dirname, 'fixtures', 'executor-jobs.js');

// ---- jobs (self-contained: they travel to the worker as source text) ----

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** Arrives at a barrier of `parties` jobs, waits (at most 5 s) for the others, reports when and where it ran. */
function meet(cells: Int32Array, parties: number) {
  const start = Date.now();
  Atomics.add(cells, 0, 1);
  Atomics.notify(cells, 0);
  const giveUp = Date.now() + 5000;
  let n: number;
  while ((n = Atomics.load(cells, 0)) < parties && Date.now() < giveUp) Atomics.wait(cells, 0, n, 50);
  return { start, met: Atomics.load(cells, 0) >= parties, end: Date.now() };
}

/** Marks slot `slot` as started, then waits until slot 0 is set by the test (at most 10 s). */
function hold(cells: Int32Array, slot: number): number {
  Atomics.store(cells, slot, 1);
  const giveUp = Date.now() + 10000;
  while (Atomics.load(cells, 0) === 0 && Date.now() < giveUp) Atomics.wait(cells, 0, 0, 50);
  return slot;
}

/** Marks slot `slot` as run. */
function mark(cells: Int32Array, slot: number): number {
  Atomics.store(cells, slot, 1);
  return slot;
}

/** Takes about `ms` milliseconds of the worker's time. */
function pause(ms: number, value: number): number {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return value;
}

const threadId = () => require('node:worker_threads').threadId as number;

/** Waits `ms` milliseconds, then marks slot 1. */
function markAfter(cells: Int32Array, ms: number): number {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  Atomics.store(cells, 1, 1);
  return 1;
}

/** How many threads a pool has (alive, or told to stop and not yet gone). */
function threads(p: ThreadPoolExecutor): number {
  return (p as unknown as { _workers: unknown[] })._workers.length;
}

/** Runs `fn` with Node's warnings caught instead of printed; returns them as [name, message]. */
async function catchingWarnings(fn: () => unknown): Promise<[string, string][]> {
  const printers = process.listeners('warning');
  const caught: [string, string][] = [];
  const catcher = (w: Error) => caught.push([w.name, w.message]);
  process.removeAllListeners('warning');
  process.on('warning', catcher);
  try {
    await fn();
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  } finally {
    process.removeListener('warning', catcher);
    for (const l of printers) process.on('warning', l);
  }
  return caught;
}

function cells(n = 4): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * n));
}

function release(c: Int32Array): void {
  Atomics.store(c, 0, 1);
  Atomics.notify(c, 0);
}

/** Blocks the test until a worker has notified the loop's wake-up cell (a reply was posted). */
function waitForReply(loop: EventLoop): void {
  expect(Atomics.wait(loop._wake, 0, 0, 5000)).to.not.equal('timed-out');
}

function* awaitAll<T>(futures: Future<T>[]): Coroutine<T[]> {
  const out: T[] = [];
  for (const f of futures) out.push(yield* f);
  return out;
}

const ROOT = path.join(__dirname, '..');

/** Runs `lines` of JavaScript (tulip is `require('./lib')`) in a child Node; returns its stdout. After 90 s it is killed and this throws. */
function runChild(lines: string[], nodeOptions: string[] = []): string {
  return execFileSync(process.execPath, [...nodeOptions, '-r', 'ts-node/register', '-e', lines.join('\n')], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    encoding: 'utf8',
    timeout: 90000,
  });
}

describe('executors', () => {
  const pools: ThreadPoolExecutor[] = [];
  function pool(maxWorkers: number): ThreadPoolExecutor {
    const p = new ThreadPoolExecutor({ maxWorkers });
    pools.push(p);
    return p;
  }
  afterEach(() => {
    for (const p of pools.splice(0)) p.shutdown();
  });

  describe('running functions', () => {
    it('runs a recursive named function and returns its result (sync driver, virtual clock)', () => {
      function* main(): Coroutine<number> {
        return yield* getRunningLoop().runInExecutor<number>(null, fib, 20);
      }
      expect(runSync(main(), { clock: 'virtual' })).to.equal(6765);
    });

    it('runs jobs in parallel: two jobs meet at a barrier', () => {
      const p = pool(2);
      const c = cells(1);
      function* main(): Coroutine<ReturnType<typeof meet>[]> {
        const loop = getRunningLoop();
        return yield* awaitAll([loop.runInExecutor(p, meet, c, 2), loop.runInExecutor(p, meet, c, 2)]);
      }
      const [a, b] = runSync(main(), { clock: 'virtual' });
      expect(a.met && b.met, 'both jobs saw each other').to.equal(true);
      // Each started before the other ended: they overlapped.
      expect(a.start).to.be.at.most(b.end);
      expect(b.start).to.be.at.most(a.end);
    });

    it('accepts arrow functions that call themselves, method shorthands, async functions and require()', () => {
      const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
      const obj = { twice(x: number) { return 2 * x; } };
      const later = async (x: number) => { await new Promise((r) => setTimeout(r, 1)); return x + 1; };
      function* main(): Coroutine<unknown[]> {
        const loop = getRunningLoop();
        return yield* awaitAll<unknown>([
          loop.runInExecutor(null, fact, 5),
          loop.runInExecutor(null, obj.twice, 21),
          loop.runInExecutor(null, later, 1),
          loop.runInExecutor(null, threadId),
        ]);
      }
      const [f, t, l, id] = runSync(main(), { clock: 'virtual' });
      expect([f, t, l]).to.deep.equal([120, 42, 2]);
      expect(id).to.be.a('number').and.not.equal(0); // 0 is the main thread
    });

    it('sends arguments and results by structured clone', () => {
      const shape = (o: { a: number[]; m: Map<string, number> }) => ({ sum: o.a.reduce((x, y) => x + y, 0), m: o.m, when: new Date(0) });
      function* main(): Coroutine<unknown> {
        return yield* getRunningLoop().runInExecutor(null, shape, { a: [1, 2, 3], m: new Map([['k', 1]]) });
      }
      expect(runSync(main())).to.deep.equal({ sum: 6, m: new Map([['k', 1]]), when: new Date(0) });
    });

    it('runs a module export, by absolute and by relative path', () => {
      const relative = './' + path.relative(process.cwd(), FIXTURE);
      function* main(): Coroutine<unknown[]> {
        const loop = getRunningLoop();
        return yield* awaitAll<unknown>([
          loop.runInExecutor(null, { module: FIXTURE, export: 'add' }, 2, 3),
          loop.runInExecutor(null, { module: relative, export: 'later' }, 'x'),
          loop.runInExecutor(null, { module: 'node:os', export: 'platform' }),
        ]);
      }
      expect(runSync(main(), { clock: 'virtual' })).to.deep.equal([5, 'x', os.platform()]);
    });
  });

  describe('errors', () => {
    it('a builtin error comes back with its class, message and the worker stack', () => {
      function parse(text: string): unknown {
        return JSON.parse(text);
      }
      function* main(): Coroutine<unknown> {
        return yield* catching(getRunningLoop().runInExecutor(null, parse, '{oops'));
      }
      const e = runSync(main(), { clock: 'virtual' }) as SyntaxError;
      expect(e).to.be.instanceOf(SyntaxError);
      expect(e.name).to.equal('SyntaxError');
      expect(e.message).to.match(/JSON/);
      expect(e.stack).to.match(/executor:parse/); // the frame of the job itself, in the worker
    });

    it('other errors keep their name and own properties; tulip names map to tulip classes', () => {
      function custom(): never {
        class QuotaError extends Error {
          code = 'E_QUOTA';
        }
        const e = new QuotaError('over quota');
        e.name = 'QuotaError';
        throw e;
      }
      const throwsNumber = () => {
        throw 42;
      };
      const throwsNothing = () => {
        throw undefined;
      };
      function* main(): Coroutine<unknown[]> {
        const loop = getRunningLoop();
        return [
          yield* catching(loop.runInExecutor(null, custom)),
          yield* catching(loop.runInExecutor(null, { module: FIXTURE, export: 'refuse' }, 'that')),
          yield* catching(loop.runInExecutor(null, throwsNumber)),
          yield* catching(loop.runInExecutor(null, throwsNothing)),
        ];
      }
      const [quota, refused, n, nothing] = runSync(main(), { clock: 'virtual' }) as [Error & { code: string }, Error, number, Error];
      expect(quota).to.be.instanceOf(Error);
      expect([quota.name, quota.message, quota.code]).to.deep.equal(['QuotaError', 'over quota', 'E_QUOTA']);
      expect(refused).to.be.instanceOf(ValueError);
      expect(refused.message).to.equal('cannot handle that');
      expect(refused.stack).to.include('executor-jobs.js');
      expect(n).to.equal(42);
      expect(nothing).to.be.instanceOf(Error);
      expect(nothing.message).to.match(/threw undefined/);
    });

    it('a closure over an outer variable fails in the worker with ReferenceError', () => {
      const outer = 3;
      const closes = () => outer + 1;
      function* main(): Coroutine<unknown> {
        return yield* catching(getRunningLoop().runInExecutor(null, closes));
      }
      const e = runSync(main(), { clock: 'virtual' }) as Error;
      expect(e).to.be.instanceOf(ReferenceError);
      expect(e.message).to.match(/outer/);
    });

    it('a result that cannot be cloned, a missing export, a failed promise: TypeError / the rejection', () => {
      const returnsFunction = () => () => 1;
      const rejects = async () => {
        throw new RangeError('no');
      };
      function* main(): Coroutine<unknown[]> {
        const loop = getRunningLoop();
        return [
          yield* catching(loop.runInExecutor(null, returnsFunction)),
          yield* catching(loop.runInExecutor(null, { module: FIXTURE, export: 'notAFunction' })),
          yield* catching(loop.runInExecutor(null, rejects)),
        ];
      }
      const [clone, missing, rejected] = runSync(main(), { clock: 'virtual' }) as Error[];
      expect(clone).to.be.instanceOf(TypeError);
      expect(clone.message).to.match(/could not be sent back/);
      expect(missing).to.be.instanceOf(TypeError);
      expect(missing.message).to.match(/no function export "notAFunction"/);
      expect(rejected).to.be.instanceOf(RangeError);
    });

    it('an uncaught error of a job fails it, and the worker goes on serving', () => {
      const p = pool(1);
      const stray = () => new Promise(() => setTimeout(() => { throw new EvalError('stray'); }, 1));
      function* main(): Coroutine<unknown[]> {
        const loop = getRunningLoop();
        const before = yield* loop.runInExecutor(p, threadId);
        const e = yield* catching(loop.runInExecutor(p, stray));
        const after = yield* loop.runInExecutor(p, threadId);
        return [e, before === after];
      }
      const [e, same] = runSync(main(), { clock: 'virtual' });
      expect(e).to.be.instanceOf(EvalError);
      expect(same).to.equal(true);
    });

    it('a job that ends its thread fails with RuntimeError, and a new worker takes over (both drivers)', async () => {
      const p = pool(1);
      const quit = () => process.exit(7);
      function* main(): Coroutine<unknown[]> {
        const loop = getRunningLoop();
        const quitting = loop.runInExecutor(p, quit);
        const queued = loop.runInExecutor(p, fib, 10); // waits behind the job that quits
        const e = yield* catching(quitting);
        return [e, yield* queued];
      }
      for (const [e, r] of [runSync(main(), { clock: 'virtual' }), await run(main())]) {
        expect(e).to.be.instanceOf(RuntimeError);
        expect((e as Error).message).to.match(/worker thread running quit exited \(code 7\)/);
        expect(r).to.equal(55);
      }
    });
  });

  describe('a worker thread that dies', function () {
    // The cases run in a child process with a hard time limit: a driver that
    // never hears of the death must fail the spec, not hang the suite.
    this.timeout(120000);
    let lines: unknown[][] = [];
    before(() => {
      const out = runChild([
        "const { run, runSync, getRunningLoop, ThreadPoolExecutor } = require('./lib');",
        'const pool = new ThreadPoolExecutor({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 128 } });',
        'function hog() { const a = []; for (;;) a.push(new Array(1e5).fill(1.5)); }',
        'function leave() { setTimeout(() => process.exit(0)); return "bye"; }',
        "const threadId = () => require('node:worker_threads').threadId;",
        'function* outOfMemory() {',
        '  const loop = getRunningLoop();',
        '  const before = yield* loop.runInExecutor(pool, threadId);',
        '  let error = null;',
        '  try { yield* loop.runInExecutor(pool, hog); } catch (e) { error = `${e.name}: ${e.message}`; }',
        '  const after = yield* loop.runInExecutor(pool, threadId);',
        '  return [error, after !== before];',
        '}',
        'function* exitAfterReturning() {',
        '  const loop = getRunningLoop();',
        '  const first = yield* loop.runInExecutor(pool, leave);',
        '  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300); // by now its thread has ended',
        '  const second = yield* loop.runInExecutor(pool, (a, b) => a + b, 2, 3);',
        '  return [first, second];',
        '}',
        "console.log(JSON.stringify(['oom', 'sync', ...runSync(outOfMemory())]));",
        "console.log(JSON.stringify(['exit', 'sync', ...runSync(exitAfterReturning())]));",
        '(async () => {',
        "  console.log(JSON.stringify(['oom', 'async', ...(await run(outOfMemory()))]));",
        "  console.log(JSON.stringify(['exit', 'async', ...(await run(exitAfterReturning()))]));",
        '  pool.shutdown();',
        '})();',
      ], ['--max-old-space-size=256']); // bounds the memory a thread without resourceLimits could take
      lines = out.trim().split('\n').map((line) => JSON.parse(line) as unknown[]);
    });

    it('out of memory: the job fails saying so, the next job runs on a new thread (both drivers)', () => {
      const error = 'RuntimeError: the worker thread running hog ran out of memory before the job finished; the next job runs on a new thread';
      expect(lines.filter((l) => l[0] === 'oom')).to.deep.equal([
        ['oom', 'sync', error, true],
        ['oom', 'async', error, true],
      ]);
    });

    it('a job that returns and then ends its thread: the next job runs on a new thread (both drivers)', () => {
      expect(lines.filter((l) => l[0] === 'exit')).to.deep.equal([
        ['exit', 'sync', 'bye', 5],
        ['exit', 'async', 'bye', 5],
      ]);
    });
  });

  describe('both drivers and both clocks', () => {
    function* timerAndJob(order: string[]): Coroutine<number> {
      const loop = getRunningLoop();
      createTask(ring(order, 5));
      const r = yield* loop.runInExecutor<number>(null, pause, 20, 144);
      order.push(`job at ${loop.time()}`);
      yield* sleep(10);
      return r;
    }
    function* ring(order: string[], delay: number): Coroutine<void> {
      yield* sleep(delay);
      order.push('timer');
    }

    it('sync driver, virtual clock: time stands still while a job runs', () => {
      const order: string[] = [];
      expect(runSync(timerAndJob(order), { clock: 'virtual' })).to.equal(144);
      expect(order).to.deep.equal(['job at 0', 'timer']);
    });

    it('async driver, virtual clock: time stands still while a job runs', async () => {
      const order: string[] = [];
      expect(await run(timerAndJob(order), { clock: 'virtual' })).to.equal(144);
      expect(order).to.deep.equal(['job at 0', 'timer']);
    });

    it('async driver, virtual clock: the clock moves on once a cancelled job ends', async () => {
      function* main(): Coroutine<number> {
        const loop = getRunningLoop();
        loop.runInExecutor(null, pause, 30, 1).cancel();
        yield* sleep(5); // waits for the cancelled job (time stands still), then jumps
        return loop.time();
      }
      expect(await run(main(), { clock: 'virtual' })).to.equal(5);
    });

    it('sync and async drivers on the real clock', async () => {
      function* main(): Coroutine<number[]> {
        const loop = getRunningLoop();
        const job = loop.runInExecutor<number>(null, pause, 5, 1);
        yield* sleep(0.001);
        return [yield* job, yield* loop.runInExecutor<number>(null, fib, 15)];
      }
      expect(runSync(main())).to.deep.equal([1, 610]);
      expect(await run(main())).to.deep.equal([1, 610]);
    });

    it('one pool serves several loops: a loop waiting for a worker busy with another loop\'s job is woken', () => {
      const p = pool(1);
      const c = cells(8);
      const [l1, l2, l3, l4] = [new EventLoop(), new EventLoop(), new EventLoop(), new EventLoop()];
      try {
        const x = l2.runInExecutor(p, pause, 30, 2); // runs
        const z = l3.runInExecutor(p, mark, c, 3); // queued; its loop closes before it starts
        const w = l4.runInExecutor(p, pause, 10, 4); // queued
        const y = l1.runInExecutor(p, mark, c, 1); // queued behind all of them
        l3.close();
        expect(String(p)).to.match(/workers=1 idle=0 queued=3/);
        const guard = l1.callLater(5, () => l1.stop()); // without a wake-up, fail instead of hanging
        expect(l1.runUntilComplete(y)).to.equal(1);
        guard.cancel();
        expect(l2.runUntilComplete(x)).to.equal(2);
        expect(l4.runUntilComplete(w)).to.equal(4);
        expect(z.done()).to.equal(false);
        expect(Atomics.load(c, 3), 'the job of the closed loop never ran').to.equal(0);
      } finally {
        for (const l of [l1, l2, l3, l4]) l.close();
      }
    });
  });

  describe('pool size', () => {
    it('never runs more than maxWorkers threads, and reuses them (async driver)', async () => {
      const p = pool(2);
      function* main(): Coroutine<number[]> {
        const loop = getRunningLoop();
        const jobs: Future<number>[] = [];
        for (let i = 0; i < 6; i++) jobs.push(loop.runInExecutor<number>(p, threadId));
        expect(String(p)).to.match(/workers=2 idle=0 queued=4/);
        return yield* awaitAll(jobs);
      }
      const ids = await run(main());
      expect(ids).to.have.length(6);
      expect(new Set(ids).size).to.be.at.most(2);
      expect(String(p)).to.equal('<ThreadPoolExecutor maxWorkers=2 workers=2 idle=2 queued=0>');
    });

    it('the loop option maxWorkers sizes the default pool; without it, the machine\'s parallelism', () => {
      const sized = new EventLoop({ maxWorkers: 3, clock: 'virtual' });
      const plain = new EventLoop({ clock: 'virtual' });
      try {
        expect(sized.runUntilComplete(sized.runInExecutor(null, fib, 5))).to.equal(5);
        expect(plain.runUntilComplete(plain.runInExecutor(null, fib, 6))).to.equal(8);
        expect(sized._defaultExecutor).to.be.instanceOf(ThreadPoolExecutor);
        expect((sized._defaultExecutor as ThreadPoolExecutor).maxWorkers).to.equal(3);
        expect((plain._defaultExecutor as ThreadPoolExecutor).maxWorkers).to.equal(os.availableParallelism());
      } finally {
        sized.close();
        plain.close();
      }
    });

    it('the policy\'s maxWorkers reaches every loop it creates', () => {
      setEventLoopPolicy(new DefaultEventLoopPolicy({ maxWorkers: 1 }));
      try {
        function* main(): Coroutine<number[]> {
          const loop = getRunningLoop();
          const jobs: Future<number>[] = [];
          for (let i = 0; i < 4; i++) jobs.push(loop.runInExecutor<number>(null, threadId));
          return yield* awaitAll(jobs);
        }
        const ids = runSync(main(), { clock: 'virtual' });
        expect(new Set(ids).size).to.equal(1);
      } finally {
        setEventLoopPolicy(null);
      }
    });

    it('bad sizes: ValueError, TypeError', () => {
      expect(() => new ThreadPoolExecutor({ maxWorkers: 0 })).to.throw(ValueError, /positive integer/);
      expect(() => new ThreadPoolExecutor({ maxWorkers: 1.5 })).to.throw(ValueError, /positive integer/);
      expect(() => new ThreadPoolExecutor({ maxWorkers: '2' as unknown as number })).to.throw(TypeError, /must be a number/);
      expect(() => new ThreadPoolExecutor('2' as unknown as number)).to.throw(TypeError, /must be a number/);
      expect(() => new ThreadPoolExecutor(0)).to.throw(ValueError, /positive integer/);
      expect(() => new ThreadPoolExecutor({ maxWorker: 2 } as unknown as {})).to.throw(TypeError, "ThreadPoolExecutor() got an unexpected option 'maxWorker' (it takes 'maxWorkers', 'resourceLimits')");
      expect(() => new ThreadPoolExecutor({ resourceLimits: 64 as unknown as {} })).to.throw(TypeError, 'resourceLimits must be an object such as { maxOldGenerationSizeMb: 64 }, got 64');
      expect(new ThreadPoolExecutor().maxWorkers).to.equal(os.availableParallelism());
    });

    it('takes maxWorkers alone, as ThreadPoolExecutor(3) does; null is the default size', () => {
      expect(new ThreadPoolExecutor(3).maxWorkers).to.equal(3);
      expect(new ThreadPoolExecutor(null).maxWorkers).to.equal(os.availableParallelism());
    });
  });

  describe('toThread', () => {
    it('runs a function on the running loop\'s default executor', () => {
      function* main(): Coroutine<[number, number]> {
        const n = yield* toThread(fib, 12);
        const m = yield* toThread<number>({ module: FIXTURE, export: 'add' }, 1, 2);
        return [n, m];
      }
      expect(runSync(main(), { clock: 'virtual' })).to.deep.equal([144, 3]);
    });

    it('checks its function at the call site; without a running loop it is RuntimeError', () => {
      expect(() => toThread(42 as unknown as () => void)).to.throw(TypeError, /needs a function or \{ module/);
      const coro = toThread(fib, 1);
      expect(() => coro.next()).to.throw(RuntimeError, /no running event loop/);
    });
  });

  describe('cancellation', () => {
    it('cancelling a queued job removes it: it never runs', () => {
      const p = pool(1);
      const c = cells();
      function* main(): Coroutine<unknown[]> {
        const loop = getRunningLoop();
        const first = loop.runInExecutor<number>(p, hold, c, 1);
        const second = loop.runInExecutor<number>(p, mark, c, 2);
        expect(second.cancel()).to.equal(true);
        yield; // the cancellation reaches the pool
        expect(String(p)).to.match(/queued=0/);
        release(c);
        const r = yield* first;
        const after = yield* loop.runInExecutor<number>(p, mark, c, 3);
        return [r, after, second.cancelled()];
      }
      expect(runSync(main(), { clock: 'virtual' })).to.deep.equal([1, 3, true]);
      expect(Atomics.load(c, 2)).to.equal(0);
    });

    it('a job cancelled just before a worker frees up is skipped too', () => {
      const p = pool(1);
      const c = cells();
      function* main(): Coroutine<unknown[]> {
        const loop = getRunningLoop();
        Atomics.store(loop._wake, 0, 0);
        const first = loop.runInExecutor<number>(p, pause, 1, 1);
        const second = loop.runInExecutor<number>(p, mark, c, 2);
        waitForReply(loop); // the first job's reply is on its way before the cancellation is seen
        second.cancel();
        const r = yield* first;
        return [r, yield* loop.runInExecutor<number>(p, mark, c, 3)];
      }
      expect(runSync(main(), { clock: 'virtual' })).to.deep.equal([1, 3]);
      expect(Atomics.load(c, 2)).to.equal(0);
    });

    it('cancelling a running job cancels its future; its result is ignored', () => {
      const p = pool(1);
      const c = cells();
      function* main(): Coroutine<unknown[]> {
        const loop = getRunningLoop();
        const running = loop.runInExecutor<number>(p, hold, c, 1);
        while (Atomics.load(c, 1) === 0) Atomics.wait(c, 1, 0, 10);
        running.cancel('enough');
        release(c);
        const next = yield* loop.runInExecutor<number>(p, mark, c, 2);
        return [running.cancelled(), next];
      }
      expect(runSync(main(), { clock: 'virtual' })).to.deep.equal([true, 2]);
    });
  });

  describe('shutdown', () => {
    /** A pool of one thread, busy with a held job (it marks slot 1), a job queued behind it (slot 2); the loop is closed after `body`. */
    async function withBusyPool(body: (p: ThreadPoolExecutor, c: Int32Array, loop: EventLoop, running: Future<number>, queued: Future<number>) => Promise<void>): Promise<void> {
      const p = pool(1);
      const c = cells();
      const loop = new EventLoop();
      try {
        await body(p, c, loop, loop.runInExecutor<number>(p, hold, c, 1), loop.runInExecutor<number>(p, mark, c, 2));
      } finally {
        loop.close();
      }
    }

    it('lets the running and queued jobs finish, then the threads exit; new jobs are refused', () =>
      withBusyPool(async (p, c, loop, running, queued) => {
        const closed = p.shutdown();
        let settled = false;
        void closed.then(() => (settled = true));
        expect(String(p)).to.equal('<ThreadPoolExecutor maxWorkers=1 shutdown>');
        expect(() => loop.runInExecutor(p, fib, 1)).to.throw(RuntimeError, 'cannot schedule new futures after shutdown');
        expect(running.cancelled() || queued.cancelled()).to.equal(false);
        await new Promise((r) => setImmediate(r));
        expect(settled, 'a job is still running').to.equal(false);
        release(c);
        expect(await loop.runUntilCompleteAsync(awaitAll([running, queued]))).to.deep.equal([1, 2]);
        await closed;
        expect(threads(p)).to.equal(0);
        await p.shutdown(); // again: harmless, and settled at once
      }));

    it('cancelFutures cancels the queued jobs; the running one finishes', () =>
      withBusyPool(async (p, c, loop, running, queued) => {
        const closed = p.shutdown({ cancelFutures: true });
        expect([queued.cancelled(), running.done()]).to.deep.equal([true, false]);
        release(c);
        expect(await loop.runUntilCompleteAsync(running)).to.equal(1);
        await closed;
        expect(Atomics.load(c, 2), 'the cancelled job never ran').to.equal(0);
      }));

    it('{ wait: false } settles the promise at once; the jobs still finish', () =>
      withBusyPool(async (p, c, loop, running, queued) => {
        await p.shutdown({ wait: false });
        expect(running.done() || queued.done()).to.equal(false);
        release(c);
        expect(await loop.runUntilCompleteAsync(awaitAll([running, queued]))).to.deep.equal([1, 2]);
      }));

    it('waitClosed() waits for the threads to exit, on both drivers; before shutdown() it is RuntimeError', async () => {
      function* main(p: ThreadPoolExecutor): Coroutine<number[]> {
        const job = getRunningLoop().runInExecutor<number>(p, pause, 20, 7);
        p.shutdown({ wait: false });
        yield* p.waitClosed();
        const left = threads(p);
        yield* p.waitClosed(); // no thread left: returns at once
        return [yield* job, left];
      }
      expect(runSync(main(pool(2)))).to.deep.equal([7, 0]);
      expect(runSync(main(pool(2)), { clock: 'virtual' })).to.deep.equal([7, 0]);
      expect(await run(main(pool(2)))).to.deep.equal([7, 0]);
      function* early(): Coroutine<void> {
        yield* pool(1).waitClosed();
      }
      expect(() => runSync(early())).to.throw(RuntimeError, 'waitClosed() called before shutdown(): the threads only end after pool.shutdown()');
    });

    it('shutdown() options are checked: booleans, and no unknown key', () => {
      const p = pool(1);
      expect(() => p.shutdown({ wiat: false } as unknown as {})).to.throw(TypeError, "shutdown() got an unexpected option 'wiat' (it takes 'wait', 'cancelFutures')");
      expect(() => p.shutdown({ wait: 'no' as unknown as boolean })).to.throw(TypeError, "shutdown() option wait must be a boolean, got 'no'");
      expect(() => p.shutdown({ cancelFutures: 1 as unknown as boolean })).to.throw(TypeError, /cancelFutures must be a boolean/);
      expect(() => p.shutdown(null as unknown as {})).to.throw(TypeError, /options must be an object/);
      expect(String(p), 'refused options change nothing').to.match(/workers=0/);
    });

    it('shutting down a pool whose jobs belong to a closed loop settles nothing', () => {
      const p = pool(1);
      const loop = new EventLoop();
      const fut = loop.runInExecutor(p, pause, 50, 1);
      loop.close();
      p.shutdown();
      expect(fut.done()).to.equal(false);
    });

    it('shutdownDefaultExecutor and close shut the default pool down; runInExecutor(null) is then RuntimeError', () => {
      let seen: ThreadPoolExecutor | null = null;
      function* main(): Coroutine<unknown> {
        const loop = getRunningLoop();
        yield* loop.runInExecutor(null, fib, 3);
        seen = loop._defaultExecutor as ThreadPoolExecutor;
        yield* loop.shutdownDefaultExecutor();
        try {
          loop.runInExecutor(null, fib, 3);
        } catch (e) {
          return e;
        }
      }
      const e = runSync(main(), { clock: 'virtual' });
      expect(e).to.be.instanceOf(RuntimeError);
      expect(String(seen)).to.match(/shutdown/);

      const loop = new EventLoop({ clock: 'virtual' });
      loop.runUntilComplete(loop.runInExecutor(null, fib, 3));
      const pool = loop._defaultExecutor as ThreadPoolExecutor;
      loop.close();
      expect(String(pool)).to.match(/shutdown/);
    });

    it('shutdownDefaultExecutor() waits for the running jobs of the default pool, then its threads are gone (both drivers)', async () => {
      function* main(): Coroutine<unknown[]> {
        const loop = getRunningLoop();
        const job = loop.runInExecutor<number>(null, pause, 30, 9);
        const p = loop._defaultExecutor as ThreadPoolExecutor;
        yield* loop.shutdownDefaultExecutor();
        return [job.done() && job.result(), threads(p), String(p)];
      }
      const expected = [9, 0, `<ThreadPoolExecutor maxWorkers=${os.availableParallelism()} shutdown>`];
      expect(runSync(main())).to.deep.equal(expected);
      expect(await run(main())).to.deep.equal(expected);
    });

    it('shutdownDefaultExecutor(timeout): past it, a RuntimeWarning in CPython\'s words, and the job goes on', async () => {
      const c = cells();
      function* main(): Coroutine<unknown[]> {
        const loop = getRunningLoop();
        const job = loop.runInExecutor<number>(null, hold, c, 1);
        yield* loop.shutdownDefaultExecutor(0.05);
        const doneAtReturn = job.done();
        release(c);
        return [doneAtReturn, yield* job];
      }
      const warnings = await catchingWarnings(() => runSync(main()));
      expect(warnings).to.deep.equal([['RuntimeWarning', 'The executor did not finishing joining its threads within 0.05 seconds.']]);
      Atomics.store(c, 0, 0);
      const again = await catchingWarnings(() => run(main()));
      expect(again).to.have.length(1);
      expect(() => new EventLoop().shutdownDefaultExecutor('1' as unknown as number)).to.throw(TypeError, 'shutdownDefaultExecutor() needs the timeout (a number of seconds) or null for no timeout, got \'1\'');
    });

    it('shutdownDefaultExecutor() with an executor of one\'s own: awaits the promise its shutdown returns, if any', async () => {
      const calls: unknown[] = [];
      const own = (result: () => unknown): Executor => ({
        submit: () => {
          throw new Error('unused');
        },
        shutdown: (options?: unknown) => {
          calls.push(options);
          return result();
        },
      });
      let finished = false;
      function* main(executor: Executor): Coroutine<boolean> {
        const loop = getRunningLoop();
        loop.setDefaultExecutor(executor);
        yield* loop.shutdownDefaultExecutor();
        yield* loop.shutdownDefaultExecutor(); // nothing left to shut down
        return finished;
      }
      const slow = () => new Promise<void>((resolve) => setTimeout(() => resolve(void (finished = true)), 20));
      expect(await run(main(own(slow)))).to.equal(true);
      expect(runSync(main(own(() => undefined)))).to.equal(true);
      expect(calls, 'once each, asked to wait').to.deep.equal([{ wait: true }, { wait: true }]);
    });

    it('run() and runSync() let a job still running finish before they return, as asyncio.run does', async () => {
      for (const driver of ['sync', 'async']) {
        const c = cells();
        function* main(): Coroutine<string> {
          getRunningLoop().runInExecutor(null, markAfter, c, 30); // never awaited
          return 'main is done';
        }
        expect(driver === 'sync' ? runSync(main()) : await run(main())).to.equal('main is done');
        expect(Atomics.load(c, 1), `${driver}: the job ran to its end`).to.equal(1);
      }
    });

    it('an idle pool never keeps Node alive (a program that forgets shutdown still exits)', function () {
      this.timeout(60000);
      const script = [
        "const { run, getRunningLoop, ThreadPoolExecutor } = require('./lib');",
        'const pool = new ThreadPoolExecutor({ maxWorkers: 2 });',
        'function* main() { return yield* getRunningLoop().runInExecutor(pool, (a, b) => a * b, 6, 7); }',
        'run(main()).then((r) => console.log(String(r)));',
      ].join('\n');
      const out = execFileSync(process.execPath, ['-r', 'ts-node/register', '-e', script], {
        cwd: path.join(__dirname, '..'),
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
        encoding: 'utf8',
        timeout: 50000,
      });
      expect(out.trim()).to.equal('42');
    });
  });

  describe('bad input', () => {
    it('functions that cannot travel by their source text are refused at the call, saying why', () => {
      const p = pool(1);
      const loop = new EventLoop();
      const key = Symbol('job');
      const obj = {
        get total() { return 1; },
        set total(_v: number) {},
        [Symbol.iterator]() { return 2; },
        [key]() { return 3; },
        get(x: number) { return x; }, // a method called get travels
      };
      const accessors = Object.getOwnPropertyDescriptor(obj, 'total')!;
      const refused = (fn: unknown) => {
        try {
          loop.runInExecutor(p, fn as () => void);
        } catch (e) {
          return `${(e as Error).name}: ${(e as Error).message}`;
        }
        return 'accepted';
      };
      try {
        expect(refused(accessors.get)).to.equal('TypeError: cannot run get total on a worker thread: it is a getter: it runs when its property is read, and its source text is not a function on its own; pass a plain function, e.g. (obj) => obj.total');
        expect(refused(accessors.set)).to.match(/^TypeError: cannot run set total on a worker thread: it is a setter: it runs when its property is assigned/);
        const computed = /it is a method with a computed key \(such as a symbol-keyed method, \[Symbol.iterator\]\(\) \{…\}\): its source text names its key by an expression the worker cannot evaluate; pass a plain function$/;
        expect(refused(obj[Symbol.iterator])).to.match(computed);
        expect(refused(obj[key])).to.match(computed);
        expect(refused(fib.bind(null, 3))).to.equal('TypeError: cannot run fib on a worker thread: it is a bound function: what it is bound to (its `this`, its first arguments) lives in this thread and cannot travel; pass the original function, and what it was bound to as arguments');
        expect(refused(Math.sqrt)).to.equal('TypeError: cannot run sqrt on a worker thread: it is a native function (built into the engine, or a Proxy), so it has no source text to send; wrap it in a function of your own, e.g. (x) => Math.sqrt(x), or pass { module, export }');
        expect(refused(new Proxy(fib, {}))).to.match(/it is a native function \(built into the engine, or a Proxy\)/);
        expect(String(p), 'nothing was scheduled').to.match(/workers=0 idle=0 queued=0/);
        expect(loop.runUntilComplete(loop.runInExecutor(p, obj.get, 5))).to.equal(5);
      } finally {
        loop.close();
      }
    });

    it('is a TypeError at the call site, before anything is scheduled', () => {
      const p = pool(1);
      const loop = new EventLoop();
      try {
        expect(() => loop.runInExecutor(null, 42 as unknown as () => void)).to.throw(TypeError);
        expect(() => loop.runInExecutor(p, Math.max, 1, 2)).to.throw(TypeError, /native function/);
        expect(() => loop.runInExecutor(p, fib.bind(null), 1)).to.throw(TypeError, /bound function/);
        expect(() => loop.runInExecutor(p, class Job {} as unknown as () => void)).to.throw(TypeError, /is a class/);
        class Counter {
          #n = 1;
          read() {
            return this.#n;
          }
        }
        expect(() => loop.runInExecutor(p, Counter.prototype.read)).to.throw(TypeError, /does not compile on its own/);
        function* gen(): Coroutine<void> {}
        expect(() => loop.runInExecutor(p, gen)).to.throw(TypeError, /coroutines cannot be used with an executor/);
        expect(() => loop.runInExecutor(p, { module: '', export: 'x' })).to.throw(TypeError);
        expect(() => p.submit(null as unknown as EventLoop, fib, [1])).to.throw(TypeError, /needs an EventLoop/);
        expect(() => p.submit(loop, { module: 'x' } as unknown as () => void, [])).to.throw(TypeError, /module: string/);
        expect(() => p.submit(loop, fib, 1 as unknown as unknown[])).to.throw(TypeError, /arguments as an array/);
        // Arguments that cannot be cloned: when a worker takes the job at once, and when it is queued.
        expect(() => loop.runInExecutor(p, fib, () => 1)).to.throw(TypeError, /cannot be sent to a worker thread/);
        const c = cells();
        const busy = loop.runInExecutor(p, hold, c, 1);
        expect(() => loop.runInExecutor(p, fib, () => 1)).to.throw(TypeError, /cannot be sent to a worker thread/);
        expect(String(p)).to.match(/queued=0/);
        release(c);
        expect(loop.runUntilComplete(busy)).to.equal(1);
      } finally {
        loop.close();
      }
      const closed = new EventLoop();
      closed.close();
      expect(() => p.submit(closed, fib, [1])).to.throw(RuntimeError, /Event loop is closed/);
    });
  });
});
