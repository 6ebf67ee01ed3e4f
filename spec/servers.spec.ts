// lib/servers.ts: Server and loop.createServer over real loopback sockets, on
// the async driver with the virtual clock. Waits are for events, never time.
import { expect } from 'chai';
import * as net from 'node:net';
import {
  CancelledError,
  EventLoop,
  OSError,
  RuntimeError,
  Server,
  ValueError,
  asyncWith,
  createTask,
  getRunningLoop,
  openConnection,
  startServer,
  type Coroutine,
  type ExceptionContext,
  type Protocol,
  type StreamReader,
  type StreamWriter,
  type Task,
  type Transport,
} from '../lib';
import { arun, catching, hostPause } from './support';

const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Lets Node run for `ms` real milliseconds (a host wait; nothing is asserted about time). */
/** A handler that answers one line, then keeps the connection until the client ends it. */
function* answerThenHold(r: StreamReader, w: StreamWriter): Coroutine<void> {
  const line = yield* r.readline();
  w.write(line);
  yield* r.read(); // until the client's EOF
  w.close();
}

describe('servers: Server over real sockets', function () {
  this.timeout(20000);

  it('address(), isServing(), close(): waitClosed() waits for the connections it accepted', async () => {
    const order = await arun(
      (function* (): Coroutine<string[]> {
        const order: string[] = [];
        const server = yield* startServer(answerThenHold, '127.0.0.1', 0);
        expect(server).to.be.instanceOf(Server);
        expect(server.getLoop()).to.equal(getRunningLoop());
        expect(server.isServing()).to.equal(true);
        const { address, port } = server.address();
        expect(address).to.equal('127.0.0.1');
        expect(port).to.be.greaterThan(0);
        expect(String(server)).to.equal(`<Server 127.0.0.1:${port} clients=0>`);
        yield* server.startServing(); // already serving: nothing to do
        const [r, w] = yield* openConnection('127.0.0.1', port);
        w.write('hi\n');
        expect(dec(yield* r.readline())).to.equal('hi\n');
        expect(server._clients.size).to.equal(1);
        server.close();
        server.close(); // idempotent
        expect(server.isServing()).to.equal(false);
        expect(String(server)).to.equal('<Server closed>');
        expect(() => server.address()).to.throw(RuntimeError, 'closed');
        const waiting = createTask(
          (function* (): Coroutine<void> {
            yield* server.waitClosed();
            order.push('waitClosed returned');
          })(),
        );
        yield* hostPause(20);
        order.push('client ends');
        w.writeEof(); // the handler then closes its side
        yield* waiting;
        yield* server.waitClosed(); // at once now
        w.close();
        return order;
      })(),
    );
    expect(order).to.deep.equal(['client ends', 'waitClosed returned']);
  });

  it('refuses new connections once closed', async () => {
    const err = await arun(
      (function* (): Coroutine<unknown> {
        const server = yield* startServer(() => {}, '127.0.0.1', 0);
        const { port } = server.address();
        server.close();
        yield* server.waitClosed();
        try {
          yield* openConnection('127.0.0.1', port);
        } catch (e) {
          return e;
        }
        return null;
      })(),
    );
    expect(err).to.have.property('code', 'ECONNREFUSED');
  });

  it('serveForever() runs until cancelled, then closes the server, waits for its connections and re-raises', async () => {
    const result = await arun(
      (function* (): Coroutine<{ cancelled: boolean; serving: boolean }> {
        const server = yield* startServer(answerThenHold, '127.0.0.1', 0);
        const serving = createTask(server.serveForever());
        yield;
        expect(() => server.serveForever().next()).to.throw(RuntimeError, 'is already being awaited on serveForever()');
        const [r, w] = yield* openConnection('127.0.0.1', server.address().port);
        w.write('ping\n');
        expect(dec(yield* r.readline())).to.equal('ping\n');
        serving.cancel();
        yield* hostPause(10);
        expect(serving.done()).to.equal(false); // still waiting for our connection to end
        expect(server.isServing()).to.equal(false);
        w.writeEof();
        let cancelled = false;
        try {
          yield* serving;
        } catch (e) {
          cancelled = e instanceof CancelledError;
        }
        w.close();
        expect(() => server.serveForever().next()).to.throw(RuntimeError, 'is closed');
        expect(() => server.startServing().next()).to.throw(RuntimeError, 'is closed');
        return { cancelled, serving: server.isServing() };
      })(),
    );
    expect(result).to.deep.equal({ cancelled: true, serving: false });
  });

  it('close() ends a pending serveForever() too', async () => {
    const cancelled = await arun(
      (function* (): Coroutine<boolean> {
        const server = yield* startServer(() => {}, '127.0.0.1', 0);
        const serving = createTask(server.serveForever());
        yield;
        server.close();
        try {
          yield* serving;
        } catch (e) {
          return e instanceof CancelledError;
        }
        return false;
      })(),
    );
    expect(cancelled).to.equal(true);
  });

  it('as an async context manager, exit closes the server and waits', async () => {
    const [inside, after] = await arun(
      (function* (): Coroutine<[boolean, boolean]> {
        const server = yield* startServer(() => {}, '127.0.0.1', 0);
        const inside = yield* asyncWith(server, function* (s) {
          expect(s).to.equal(server);
          return s.isServing();
        });
        return [inside, server.isServing()];
      })(),
    );
    expect([inside, after]).to.deep.equal([true, false]);
  });

  it('closeClients() and abortClients() end the accepted connections (3.13)', async () => {
    const ends = await arun(
      (function* (): Coroutine<string[]> {
        const server = yield* startServer(function* (r): Coroutine<void> {
          yield* r.read();
        }, '127.0.0.1', 0);
        const { port } = server.address();
        const [r1] = yield* openConnection('127.0.0.1', port);
        const [r2] = yield* openConnection('127.0.0.1', port);
        while (server._clients.size < 2) yield* hostPause(2);
        const [a] = [...server._clients];
        a.abort();
        server.closeClients();
        server.abortClients(); // nothing left to abort that is not closing already
        const ends = [dec(yield* r1.read()), dec(yield* r2.read())];
        server.close();
        yield* server.waitClosed();
        return ends;
      })(),
    );
    expect(ends).to.deep.equal(['', '']);
  });

  for (const end of ['closeClients', 'abortClients'] as const) {
    it(`a server closed while its clients wait in read(): they wait on until ${end}(), then get EOF (or the reset); the loop goes on`, async () => {
      const result = await arun(
        (function* (): Coroutine<{ pendingAfterClose: number; outcomes: string[]; after: string }> {
          const server = yield* startServer(function* (r, w): Coroutine<void> {
            w.write('hello\n');
            yield* r.read(); // holds the connection until the client's EOF
          }, '127.0.0.1', 0);
          const { port } = server.address();
          const reads: Task<Uint8Array>[] = [];
          const writers: StreamWriter[] = [];
          for (let i = 0; i < 3; i++) {
            const [r, w] = yield* openConnection('127.0.0.1', port);
            writers.push(w);
            expect(dec(yield* r.readline())).to.equal('hello\n');
            reads.push(createTask(r.read())); // waits: the server says nothing more
          }
          while (server._clients.size < 3) yield* hostPause(1);
          server.close(); // stops listening; the accepted connections stay (asyncio's rule)
          yield* hostPause(20);
          const pendingAfterClose = reads.filter((t) => !t.done()).length;
          server[end]();
          const outcomes: string[] = [];
          for (const t of reads) {
            try {
              outcomes.push(`eof:${dec(yield* t)}`);
            } catch (e) {
              outcomes.push(`error:${(e as NodeJS.ErrnoException).code}`);
            }
          }
          yield* server.waitClosed();
          for (const w of writers) w.close();
          // The loop goes on: a new server serves a new client.
          const again = yield* startServer(answerThenHold, '127.0.0.1', 0);
          const [r, w] = yield* openConnection('127.0.0.1', again.address().port);
          w.write('again\n');
          const after = dec(yield* r.readline());
          w.writeEof();
          again.close();
          yield* again.waitClosed();
          return { pendingAfterClose, outcomes, after };
        })(),
      );
      expect(result.pendingAfterClose).to.equal(3);
      for (const o of result.outcomes) expect(end === 'closeClients' ? ['eof:'] : ['eof:', 'error:ECONNRESET']).to.include(o);
      expect(result.outcomes).to.have.length(3);
      expect(result.after).to.equal('again\n');
    });
  }

  it('loop.createServer with a plain protocol; a factory that throws is reported and the connection dropped', async () => {
    const seen: ExceptionContext[] = [];
    const got = await arun(
      (function* (): Coroutine<string> {
        const loop = getRunningLoop();
        loop.setExceptionHandler((_l, ctx) => seen.push(ctx));
        let fail = true;
        class Upper implements Protocol {
          t!: Transport;
          connectionMade(t: Transport) {
            this.t = t;
          }
          dataReceived(d: Uint8Array) {
            this.t.write(dec(d).toUpperCase());
            this.t.close();
          }
        }
        const server = yield* loop.createServer(() => {
          if (fail) {
            fail = false;
            throw new ValueError('factory failed');
          }
          return new Upper();
        }, '127.0.0.1', 0, { backlog: 5 });
        const [r1] = yield* openConnection('127.0.0.1', server.address().port);
        expect(dec(yield* r1.read())).to.equal(''); // dropped
        const [r2, w2] = yield* openConnection('127.0.0.1', server.address().port);
        w2.write('shout');
        const got = dec(yield* r2.read());
        server.close();
        yield* server.waitClosed();
        return got;
      })(),
    );
    expect(got).to.equal('SHOUT');
    expect(seen).to.have.length(1);
    expect(seen[0].message).to.equal('Error on transport creation for incoming connection');
    expect(seen[0].exception).to.be.instanceOf(ValueError);
  });

  it('a port in use raises the OS error (EADDRINUSE) and leaves nothing listening', async () => {
    const err = await arun(
      (function* (): Coroutine<unknown> {
        const first = yield* startServer(() => {}, '127.0.0.1', 0);
        try {
          yield* startServer(() => {}, '127.0.0.1', first.address().port);
        } catch (e) {
          return e;
        } finally {
          first.close();
        }
        return null;
      })(),
    );
    expect(err).to.have.property('code', 'EADDRINUSE');
  });

  for (const when of ['before Node hands it over', 'before the loop takes it']) {
    it(`a connection that arrives as the server closes is dropped (closed ${when})`, async () => {
      await arun(
        (function* (): Coroutine<void> {
          const loop = getRunningLoop();
          let made = 0;
          const server = yield* loop.createServer(() => {
            made++;
            return {};
          }, '127.0.0.1', 0);
          const sock = net.connect(server.address().port, '127.0.0.1');
          sock.on('error', () => {});
          const accepted = loop.createFuture<void>();
          const closeNow = () => {
            server.close();
            accepted.setResult(undefined);
          };
          const netServer = server._netServer as net.Server;
          if (when.startsWith('before Node')) netServer.prependOnceListener('connection', closeNow);
          else netServer.once('connection', closeNow);
          yield* accepted;
          yield* hostPause(10);
          expect(made).to.equal(0);
          sock.destroy();
          yield* server.waitClosed();
        })(),
      );
    });
  }

  it('reports what Node says went wrong with a listening socket', async () => {
    const seen: ExceptionContext[] = [];
    await arun(
      (function* (): Coroutine<void> {
        getRunningLoop().setExceptionHandler((_l, ctx) => seen.push(ctx));
        const server = yield* startServer(() => {}, '127.0.0.1', 0);
        server._netServer?.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }));
        yield* hostPause(1);
        server.close();
      })(),
    );
    expect(seen).to.have.length(1);
    expect(seen[0].message).to.equal('socket.accept() out of system resource');
    expect(seen[0].exception).to.have.property('code', 'EMFILE');
  });

  it('checks its arguments at the call', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const f = () => ({});
    expect(() => loop.createServer('x' as never, '127.0.0.1', 0)).to.throw(TypeError, 'protocol factory');
    expect(() => loop.createServer(f, 42 as never, 0)).to.throw(TypeError, 'host');
    expect(() => loop.createServer(f, '127.0.0.1', 65536)).to.throw(ValueError, 'port');
    expect(() => loop.createServer(f, '127.0.0.1', 0, null as never)).to.throw(TypeError, 'options must be an object');
    expect(() => loop.createServer(f, '127.0.0.1', 0, { backlog: 1.5 })).to.throw(TypeError, 'backlog');
    loop.close();
    expect(() => loop.createServer(f, '127.0.0.1', 0)).to.throw(RuntimeError, 'Event loop is closed');
  });
});

describe('servers: options (several hosts, startServing, reuseAddress, reusePort)', function () {
  this.timeout(20000);

  it('several hosts: one listening socket each, all serving; server.sockets lists them', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const server = yield* startServer(answerThenHold, ['127.0.0.1', '::1'], 0);
        expect(server.sockets).to.have.length(2);
        const [v4, v6] = server.sockets.map((s) => s.address() as net.AddressInfo);
        expect(v4).to.deep.include({ address: '127.0.0.1', family: 'IPv4' });
        expect(v6).to.deep.include({ address: '::1', family: 'IPv6' });
        expect(server.address()).to.deep.equal(v4); // address() is the first one's
        expect(String(server)).to.equal(`<Server 127.0.0.1:${v4.port}, ::1:${v6.port} clients=0>`);
        for (const a of [v4, v6]) {
          const [r, w] = yield* openConnection(a.address, a.port);
          w.write(`via ${a.address}\n`);
          expect(dec(yield* r.readline())).to.equal(`via ${a.address}\n`);
          w.close();
        }
        server.close();
        expect(server.sockets).to.deep.equal([]);
        yield* server.waitClosed();
      })(),
    );
  });

  it('a name is resolved and each address bound once; host \'\' is every interface, like null', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const server = yield* startServer(answerThenHold, ['localhost', '127.0.0.1'], 0);
        const addresses = server.sockets.map((s) => (s.address() as net.AddressInfo).address);
        expect(addresses).to.include('127.0.0.1');
        expect(new Set(addresses).size).to.equal(addresses.length); // 127.0.0.1 once, though named twice
        server.close();
        const everywhere = yield* startServer(answerThenHold, '', 0);
        const [r, w] = yield* openConnection('127.0.0.1', everywhere.address().port);
        w.write('anyone?\n');
        expect(dec(yield* r.readline())).to.equal('anyone?\n');
        w.close();
        everywhere.close();
        yield* everywhere.waitClosed();
      })(),
    );
  });

  it('a host name that does not resolve: Python\'s socket.gaierror, an OSError', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const err = yield* catching(startServer(answerThenHold, ['127.0.0.1', 'no-such-host.invalid'], 0));
        expect(err).to.be.instanceOf(OSError);
        expect((err as OSError).code).to.be.oneOf(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL']);
      })(),
    );
  });

  it('startServing: false — bound, with its address, serving nothing until startServing(); early connections wait', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        let made = 0;
        const server = yield* loop.createServer(
          () => {
            made++;
            return {
              connectionMade: (t: Transport) => t.write('welcome\n'),
            };
          },
          '127.0.0.1',
          0,
          { startServing: false },
        );
        expect(server.isServing()).to.equal(false);
        const port = server.address().port;
        expect(port).to.be.greaterThan(0);
        const [r, w] = yield* openConnection('127.0.0.1', port); // the kernel (and Node) accept it…
        yield* hostPause(20);
        expect(made, '… but no protocol is made yet').to.equal(0);
        yield* server.startServing();
        expect(server.isServing()).to.equal(true);
        expect(dec(yield* r.readline())).to.equal('welcome\n');
        expect(made).to.equal(1);
        yield* server.startServing(); // again: nothing to do
        w.close();
        server.close();
        expect(server.isServing()).to.equal(false);
        expect(yield* catching(server.startServing())).to.be.instanceOf(RuntimeError);
        yield* server.waitClosed();
      })(),
    );
  });

  it('startServing: false — serveForever() starts serving; close() before serving drops the waiting connections', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const server = yield* startServer(answerThenHold, '127.0.0.1', 0, { startServing: false });
        const forever = createTask(server.serveForever());
        yield* hostPause(1);
        expect(server.isServing()).to.equal(true);
        forever.cancel();
        yield* catching(forever);
        const idle = yield* startServer(answerThenHold, '127.0.0.1', 0, { startServing: false });
        const [r] = yield* openConnection('127.0.0.1', idle.address().port);
        while (idle._held.length === 0) yield* hostPause(5);
        idle.close();
        expect(dec(yield* r.read())).to.equal(''); // never served: dropped
        yield* idle.waitClosed();
      })(),
    );
  });

  it("a connection whose peer ended before the server listened to it still gets eofReceived and connectionLost", async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const events: string[] = [];
        const lost = loop.createFuture<void>();
        const server = yield* loop.createServer(
          () => ({
            connectionMade: () => events.push('made'),
            eofReceived: () => {
              events.push('eof');
            },
            connectionLost: () => {
              events.push('lost');
              lost.setResult(undefined);
            },
          }),
          '127.0.0.1',
          0,
          { startServing: false },
        );
        const sock = net.connect(server.address().port, '127.0.0.1', () => sock.end()); // connects and ends at once, sending nothing
        while (server._held.length === 0 || !server._held[0].readableEnded) yield* hostPause(5); // Node has seen the EOF
        yield* server.startServing();
        yield* lost;
        expect(events).to.deep.equal(['made', 'eof', 'lost']);
        sock.destroy();
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('reuseAddress: Node\'s behaviour (SO_REUSEADDR on Unix) is accepted, the other refused; a closed port is reusable at once', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const onUnix = process.platform !== 'win32';
        const first = yield* startServer(answerThenHold, '127.0.0.1', 0, { reuseAddress: onUnix });
        const port = first.address().port;
        const [r, w] = yield* openConnection('127.0.0.1', port);
        w.write('x\n');
        yield* r.readline();
        first.closeClients(); // the server's side closes first: its end of the connection lingers in TIME_WAIT
        w.close();
        first.close();
        yield* first.waitClosed();
        const again = yield* startServer(answerThenHold, '127.0.0.1', port, { reuseAddress: onUnix });
        expect(again.address().port).to.equal(port);
        again.close();
        expect(() => startServer(answerThenHold, '127.0.0.1', 0, { reuseAddress: !onUnix })).to.throw(ValueError, `reuseAddress ${!onUnix} is not possible`);
      })(),
    );
  });

  it('reusePort: servers share a port where Node has it; elsewhere a ValueError, never silently ignored', async () => {
    const [major, minor] = process.versions.node.split('.').map(Number);
    const nodeHasIt = major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
    if (!nodeHasIt) {
      expect(() => startServer(answerThenHold, '127.0.0.1', 0, { reusePort: true })).to.throw(ValueError, 'reuse_port not supported by socket module');
      expect(() => startServer(answerThenHold, '127.0.0.1', 0, { reusePort: false })).to.not.throw();
      return;
    }
    await arun(
      (function* (): Coroutine<void> {
        const a = yield* startServer(answerThenHold, '127.0.0.1', 0, { reusePort: true });
        const b = yield* startServer(answerThenHold, '127.0.0.1', a.address().port, { reusePort: true });
        expect(b.address().port).to.equal(a.address().port);
        a.close();
        b.close();
      })(),
    );
  });

  it('checks the options at the call: unknown keys, hosts, startServing', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const f = () => ({});
    expect(() => loop.createServer(f, '127.0.0.1', 0, { reuse_port: true } as never)).to.throw(
      TypeError,
      "createServer() got an unexpected option 'reuse_port' (it takes 'backlog', 'ssl', 'sslHandshakeTimeout', 'reuseAddress', 'reusePort', 'startServing')",
    );
    expect(() => startServer(() => {}, '127.0.0.1', 0, { limt: 5 } as never)).to.throw(TypeError, "startServer() got an unexpected option 'limt'");
    expect(() => loop.createServer(f, [], 0)).to.throw(TypeError, 'a non-empty list of strings');
    expect(() => loop.createServer(f, ['127.0.0.1', 7] as never, 0)).to.throw(TypeError, 'host');
    expect(() => loop.createServer(f, '127.0.0.1', 0, { startServing: 'no' as never })).to.throw(TypeError, 'startServing must be true or false');
    expect(() => loop.createServer(f, '127.0.0.1', 0, { reusePort: 1 as never })).to.throw(TypeError, 'reusePort must be true or false');
    loop.close();
  });
});
