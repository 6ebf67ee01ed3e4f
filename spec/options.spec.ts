// lib/options.ts: strict options. The helper itself, then every I/O function that takes
// options: an unknown key is a TypeError naming it and listing the keys the function takes,
// raised at the call, before anything is started (a misspelt `ssl` must never give a
// plaintext connection).
import { expect } from 'chai';
import {
  EventLoop,
  StreamReader,
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
