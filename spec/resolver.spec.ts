// lib/resolver.ts: loop.getaddrinfo and loop.getnameinfo on the machine's
// real resolver. Only names every system has are used: localhost (in
// /etc/hosts), numeric addresses, and a name under .invalid, which never
// resolves (RFC 6761).
import { expect } from 'chai';
import {
  AF_INET,
  AF_INET6,
  AF_UNSPEC,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_PASSIVE,
  EventLoop,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NI_NAMEREQD,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  OSError,
  RuntimeError,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  ValueError,
  createTask,
  getRunningLoop,
  sleep,
  type Coroutine,
} from '../lib';
import { arun, catching } from './support';

describe('resolver: getaddrinfo and getnameinfo', function () {
  this.timeout(20000);

  it("has Python's constants (Linux values)", () => {
    expect([AF_UNSPEC, AF_INET, AF_INET6, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, IPPROTO_TCP, IPPROTO_UDP]).to.deep.equal([0, 2, 10, 1, 2, 3, 6, 17]);
  });

  it("getaddrinfo gives CPython's entries: [family, type, proto, canonname, [address, port]], one per socket type", async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        expect(yield* loop.getaddrinfo('127.0.0.1', 80)).to.deep.equal([
          [2, 1, 6, '', ['127.0.0.1', 80]],
          [2, 2, 17, '', ['127.0.0.1', 80]],
          [2, 3, 0, '', ['127.0.0.1', 80]],
        ]);
        expect(yield* loop.getaddrinfo('localhost', 80, { family: AF_INET, type: SOCK_STREAM })).to.deep.equal([[2, 1, 6, '', ['127.0.0.1', 80]]]);
        expect(yield* loop.getaddrinfo('::1', '443', { proto: IPPROTO_UDP })).to.deep.equal([[10, 2, 17, '', ['::1', 443]]]); // a numeric string port
        expect(yield* loop.getaddrinfo('127.0.0.1', null, { type: SOCK_RAW, proto: 99 })).to.deep.equal([[2, 3, 99, '', ['127.0.0.1', 0]]]);
        expect(yield* loop.getaddrinfo('127.0.0.1', 0, { proto: IPPROTO_TCP })).to.deep.equal([[2, 1, 6, '', ['127.0.0.1', 0]]]);
      })(),
    );
  });

  it('getaddrinfo of no host: the loopback address, or with AI_PASSIVE the wildcard one; AI_CANONNAME names the host in the first entry', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        expect(yield* loop.getaddrinfo(null, 80, { type: SOCK_STREAM })).to.deep.equal([
          [10, 1, 6, '', ['::1', 80]],
          [2, 1, 6, '', ['127.0.0.1', 80]],
        ]);
        expect(yield* loop.getaddrinfo(null, 80, { type: SOCK_STREAM, flags: AI_PASSIVE })).to.deep.equal([
          [2, 1, 6, '', ['0.0.0.0', 80]],
          [10, 1, 6, '', ['::', 80]],
        ]);
        expect(yield* loop.getaddrinfo(null, 80, { family: AF_INET6, type: SOCK_STREAM, flags: AI_PASSIVE })).to.deep.equal([[10, 1, 6, '', ['::', 80]]]);
        expect(yield* loop.getaddrinfo(null, 80, { family: AF_INET, type: SOCK_STREAM })).to.deep.equal([[2, 1, 6, '', ['127.0.0.1', 80]]]);
        expect(yield* loop.getaddrinfo('localhost', null, { family: AF_INET, flags: AI_CANONNAME })).to.deep.equal([
          [2, 1, 6, 'localhost', ['127.0.0.1', 0]],
          [2, 2, 17, '', ['127.0.0.1', 0]],
          [2, 3, 0, '', ['127.0.0.1', 0]],
        ]);
      })(),
    );
  });

  it("getaddrinfo's failures: a name that does not resolve, a family the address is not of, AI_NUMERICHOST with a name, a type and protocol that do not go together", async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        // Python's socket.gaierror: an OSError with glibc's EAI number and text.
        const unknown = (yield* catching(() => loop.getaddrinfo('nonexistent.invalid', 80))) as OSError;
        expect(unknown).to.be.instanceOf(OSError);
        expect(unknown.code).to.match(/^(ENOTFOUND|EAI_AGAIN)$/);
        if (unknown.code === 'ENOTFOUND') expect([unknown.errno, unknown.message]).to.deep.equal([-2, '[Errno -2] Name or service not known']);
        const family = (yield* catching(() => loop.getaddrinfo('127.0.0.1', 80, { family: AF_INET6 }))) as OSError;
        expect(family).to.be.instanceOf(OSError);
        expect([family.errno, family.code, family.message]).to.deep.equal([-9, 'EAI_ADDRFAMILY', '[Errno -9] Address family for hostname not supported']);
        const numeric = (yield* catching(() => loop.getaddrinfo('localhost', 80, { flags: AI_NUMERICHOST }))) as OSError;
        expect([numeric.errno, numeric.code, numeric.message]).to.deep.equal([-2, 'ENOTFOUND', '[Errno -2] Name or service not known']);
        const mismatch = (yield* catching(() => loop.getaddrinfo('127.0.0.1', 0, { type: SOCK_STREAM, proto: IPPROTO_UDP }))) as OSError;
        expect([mismatch.errno, mismatch.code, mismatch.message]).to.deep.equal([-7, 'EAI_SOCKTYPE', '[Errno -7] ai_socktype not supported']);
      })(),
    );
  });

  it('getaddrinfo checks its arguments: unknown options, bad family/type/port, service names', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        expect(() => loop.getaddrinfo('localhost', 80, { famliy: AF_INET } as never)).to.throw(TypeError, /^getaddrinfo\(\) got an unexpected option 'famliy'/);
        expect(() => loop.getaddrinfo('localhost', 80, { family: 3 })).to.throw(ValueError, "getaddrinfo(): family must be 0 (any), 4 or 6 (Python's AF_INET, AF_INET6: 2, 10), got 3");
        expect(() => loop.getaddrinfo('localhost', 80, { type: 99 })).to.throw(ValueError, 'getaddrinfo(): type must be 0, SOCK_STREAM, SOCK_DGRAM or SOCK_RAW, got 99');
        expect(() => loop.getaddrinfo('localhost', 80, { flags: 1.5 })).to.throw(TypeError, 'getaddrinfo(): flags must be an integer, got 1.5');
        expect(() => loop.getaddrinfo('localhost', 'http')).to.throw(TypeError, /port must be a number, a numeric string or null \(service names are not looked up\), got 'http'/);
        expect(() => loop.getaddrinfo('localhost', 70000)).to.throw(ValueError, 'getaddrinfo(): port must be 0-65535, got 70000');
        expect(() => loop.getaddrinfo(80 as never, 80)).to.throw(TypeError, 'getaddrinfo(): host must be a string or null, got 80');
      })(),
    );
    const closed = new EventLoop();
    closed.close();
    expect(() => closed.getaddrinfo('localhost', 80)).to.throw(RuntimeError, 'Event loop is closed');
    expect(() => closed.getnameinfo(['127.0.0.1', 80])).to.throw(RuntimeError, 'Event loop is closed');
  });

  it('getnameinfo gives [host, service]; an address without a name gives the number back unless NI_NAMEREQD', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        expect(yield* loop.getnameinfo(['127.0.0.1', 80])).to.deep.equal(['localhost', 'http']);
        expect(yield* loop.getnameinfo({ address: '127.0.0.1', port: 22 })).to.deep.equal(['localhost', 'ssh']);
        expect(yield* loop.getnameinfo(['127.0.0.1', 80], NI_NUMERICHOST | NI_NUMERICSERV)).to.deep.equal(['127.0.0.1', '80']);
        expect(yield* loop.getnameinfo(['127.0.0.1', 80], NI_NUMERICHOST)).to.deep.equal(['127.0.0.1', 'http']);
        expect(yield* loop.getnameinfo(['127.0.0.1', 80], NI_NUMERICSERV)).to.deep.equal(['localhost', '80']);
        // 192.0.2.0/24 is reserved for documentation (RFC 5737): no name.
        expect(yield* loop.getnameinfo(['192.0.2.1', 443])).to.deep.equal(['192.0.2.1', 'https']);
        expect(yield* loop.getnameinfo(['192.0.2.1', 443], NI_NUMERICSERV)).to.deep.equal(['192.0.2.1', '443']);
        const required = (yield* catching(() => loop.getnameinfo(['192.0.2.1', 443], NI_NAMEREQD))) as OSError;
        expect(required).to.be.instanceOf(OSError);
        expect(required.code).to.match(/^(ENOTFOUND|EAI_AGAIN)$/);
      })(),
    );
  });

  it('getnameinfo wants a numeric address, as in Python, and a well-formed sockaddr', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const name = (yield* catching(() => loop.getnameinfo(['localhost', 80]))) as OSError;
        expect(name).to.be.instanceOf(OSError);
        expect([name.errno, name.code, name.message]).to.deep.equal([-2, 'ENOTFOUND', '[Errno -2] Name or service not known']);
        expect(() => loop.getnameinfo(['127.0.0.1'] as never)).to.throw(TypeError, /the port of sockaddr must be an integer, got undefined/);
        expect(() => loop.getnameinfo(null as never)).to.throw(TypeError, /sockaddr must be \[host, port\] or \{ address, port \}, got null/);
        expect(() => loop.getnameinfo(['127.0.0.1', 80], 'x' as never)).to.throw(TypeError, "getnameinfo(): flags must be an integer, got 'x'");
      })(),
    );
  });

  it('does not block the loop: other tasks run while a lookup is outstanding, and the virtual clock waits for it', async () => {
    const order = await arun(
      (function* (): Coroutine<string[]> {
        const loop = getRunningLoop();
        const order: string[] = [];
        const ticker = createTask(
          (function* () {
            order.push('another task ran');
            yield* sleep(10);
            order.push(`the nap ends at t=${loop.time()}`);
          })(),
        );
        const infos = yield* loop.getaddrinfo('localhost', 80, { family: AF_INET, type: SOCK_STREAM });
        order.push(`resolved ${infos[0][4][0]} at t=${loop.time()}`);
        yield* ticker;
        return order;
      })(),
    );
    expect(order).to.deep.equal(['another task ran', 'resolved 127.0.0.1 at t=0', 'the nap ends at t=10']);
  });
});
