// lib/datagrams.ts: UDP endpoints on real loopback sockets (127.0.0.1, port
// 0), on the async driver with the virtual clock. Waits are for events
// (futures set by protocol callbacks), never for time.
import { expect } from 'chai';
import * as dgram from 'node:dgram';
import {
  AF_INET,
  AF_INET6,
  ConnectionRefusedError,
  DatagramProtocol,
  DatagramTransport,
  EventLoop,
  Future,
  OSError,
  PermissionError,
  RuntimeError,
  ValueError,
  createTask,
  getRunningLoop,
  sleep,
  type AddressInfo,
  type Coroutine,
  type ExceptionContext,
} from '../lib';
import { arun, catching, throws } from './support';

const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Records every callback; `next()` waits for the next datagram, `lost` for connectionLost. */
class Recorder extends DatagramProtocol {
  events: string[] = [];
  datagrams: Array<[string, AddressInfo]> = [];
  errors: Error[] = [];
  transport!: DatagramTransport;
  lost: Future<Error | null> = getRunningLoop().createFuture();
  private waiter: Future<void> | null = null;

  override connectionMade(t: DatagramTransport): void {
    this.transport = t;
    this.events.push('made');
  }
  override datagramReceived(data: Uint8Array, addr: AddressInfo): void {
    this.events.push('datagram');
    this.datagrams.push([dec(data), addr]);
    this.wake();
  }
  override errorReceived(exc: Error): void {
    this.events.push(`error:${(exc as NodeJS.ErrnoException).code}`);
    this.errors.push(exc);
    this.wake();
  }
  override connectionLost(exc: Error | null): void {
    this.events.push(exc === null ? 'lost' : `lost:${exc.name}`);
    this.lost.setResult(exc);
  }
  /** Waits until one more datagram or error has come. */
  *next(): Coroutine<void> {
    this.waiter = getRunningLoop().createFuture();
    yield* this.waiter;
  }
  private wake(): void {
    if (this.waiter !== null && !this.waiter.done()) this.waiter.setResult(undefined);
  }
}

/** A bound, unconnected endpoint on 127.0.0.1 and its port. */
function* listener(): Coroutine<[DatagramTransport, Recorder, number]> {
  const [t, p] = yield* getRunningLoop().createDatagramEndpoint(() => new Recorder(), { localAddr: ['127.0.0.1', 0] });
  return [t, p, (t.getExtraInfo('sockname') as AddressInfo).port];
}

/** A UDP port with nothing bound to it: a datagram sent there is refused (ICMP port unreachable). */
function* closedUdpPort(): Coroutine<number> {
  const [t, p, port] = yield* listener();
  t.close();
  yield* p.lost;
  return port;
}

describe('datagrams: UDP endpoints on real sockets', function () {
  this.timeout(20000);

  it('a connected client and an unconnected server talk: protocol order, addresses out as { address, family, port }', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const [server, srv, port] = yield* listener();
        const [client, cli] = yield* loop.createDatagramEndpoint(() => new Recorder(), { remoteAddr: ['127.0.0.1', port] });
        expect(cli.events).to.deep.equal(['made']); // connectionMade has run when the endpoint is returned
        expect(client).to.be.instanceOf(DatagramTransport);
        expect(client.getProtocol()).to.equal(cli);
        const clientName = client.getExtraInfo('sockname') as AddressInfo;
        expect(clientName).to.deep.equal({ address: '127.0.0.1', family: 'IPv4', port: clientName.port });
        expect(client.getExtraInfo('peername')).to.deep.equal({ address: '127.0.0.1', family: 'IPv4', port });
        expect(server.getExtraInfo('peername')).to.equal(undefined); // unconnected
        expect(server.getExtraInfo('peername', 'none')).to.equal('none');
        expect(client.getExtraInfo('socket')).to.be.instanceOf(dgram.Socket);

        client.sendto('hello'); // a string goes out as UTF-8
        yield* srv.next();
        const [text, from] = srv.datagrams[0];
        expect(text).to.equal('hello');
        expect(from).to.deep.equal(clientName); // the sender, in the same shape as sockname
        server.sendto(new TextEncoder().encode('hi back'), from); // an address as it came out goes back in
        yield* cli.next();
        expect(cli.datagrams).to.deep.equal([['hi back', { address: '127.0.0.1', family: 'IPv4', port }]]);

        client.close();
        expect(client.isClosing()).to.equal(true);
        yield* cli.lost;
        server.close();
        yield* srv.lost;
        expect(cli.events).to.deep.equal(['made', 'datagram', 'lost']);
        expect(srv.events).to.deep.equal(['made', 'datagram', 'lost']);
      })(),
    );
  });

  it('takes addresses as [host, port] or { address, port }, and sends an empty datagram as one', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const [server, srv] = yield* loop.createDatagramEndpoint(() => new Recorder(), { localAddr: { address: '127.0.0.1', port: 0 } });
        const port = (server.getExtraInfo('sockname') as AddressInfo).port;
        const [client, cli] = yield* loop.createDatagramEndpoint(() => new Recorder(), { localAddr: ['127.0.0.1', 0] });
        client.sendto('tuple', ['127.0.0.1', port]);
        yield* srv.next();
        client.sendto(new Uint8Array(0), { address: '127.0.0.1', port });
        yield* srv.next();
        expect(srv.datagrams.map(([d]) => d)).to.deep.equal(['tuple', '']);
        client.close();
        server.close();
        yield* cli.lost;
        yield* srv.lost;
      })(),
    );
  });

  it('a connected endpoint refuses another address with ValueError, and sendto() without one on an unconnected endpoint is a TypeError', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const [server, srv, port] = yield* listener();
        const [client, cli] = yield* loop.createDatagramEndpoint(() => new Recorder(), { remoteAddr: { address: '127.0.0.1', port } });
        const err = throws(() => client.sendto('x', ['127.0.0.1', 9999])) as Error;
        expect(err).to.be.instanceOf(ValueError);
        expect(err.message).to.equal(`Invalid address: must be null or ['127.0.0.1', ${port}]`);
        client.sendto('to the peer, named', ['127.0.0.1', port]); // its own peer is fine
        yield* srv.next();
        expect(srv.datagrams[0][0]).to.equal('to the peer, named');
        const other = new Recorder();
        server.setProtocol(other); // later datagrams go to the new protocol
        expect(server.getProtocol()).to.equal(other);
        client.sendto('to the new protocol');
        yield* other.next();
        expect(other.datagrams[0][0]).to.equal('to the new protocol');
        expect(srv.datagrams).to.have.length(1);
        server.setProtocol(srv);

        const unconnected = throws(() => server.sendto('where to?')) as Error;
        expect(unconnected).to.be.instanceOf(TypeError);
        expect(unconnected.message).to.match(/no remoteAddr needs the address to send to: sendto\(data, \[host, port\]\)/);
        expect(() => server.sendto(42 as never, ['127.0.0.1', port])).to.throw(TypeError, /sendto\(\) needs a Uint8Array or a string, not 42/);
        expect(() => server.sendto('x', ['127.0.0.1', 70000])).to.throw(ValueError, /port must be 0-65535, got 70000/);
        expect(() => server.sendto('x', 'localhost' as never)).to.throw(TypeError, /addr must be \[host, port\] or \{ address, port \}, got 'localhost'/);
        client.close();
        server.close();
        yield* cli.lost;
        yield* srv.lost;
      })(),
    );
  });

  it('a refused datagram on a connected endpoint arrives at errorReceived (ECONNREFUSED), and the endpoint stays open', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const port = yield* closedUdpPort();
        const [client, cli] = yield* getRunningLoop().createDatagramEndpoint(() => new Recorder(), { remoteAddr: ['127.0.0.1', port] });
        client.sendto('anyone there?');
        yield* cli.next();
        expect(cli.errors[0]).to.be.instanceOf(ConnectionRefusedError); // Python's class, with Python's message
        expect(cli.errors[0].message).to.equal('[Errno 111] Connection refused');
        expect((cli.errors[0] as NodeJS.ErrnoException).code).to.equal('ECONNREFUSED');
        expect(client.isClosing()).to.equal(false);
        client.sendto('still sending');
        yield* cli.next();
        expect(cli.events).to.deep.equal(['made', 'error:ECONNREFUSED', 'error:ECONNREFUSED']);
        client.close();
        expect(yield* cli.lost).to.equal(null);
      })(),
    );
  });

  it('a send that fails (a name that does not resolve) goes to errorReceived, not to the caller', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const [t, p] = yield* listener();
        t.sendto('x', ['nonexistent.invalid', 9]);
        yield* p.next();
        expect(p.errors[0]).to.be.instanceOf(OSError); // socket.gaierror
        expect((p.errors[0] as NodeJS.ErrnoException).code).to.match(/^(ENOTFOUND|EAI_AGAIN)$/);
        t.close();
        yield* p.lost;
      })(),
    );
  });

  it('after close() no datagram is delivered and sends are dropped, with a warning from the fifth on (asyncio)', async () => {
    const warnings: unknown[][] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      await arun(
        (function* (): Coroutine<void> {
          const loop = getRunningLoop();
          const [server, srv, port] = yield* listener();
          const [client, cli] = yield* loop.createDatagramEndpoint(() => new Recorder(), { remoteAddr: ['127.0.0.1', port] });
          client.sendto('first');
          yield* srv.next();
          server.close();
          client.sendto('after the server closed'); // it arrives, or not: the server must not see it
          for (let i = 0; i < 6; i++) server.sendto('dropped', ['127.0.0.1', 9]);
          yield* srv.lost;
          client.close();
          client.close(); // twice is harmless
          yield* cli.lost;
          client.sendto('dropped too');
          expect(srv.events).to.deep.equal(['made', 'datagram', 'lost']);
          expect(cli.events).to.deep.equal(['made', 'lost']);
        })(),
      );
    } finally {
      console.warn = warn;
    }
    expect(warnings).to.deep.equal([['socket.send() raised exception.'], ['socket.send() raised exception.']]);
  });

  it('abort() ends the endpoint at once with connectionLost(null); the port is free again', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const [t, p, port] = yield* listener();
        t.abort();
        t.abort(); // twice is harmless
        expect(yield* p.lost).to.equal(null);
        expect(p.events).to.deep.equal(['made', 'lost']);
        expect(t.getWriteBufferSize()).to.equal(0);
        expect(String(t)).to.equal(`<DatagramTransport closed sockname=127.0.0.1:${port}>`);
        const [again, q] = yield* loop.createDatagramEndpoint(() => new Recorder(), { localAddr: ['127.0.0.1', port] });
        expect(String(again)).to.equal(`<DatagramTransport open sockname=127.0.0.1:${port}>`);
        again.close();
        yield* q.lost;
      })(),
    );
  });

  it('an error thrown by datagramReceived goes to the exception handler; the endpoint goes on', async () => {
    const seen: ExceptionContext[] = [];
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        loop.setExceptionHandler((_l, ctx) => seen.push(ctx));
        class Fussy extends Recorder {
          override datagramReceived(data: Uint8Array, addr: AddressInfo): void {
            super.datagramReceived(data, addr);
            if (dec(data) === 'bad') throw new Error('cannot parse');
          }
        }
        const [server, srv] = yield* loop.createDatagramEndpoint(() => new Fussy(), { localAddr: ['127.0.0.1', 0] });
        const port = (server.getExtraInfo('sockname') as AddressInfo).port;
        const [client, cli] = yield* loop.createDatagramEndpoint(() => new Recorder(), { remoteAddr: ['127.0.0.1', port] });
        client.sendto('bad');
        yield* srv.next();
        client.sendto('good');
        yield* srv.next();
        expect(srv.datagrams.map(([d]) => d)).to.deep.equal(['bad', 'good']);
        expect(server.isClosing()).to.equal(false);
        client.close();
        server.close();
        yield* cli.lost;
        yield* srv.lost;
      })(),
    );
    expect(seen).to.have.length(1);
    expect(String(seen[0].exception)).to.equal('Error: cannot parse');
  });

  it('allowBroadcast lets the endpoint send to a broadcast address; without it the kernel refuses (EACCES)', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const [plain, p] = yield* loop.createDatagramEndpoint(() => new Recorder(), { localAddr: ['0.0.0.0', 0] });
        plain.sendto('to all', ['255.255.255.255', 9]);
        yield* p.next();
        expect(p.errors[0]).to.be.instanceOf(PermissionError);
        expect(p.errors[0].message).to.equal('[Errno 13] Permission denied');
        const [broadcaster, b] = yield* loop.createDatagramEndpoint(() => new Recorder(), { localAddr: ['0.0.0.0', 0], allowBroadcast: true });
        broadcaster.sendto('to all', ['255.255.255.255', 9]);
        broadcaster.close(); // closes once the send is done: an error would come before connectionLost
        yield* b.lost;
        expect(b.events).to.deep.equal(['made', 'lost']);
        plain.close();
        yield* p.lost;
      })(),
    );
  });

  it('options: an unknown one is a TypeError naming it; reuseAddress: true is refused as by CPython; reusePort where Node has it', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const factory = () => new Recorder();
        const unknown = (yield* catching(() => loop.createDatagramEndpoint(factory, { localAddr: ['127.0.0.1', 0], allowBroadcasts: true } as never))) as Error;
        expect(unknown).to.be.instanceOf(TypeError);
        expect(unknown.message).to.match(/^createDatagramEndpoint\(\) got an unexpected option 'allowBroadcasts' \(it takes 'localAddr', 'remoteAddr', 'family', 'reuseAddress', 'reusePort', 'allowBroadcast'\)$/);
        const reuse = (yield* catching(() => loop.createDatagramEndpoint(factory, { localAddr: ['127.0.0.1', 0], reuseAddress: true }))) as Error;
        expect(reuse).to.be.instanceOf(ValueError);
        expect(reuse.message).to.equal(
          'Passing `reuseAddress: true` is no longer supported, as the usage of SO_REUSEPORT in UDP poses a significant security concern.',
        );
        const [t, p] = yield* loop.createDatagramEndpoint(factory, { localAddr: ['127.0.0.1', 0], reuseAddress: false });
        t.close();
        yield* p.lost;
        const [major, minor] = process.versions.node.split('.').map(Number);
        if (major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12)) {
          // Two sockets that both ask may share a port.
          const [a, pa] = yield* loop.createDatagramEndpoint(factory, { localAddr: ['127.0.0.1', 0], reusePort: true });
          const port = (a.getExtraInfo('sockname') as AddressInfo).port;
          const [b, pb] = yield* loop.createDatagramEndpoint(factory, { localAddr: ['127.0.0.1', port], reusePort: true });
          a.close();
          b.close();
          yield* pa.lost;
          yield* pb.lost;
        } else {
          const rp = (yield* catching(() => loop.createDatagramEndpoint(factory, { localAddr: ['127.0.0.1', 0], reusePort: true }))) as Error;
          expect(rp).to.be.instanceOf(ValueError);
          expect(rp.message).to.equal(`reusePort is not supported by Node ${process.versions.node} (dgram has it from Node 22.12 on)`);
        }
      })(),
    );
  });

  it('families: family alone binds the wildcard address; addresses of two families, or none, are ValueErrors as in CPython', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const factory = () => new Recorder();
        const [t, p] = yield* loop.createDatagramEndpoint(factory, { family: AF_INET });
        expect((t.getExtraInfo('sockname') as AddressInfo).address).to.equal('0.0.0.0');
        t.close();
        yield* p.lost;
        const none = (yield* catching(() => loop.createDatagramEndpoint(factory))) as Error;
        expect(none).to.be.instanceOf(ValueError);
        expect(none.message).to.equal('unexpected address family');
        const mixed = (yield* catching(() => loop.createDatagramEndpoint(factory, { localAddr: ['127.0.0.1', 0], remoteAddr: ['::1', 9] }))) as Error;
        expect(mixed).to.be.instanceOf(ValueError);
        expect(mixed.message).to.equal('can not get address information');
        const wrongFamily = (yield* catching(() => loop.createDatagramEndpoint(factory, { localAddr: ['127.0.0.1', 0], family: AF_INET6 }))) as Error;
        expect(wrongFamily).to.be.instanceOf(OSError); // 127.0.0.1 is no IPv6 address: getaddrinfo's error
        expect(wrongFamily.message).to.equal('[Errno -9] Address family for hostname not supported');
        const badFamily = (yield* catching(() => loop.createDatagramEndpoint(factory, { family: 99 }))) as Error;
        expect(badFamily).to.be.instanceOf(ValueError);
        expect(badFamily.message).to.equal("createDatagramEndpoint(): family must be 0 (any), 4 or 6 (Python's AF_INET, AF_INET6: 2, 10), got 99");
      })(),
    );
  });

  it('IPv6: an endpoint on ::1 sends to itself', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const [t, p] = yield* getRunningLoop().createDatagramEndpoint(() => new Recorder(), { localAddr: ['::1', 0], family: 6 });
        const me = t.getExtraInfo('sockname') as AddressInfo;
        expect(me.family).to.equal('IPv6');
        t.sendto('six', me);
        yield* p.next();
        expect(p.datagrams).to.deep.equal([['six', me]]);
        t.close();
        yield* p.lost;
      })(),
    );
  });

  it('failures to open: address in use, a name that does not resolve, a factory that throws (the socket is closed)', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const [t, p, port] = yield* listener();
        const inUse = (yield* catching(() => loop.createDatagramEndpoint(() => new Recorder(), { localAddr: ['127.0.0.1', port] }))) as OSError;
        expect(inUse).to.be.instanceOf(OSError);
        expect(inUse.message).to.equal('[Errno 98] Address already in use'); // as sock.bind() raises it in CPython
        expect(inUse.code).to.equal('EADDRINUSE');
        const unknown = (yield* catching(() => loop.createDatagramEndpoint(() => new Recorder(), { remoteAddr: ['nonexistent.invalid', 9] }))) as OSError;
        expect(unknown).to.be.instanceOf(OSError);
        expect(unknown.code).to.match(/^(ENOTFOUND|EAI_AGAIN)$/);
        t.close();
        yield* p.lost;
        const boom = (yield* catching(() =>
          loop.createDatagramEndpoint(() => {
            throw new Error('no protocol today');
          }, { localAddr: ['127.0.0.1', port] }),
        )) as Error;
        expect(boom.message).to.equal('no protocol today');
        // The failed endpoint's socket was closed: the port can be bound again.
        const [again, q] = yield* loop.createDatagramEndpoint(() => new Recorder(), { localAddr: ['127.0.0.1', port] });
        again.close();
        yield* q.lost;
      })(),
    );
  });

  it('checks its arguments before doing anything', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const factory = () => new Recorder();
        expect(() => loop.createDatagramEndpoint(42 as never)).to.throw(TypeError, /createDatagramEndpoint\(\) needs a protocol factory/);
        expect(() => loop.createDatagramEndpoint(factory, { localAddr: '127.0.0.1:80' as never })).to.throw(
          TypeError,
          /createDatagramEndpoint\(\): localAddr must be \[host, port\] or \{ address, port \}, got '127.0.0.1:80'/,
        );
        expect(() => loop.createDatagramEndpoint(factory, { localAddr: ['127.0.0.1', '80' as never] })).to.throw(TypeError, /the port of localAddr must be an integer, got '80'/);
        expect(() => loop.createDatagramEndpoint(factory, { remoteAddr: ['127.0.0.1', 0] })).to.throw(ValueError, /remoteAddr needs a port \(1-65535\), got 0/);
        expect(() => loop.createDatagramEndpoint(factory, 'options' as never)).to.throw(TypeError, /createDatagramEndpoint\(\) options must be an object, got 'options'/);
      })(),
    );
    const closed = new EventLoop();
    closed.close();
    expect(() => closed.createDatagramEndpoint(() => new Recorder(), { localAddr: ['127.0.0.1', 0] })).to.throw(RuntimeError, 'Event loop is closed');
  });

  it('an open endpoint is a host wait: a virtual clock does not jump past a datagram that is on its way', async () => {
    const order = await arun(
      (function* (): Coroutine<string[]> {
        const loop = getRunningLoop();
        const order: string[] = [];
        const [t, p, port] = yield* listener();
        const napper = createTask(
          (function* () {
            yield* sleep(3600);
            order.push(`the nap ends at t=${loop.time()}`);
          })(),
        );
        // A plain Node socket sends from outside the loop, a little later in real time.
        const sender = dgram.createSocket('udp4');
        setTimeout(() => sender.send('from outside', port, '127.0.0.1', () => sender.close()), 20);
        yield* p.next();
        order.push(`datagram at t=${loop.time()}`);
        t.close();
        yield* p.lost;
        yield* napper;
        return order;
      })(),
    );
    expect(order).to.deep.equal(['datagram at t=0', 'the nap ends at t=3600']);
  });

  it('closing the loop closes an endpoint it still owns: the socket is released', async () => {
    const loop = new EventLoop();
    const [t, p] = await loop.runUntilCompleteAsync(loop.createDatagramEndpoint(() => new Recorder(), { localAddr: ['127.0.0.1', 0] }));
    const port = (t.getExtraInfo('sockname') as AddressInfo).port;
    loop.close();
    expect(p.events).to.deep.equal(['made']); // no callback into a closed loop
    expect(t.isClosing()).to.equal(true);
    // The port is free again (a bind would fail with EADDRINUSE otherwise).
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.bind(port, '127.0.0.1', () => resolve());
    });
    probe.close();
  });
});
