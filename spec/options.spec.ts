// lib/options.ts: strict options. The helper itself, then every public function that takes
// options (I/O first, then the rest): an unknown key is a TypeError naming it and listing the keys the function takes,
// raised at the call, before anything is started (a misspelt `ssl` must never give a
// plaintext connection).
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  DefaultEventLoopPolicy,
  EventLoop,
  Future,
  LifoQueue,
  PriorityQueue,
  Queue,
  Runner,
  Semaphore,
  StreamReader,
  ThreadPoolExecutor,
  Tracer,
  asCompleted,
  ensureFuture,
  gather,
  on,
  once,
  run,
  runCoroutineThreadsafe,
  runSync,
  sleep,
  wait,
  createSubprocessExec,
  createSubprocessShell,
  openConnection,
  openUnixConnection,
  startServer,
  startUnixServer,
} from '../lib';
import { checkOptions } from '../lib/options';
import { arun, catching, throws } from './support';
import type { Coroutine, Transport } from '../lib';

describe('options: the strict-options helper', () => {
  it('returns the options typed; undefined is {}', () => {
    const opts = { a: 1 };
    expect(checkOptions<{ a?: number }>('f', opts, ['a'])).to.equal(opts);
    expect(checkOptions<{ a?: number }>('f', undefined, ['a'])).to.deep.equal({});
    expect(checkOptions<{ a?: number; b?: string }>('f', {}, ['a', 'b'])).to.deep.equal({});
  });

  it('an unknown key is a TypeError naming it and listing the accepted ones, like Python\'s "unexpected keyword argument"', () => {
    const err = throws(() => checkOptions<{ ssl?: boolean; limit?: number }>('openConnection', { sll: true }, ['ssl', 'limit'])) as Error;
    expect(err).to.be.instanceOf(TypeError);
    expect(err.message).to.equal("openConnection() got an unexpected option 'sll' (it takes 'ssl', 'limit')");
    // Even with the value undefined: the key is still misspelt.
    expect(() => checkOptions<{ a?: number }>('f', { b: undefined }, ['a'])).to.throw(TypeError, "f() got an unexpected option 'b' (it takes 'a')");
    expect(() => checkOptions<object>('g', { x: 1 }, [])).to.throw(TypeError, "g() got an unexpected option 'x' (it takes no options)");
  });

  it('anything that is not an object is a TypeError: null, a number, a string, an array, a function', () => {
    for (const bad of [null, 42, 'ssl', [1], () => 1, true]) {
      expect(() => checkOptions<{ a?: number }>('f', bad, ['a']), String(bad)).to.throw(TypeError, 'f() options must be an object, got ');
    }
    expect(() => checkOptions<{ a?: number }>('f', null, ['a'])).to.throw(TypeError, 'f() options must be an object, got null');
  });

  it('only own keys count (a class instance with methods is fine); symbols are not options', () => {
    class Opts {
      a = 1;
      method(): number {
        return 2;
      }
    }
    expect(() => checkOptions<{ a?: number }>('f', new Opts(), ['a'])).to.not.throw();
    expect(() => checkOptions<{ a?: number }>('f', { a: 1, [Symbol('x')]: 2 }, ['a'])).to.not.throw();
  });
});

describe('options: every I/O function refuses an unknown option, at the call', () => {
  const loop = new EventLoop({ clock: 'virtual' });
  after(() => loop.close());
  const f = () => ({});
  const noop = () => {};

  /** The calls, each with a bogus key; the message each must give, up to the list of keys. */
  const cases: [string, () => unknown, string][] = [
    ['openConnection', () => openConnection('h', 1, { bogus: 1 } as never), "openConnection() got an unexpected option 'bogus' (it takes 'ssl', 'serverHostname', 'sslHandshakeTimeout', 'localAddr', 'family', 'happyEyeballsDelay', 'limit')"],
    ['startServer', () => startServer(noop, 'h', 1, { bogus: 1 } as never), "startServer() got an unexpected option 'bogus' (it takes 'backlog', 'ssl', 'sslHandshakeTimeout', 'reuseAddress', 'reusePort', 'startServing', 'limit')"],
    ['loop.createConnection', () => loop.createConnection(f, 'h', 1, { bogus: 1 } as never), "createConnection() got an unexpected option 'bogus' (it takes 'ssl', 'serverHostname', 'sslHandshakeTimeout', 'localAddr', 'family', 'happyEyeballsDelay')"],
    ['loop.createServer', () => loop.createServer(f, 'h', 1, { bogus: 1 } as never), "createServer() got an unexpected option 'bogus' (it takes 'backlog', 'ssl', 'sslHandshakeTimeout', 'reuseAddress', 'reusePort', 'startServing')"],
    ['openUnixConnection', () => openUnixConnection('/p', { bogus: 1 } as never), "openUnixConnection() got an unexpected option 'bogus' (it takes 'ssl', 'serverHostname', 'sslHandshakeTimeout', 'limit')"],
    ['startUnixServer', () => startUnixServer(noop, '/p', { bogus: 1 } as never), "startUnixServer() got an unexpected option 'bogus' (it takes 'backlog', 'ssl', 'sslHandshakeTimeout', 'startServing', 'cleanupSocket', 'limit')"],
    ['loop.createUnixConnection', () => loop.createUnixConnection(f, '/p', { bogus: 1 } as never), "createUnixConnection() got an unexpected option 'bogus' (it takes 'ssl', 'serverHostname', 'sslHandshakeTimeout')"],
    ['loop.createUnixServer', () => loop.createUnixServer(f, '/p', { bogus: 1 } as never), "createUnixServer() got an unexpected option 'bogus' (it takes 'backlog', 'ssl', 'sslHandshakeTimeout', 'startServing', 'cleanupSocket')"],
    ['loop.startTls', () => loop.startTls({} as Transport, {}, true, { bogus: 1 } as never), "startTls() got an unexpected option 'bogus' (it takes 'serverSide', 'serverHostname', 'sslHandshakeTimeout')"],
    ['new StreamReader', () => new StreamReader({ bogus: 1 } as never), "StreamReader() got an unexpected option 'bogus' (it takes 'limit', 'loop')"],
    ['createSubprocessExec', () => createSubprocessExec('true', [], { bogus: 1 } as never), "createSubprocessExec() got an unexpected option 'bogus' (it takes 'stdin', 'stdout', 'stderr', 'cwd', 'env', 'limit')"],
    ['createSubprocessShell', () => createSubprocessShell('true', { bogus: 1 } as never), "createSubprocessShell() got an unexpected option 'bogus' (it takes 'stdin', 'stdout', 'stderr', 'cwd', 'env', 'limit')"],
  ];
  for (const [name, call, message] of cases) {
    it(`${name}`, () => {
      const err = throws(call) as Error;
      expect(err).to.be.instanceOf(TypeError);
      expect(err.message).to.equal(message);
    });
  }

  it('writer.startTls, when its coroutine starts', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const server = yield* startServer(noop, '127.0.0.1', 0);
        const [, w] = yield* openConnection('127.0.0.1', server.address().port);
        const err = (yield* catching(w.startTls(true, { bogus: 1 } as never))) as Error;
        expect(err).to.be.instanceOf(TypeError);
        expect(err.message).to.equal("startTls() got an unexpected option 'bogus' (it takes 'serverHostname', 'serverSide', 'sslHandshakeTimeout')");
        w.close();
        server.close();
        server.closeClients();
        yield* server.waitClosed();
      })(),
    );
  });
});

describe('options: every other function that takes options refuses an unknown one, at the call', () => {
  const loop = new EventLoop({ clock: 'virtual' });
  const pool = new ThreadPoolExecutor(1);
  after(() => {
    loop.close();
    void pool.shutdown();
  });
  const loopKeys = "'clock', 'debug', 'shuffle', 'maxWorkers', 'taskFactory', 'exceptionHandler'";
  const runKeys = "'debug', 'clock', 'shuffle', 'loopFactory'";
  const bogus = { bogus: 1 } as never;
  const tracer = new Tracer();

  /** Each call with a bogus key, and the whole message it must give. */
  const cases: [string, () => unknown, string][] = [
    ['new EventLoop', () => new EventLoop(bogus), `EventLoop() got an unexpected option 'bogus' (it takes ${loopKeys})`],
    ['new DefaultEventLoopPolicy', () => new DefaultEventLoopPolicy(bogus), `DefaultEventLoopPolicy() got an unexpected option 'bogus' (it takes ${loopKeys})`],
    ['policy.newEventLoop', () => new DefaultEventLoopPolicy().newEventLoop(bogus), `newEventLoop() got an unexpected option 'bogus' (it takes ${loopKeys})`],
    ['new Runner', () => new Runner(bogus), `Runner() got an unexpected option 'bogus' (it takes ${runKeys})`],
    ['runSync', () => runSync(sleep(0), bogus), `runSync() got an unexpected option 'bogus' (it takes ${runKeys})`],
    ['new Future', () => new Future({ loop, bogus: 1 } as never), "Future() got an unexpected option 'bogus' (it takes 'loop')"],
    ['ensureFuture', () => ensureFuture(loop.createFuture(), bogus), "ensureFuture() got an unexpected option 'bogus' (it takes 'loop')"],
    ['gather', () => gather([], bogus), "gather() got an unexpected option 'bogus' (it takes 'returnExceptions')"],
    ['wait', () => wait([], bogus), "wait() got an unexpected option 'bogus' (it takes 'timeout', 'returnWhen')"],
    ['asCompleted', () => asCompleted([], bogus), "asCompleted() got an unexpected option 'bogus' (it takes 'timeout')"],
    ['new Tracer', () => new Tracer(bogus), "Tracer() got an unexpected option 'bogus' (it takes 'limit')"],
    ['tracer.narrate', () => tracer.narrate(bogus), "narrate() got an unexpected option 'bogus' (it takes 'callbacks', 'waits')"],
    ['tracer.timeline', () => tracer.timeline(bogus), "timeline() got an unexpected option 'bogus' (it takes 'by', 'width')"],
    ['tracer.toSVG', () => tracer.toSVG(bogus), "toSVG() got an unexpected option 'bogus' (it takes 'columnWidth', 'title')"],
    ['once', () => once(new EventEmitter(), 'x', bogus), "once() got an unexpected option 'bogus' (it takes 'loop')"],
    ['on', () => on(new EventEmitter(), 'x', bogus), "on() got an unexpected option 'bogus' (it takes 'close', 'loop')"],
    ['runCoroutineThreadsafe', () => runCoroutineThreadsafe(sleep(0), loop, bogus), "runCoroutineThreadsafe() got an unexpected option 'bogus' (it takes 'signal')"],
    ['loop.createDatagramEndpoint', () => loop.createDatagramEndpoint(() => ({}), bogus), "createDatagramEndpoint() got an unexpected option 'bogus' (it takes 'localAddr', 'remoteAddr', 'family', 'reuseAddress', 'reusePort', 'allowBroadcast')"],
    ['loop.getaddrinfo', () => loop.getaddrinfo('localhost', 80, bogus), "getaddrinfo() got an unexpected option 'bogus' (it takes 'family', 'type', 'proto', 'flags')"],
    ['new ThreadPoolExecutor', () => new ThreadPoolExecutor(bogus), "ThreadPoolExecutor() got an unexpected option 'bogus' (it takes 'maxWorkers', 'resourceLimits')"],
    ['executor.shutdown', () => pool.shutdown(bogus), "shutdown() got an unexpected option 'bogus' (it takes 'wait', 'cancelFutures')"],
    ['new Queue', () => new Queue(bogus), "Queue() got an unexpected option 'bogus' (it takes 'maxsize')"],
    ['new LifoQueue', () => new LifoQueue(bogus), "LifoQueue() got an unexpected option 'bogus' (it takes 'maxsize')"],
    ['new PriorityQueue', () => new PriorityQueue(bogus), "PriorityQueue() got an unexpected option 'bogus' (it takes 'maxsize', 'compare')"],
    ['new Semaphore', () => new Semaphore(bogus), "Semaphore() got an unexpected option 'bogus' (it takes 'value')"],
    ['new BoundedSemaphore', () => new BoundedSemaphore(bogus), "BoundedSemaphore() got an unexpected option 'bogus' (it takes 'value')"],
    ['new Condition', () => new Condition(bogus), "Condition() got an unexpected option 'bogus' (it takes 'lock')"],
    ['new Barrier', () => new Barrier(bogus), "Barrier() got an unexpected option 'bogus' (it takes 'parties')"],
  ];
  for (const [name, call, message] of cases) {
    it(name, () => {
      const err = throws(call) as Error;
      expect(err).to.be.instanceOf(TypeError);
      expect(err.message).to.equal(message);
    });
  }

  it('run, whose promise rejects before any loop is made', async () => {
    let err: unknown = null;
    await run(sleep(0), bogus).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(TypeError);
    expect((err as Error).message).to.equal(`run() got an unexpected option 'bogus' (it takes ${runKeys})`);
  });

  it('the options each takes still work (a sample)', () => {
    const debugLoop = new EventLoop({ clock: 'virtual', debug: true });
    expect(debugLoop.getDebug()).to.equal(true);
    debugLoop.close();
    expect(runSync(sleep(0, 'ok'), { clock: 'virtual' })).to.equal('ok');
    const fut = new Future<number>({ loop });
    expect(ensureFuture(fut, { loop })).to.equal(fut);
    expect(ensureFuture(fut)).to.equal(fut);
  });
});
