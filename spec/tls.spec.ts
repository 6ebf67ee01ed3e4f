// lib/tls.ts: TLS clients and servers on real loopback sockets, with the TEST-ONLY
// certificate of spec/fixtures/tls. The async driver; the virtual clock except where a
// handshake timeout must fire (the real clock then: a virtual one cannot move while
// the handshake waits for the network). Nothing asserts how long anything takes.
import { expect } from 'chai';
import * as net from 'node:net';
import * as tls from 'node:tls';
import {
  ConnectionAbortedError,
  ConnectionRefusedError,
  NotImplementedError,
  OSError,
  SSLCertVerificationError,
  SSLError,
  RuntimeError,
  ValueError,
  createTask,
  getRunningLoop,
  openConnection,
  run,
  startServer,
  type Coroutine,
  type ExceptionContext,
  type Protocol,
  type Server,
  type StreamReader,
  type StreamWriter,
  type Transport,
} from '../lib';
import { arun, catching, closedPort, expectEachThrows, hostPause, testTls, throws, type ErrorClass } from './support';

const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const { cert, key } = testTls;
const trusting = { ca: cert }; // a client that trusts the test certificate

/** Echoes lines until EOF, then closes. */
function* echo(r: StreamReader, w: StreamWriter): Coroutine<void> {
  let line: Uint8Array;
  while ((line = yield* r.readline()).length > 0) {
    w.write(line);
    yield* w.drain();
  }
  w.close();
}

/** A TLS echo server on 127.0.0.1 with the test certificate. */
function* tlsServer(options: { sslHandshakeTimeout?: number; requestCert?: boolean } = {}): Coroutine<Server> {
  const ssl: tls.TlsOptions = { key, cert };
  if (options.requestCert) Object.assign(ssl, { requestCert: true, ca: cert });
  return yield* startServer(echo, '127.0.0.1', 0, { ssl, sslHandshakeTimeout: options.sslHandshakeTimeout });
}

/** Sends one line and reads the echo. */
function* roundTrip(r: StreamReader, w: StreamWriter, text: string): Coroutine<string> {
  w.write(`${text}\n`);
  return dec(yield* r.readline());
}

/** A plain TCP server whose connections send `greeting` (if any) and then say nothing more; `ended[i]` once connection i ended. */
function* silentServer(greeting = ''): Coroutine<{ port: number; sockets: net.Socket[]; ended: boolean[]; close(): void }> {
  const sockets: net.Socket[] = [];
  const ended: boolean[] = [];
  const s = net.createServer((sock) => {
    const i = sockets.push(sock) - 1;
    ended[i] = false;
    sock.on('error', () => {});
    sock.on('close', () => (ended[i] = true));
    sock.resume(); // read and drop what comes (the ClientHello)
    if (greeting) sock.write(greeting);
  });
  yield* hostListen(s);
  return { port: (s.address() as net.AddressInfo).port, sockets, ended, close: () => { for (const c of sockets) c.destroy(); s.close(); } };
}

/** Reads to EOF; a reset counts as the end too. */
function* readToEnd(r: StreamReader): Coroutine<string> {
  try {
    return dec(yield* r.read());
  } catch {
    return '';
  }
}

function* hostListen(s: net.Server): Coroutine<void> {
  const loop = getRunningLoop();
  const f = loop.createFuture<void>();
  const release = loop._holdHostWait();
  s.listen(0, '127.0.0.1', () => {
    release();
    f.setResult(undefined);
  });
  yield* f;
}

describe('tls: clients and servers over real sockets', function () {
  this.timeout(30000);

  it('a TLS echo: the handshake first, then lines both ways; extra info peercert, cipher, sslObject', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const server = yield* tlsServer();
        expect(String(server)).to.match(/^<Server 127\.0\.0\.1:\d+ tls clients=0>$/);
        const [r, w] = yield* openConnection('127.0.0.1', server.address().port, { ssl: trusting });
        expect(yield* roundTrip(r, w, 'hello over TLS')).to.equal('hello over TLS\n');
        const sslObject = w.getExtraInfo('sslObject');
        expect(sslObject).to.be.instanceOf(tls.TLSSocket);
        expect(w.getExtraInfo('socket')).to.equal(sslObject);
        const peercert = w.getExtraInfo('peercert');
        expect(peercert?.subject.CN).to.equal('localhost');
        expect(w.getExtraInfo('cipher')?.version).to.match(/^TLSv1\.[23]$/);
        expect((w.getExtraInfo('peername') as net.AddressInfo).port).to.equal(server.address().port);
        expect(String(w.transport)).to.match(/^<SocketTransport open tls peer=127\.0\.0\.1:\d+ /);
        // The server's side: a transport over a TLSSocket too; the client sent no certificate.
        const [serverSide] = [...server._clients];
        expect(serverSide.getExtraInfo('sslObject')).to.be.instanceOf(tls.TLSSocket);
        expect(serverSide.getExtraInfo('peercert')).to.equal(null);
        w.close();
        yield* w.waitClosed();
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('no half-close over TLS: canWriteEof() is false, writeEof() a NotImplementedError; the peer\'s EOF ends the connection', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const ended = loop.createFuture<string>();
        const server = yield* startServer(
          function* (r: StreamReader, w: StreamWriter): Coroutine<void> {
            const all = yield* r.read(); // until the client's EOF
            ended.setResult(dec(all));
            w.write('too late'); // the connection is closing: dropped, as asyncio does
          },
          '127.0.0.1',
          0,
          { ssl: { key, cert } },
        );
        const [r, w] = yield* openConnection('localhost', server.address().port, { ssl: trusting });
        expect(w.canWriteEof()).to.equal(false);
        const err = (() => {
          try {
            w.writeEof();
          } catch (e) {
            return e;
          }
          return null;
        })();
        expect(err).to.be.instanceOf(NotImplementedError).and.instanceOf(RuntimeError);
        expect((err as Error).message).to.contain('cannot be half-closed');
        w.write('bye');
        w.close(); // TLS close_notify, then FIN
        expect(yield* ended).to.equal('bye');
        expect(dec(yield* r.read())).to.equal('');
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('certificates are verified by default: ssl: true against a self-signed certificate fails, in Python\'s words', async () => {
    const seen: ExceptionContext[] = [];
    await arun(
      (function* (): Coroutine<void> {
        getRunningLoop().setExceptionHandler((_l, ctx) => seen.push(ctx));
        const server = yield* tlsServer();
        const port = server.address().port;
        const err = (yield* catching(openConnection('127.0.0.1', port, { ssl: true }))) as Error & Record<string, unknown>;
        expect(err).to.be.instanceOf(SSLCertVerificationError).and.instanceOf(SSLError).and.instanceOf(OSError);
        expect(err.message).to.equal('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate');
        expect(err).to.include({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', library: 'SSL', reason: 'CERTIFICATE_VERIFY_FAILED', verifyCode: 18, verifyMessage: 'self-signed certificate' });
        expect(err.cause).to.be.instanceOf(Error);
        // The same through the protocol API.
        const err2 = (yield* catching(getRunningLoop().createConnection(() => ({}), '127.0.0.1', port, { ssl: {} }))) as Error;
        expect(err2.name).to.equal('SSLCertVerificationError');
        // The server drops the failed handshakes quietly and goes on serving.
        const [r, w] = yield* openConnection('127.0.0.1', port, { ssl: trusting });
        expect(yield* roundTrip(r, w, 'still serving')).to.equal('still serving\n');
        w.close();
        server.close();
        yield* server.waitClosed();
      })(),
    );
    expect(seen).to.deep.equal([]);
  });

  it('the server\'s name is checked: a wrong hostname, a wrong IP address; serverHostname defaults to the host', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const server = yield* tlsServer();
        const port = server.address().port;
        const wrongName = (yield* catching(openConnection('127.0.0.1', port, { ssl: trusting, serverHostname: 'example.com' }))) as Error;
        expect(wrongName.name).to.equal('SSLCertVerificationError');
        expect(wrongName.message).to.equal("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'example.com'.");
        const wrongIp = (yield* catching(openConnection('127.0.0.1', port, { ssl: trusting, serverHostname: '10.0.0.1' }))) as Error;
        expect(wrongIp.message).to.equal("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address mismatch, certificate is not valid for '10.0.0.1'.");
        // By default the name is the host connected to: 'localhost' and '127.0.0.1' are both in the certificate.
        for (const host of ['localhost', '127.0.0.1']) {
          const [r, w] = yield* openConnection(host, port, { ssl: trusting });
          expect(yield* roundTrip(r, w, host)).to.equal(`${host}\n`);
          w.close();
        }
        // serverHostname given: the name sent and checked is that one, whatever was connected to.
        const [r, w] = yield* openConnection('127.0.0.1', port, { ssl: trusting, serverHostname: 'localhost' });
        expect(w.getExtraInfo('sslObject')?.servername).to.equal('localhost');
        w.close();
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('only the options turn checks off: serverHostname \'\' skips the name check, rejectUnauthorized: false the verification', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const server = yield* tlsServer();
        const port = server.address().port;
        const [r1, w1] = yield* openConnection('127.0.0.1', port, { ssl: trusting, serverHostname: '' });
        expect(yield* roundTrip(r1, w1, 'no name check')).to.equal('no name check\n');
        w1.close();
        const [r2, w2] = yield* openConnection('127.0.0.1', port, { ssl: { rejectUnauthorized: false }, serverHostname: 'example.com' });
        expect(yield* roundTrip(r2, w2, 'no verification')).to.equal('no verification\n');
        expect(w2.getExtraInfo('sslObject')?.authorized).to.equal(false);
        w2.close();
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('a misspelt ssl option is a TypeError naming it, never a plaintext connection', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const server = yield* tlsServer();
        const port = server.address().port;
        const err = (yield* catching(() => openConnection('127.0.0.1', port, { sll: true } as never))) as Error;
        expect(err).to.be.instanceOf(TypeError);
        expect(err.message).to.match(/^openConnection\(\) got an unexpected option 'sll' \(it takes 'ssl', 'serverHostname', 'sslHandshakeTimeout', /);
        expect(server._clients.size + server._handshakes.size).to.equal(0); // nothing was even attempted
        server.close();
      })(),
    );
  });

  it('a TLS client that meets a plaintext server fails with SSLError, naming OpenSSL\'s reason', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const plain = yield* silentServer('HTTP/1.0 200 OK\r\nthis is not TLS at all\r\n\r\n');
        const err = (yield* catching(openConnection('127.0.0.1', plain.port, { ssl: true }))) as Error & Record<string, unknown>;
        expect(err).to.be.instanceOf(SSLError).and.not.instanceOf(SSLCertVerificationError);
        expect(err.message).to.equal('[SSL: WRONG_VERSION_NUMBER] wrong version number');
        expect(err).to.include({ code: 'ERR_SSL_WRONG_VERSION_NUMBER', library: 'SSL', reason: 'WRONG_VERSION_NUMBER' });
        plain.close();
      })(),
    );
  });

  it('a plaintext client that meets a TLS server is dropped quietly; the server goes on', async () => {
    const seen: ExceptionContext[] = [];
    await arun(
      (function* (): Coroutine<void> {
        getRunningLoop().setExceptionHandler((_l, ctx) => seen.push(ctx));
        const server = yield* tlsServer();
        const port = server.address().port;
        const [r, w] = yield* openConnection('127.0.0.1', port);
        w.write('GET / HTTP/1.0\r\n\r\n');
        // The server hangs up: the client reads to the end (at most a TLS alert, never an echo) or gets a reset.
        const heard = yield* readToEnd(r);
        expect(heard).to.not.contain('GET');
        expect(server._handshakes.size).to.equal(0);
        expect(server._clients.size).to.equal(0);
        const [r2, w2] = yield* openConnection('127.0.0.1', port, { ssl: trusting });
        expect(yield* roundTrip(r2, w2, 'next')).to.equal('next\n');
        w2.close();
        server.close();
        yield* server.waitClosed();
      })(),
    );
    expect(seen).to.deep.equal([]);
  });

  it('a refused TLS connection is ConnectionRefusedError, as for plain TCP', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const port = yield* closedPort();
        const err = yield* catching(openConnection('127.0.0.1', port, { ssl: true }));
        expect(err).to.be.instanceOf(ConnectionRefusedError).with.property('code', 'ECONNREFUSED');
      })(),
    );
  });

  it('a handshake that takes too long is aborted: ConnectionAbortedError with asyncio\'s message (client side)', async () => {
    await run(
      (function* (): Coroutine<void> {
        const silent = yield* silentServer(); // accepts, never answers the ClientHello
        const err = (yield* catching(openConnection('127.0.0.1', silent.port, { ssl: true, sslHandshakeTimeout: 0.25 }))) as Error;
        expect(err).to.be.instanceOf(ConnectionAbortedError).and.instanceOf(OSError);
        expect(err.message).to.equal('SSL handshake is taking longer than 0.25 seconds: aborting the connection');
        expect(err).to.include({ errno: null, code: null }); // Python's: ConnectionAbortedError(msg), no errno
        // The socket was given back: the server sees the connection end.
        while (!silent.ended[0]) yield* hostPause(5); // (a hang here is the failure)
        // Seconds print as Python prints a float.
        const err1 = (yield* catching(getRunningLoop().createConnection(() => ({}), '127.0.0.1', silent.port, { ssl: true, sslHandshakeTimeout: 1 }))) as Error;
        expect(err1.message).to.equal('SSL handshake is taking longer than 1.0 seconds: aborting the connection');
        silent.close();
      })(),
    );
  });

  it('a server drops a connection whose handshake takes too long; waitClosed() counts connections still in their handshake', async () => {
    await run(
      (function* (): Coroutine<void> {
        const server = yield* tlsServer({ sslHandshakeTimeout: 0.25 });
        const [r] = yield* openConnection('127.0.0.1', server.address().port); // plain TCP, never says hello
        while (server._handshakes.size === 0) yield* hostPause(5);
        server.close();
        const closed = createTask(server.waitClosed());
        yield* hostPause(20);
        expect(closed.done(), 'waitClosed() waits for the connection in its handshake').to.equal(false);
        expect(yield* readToEnd(r)).to.equal(''); // the server hung up
        yield* closed;
        expect(server._handshakes.size).to.equal(0);
      })(),
    );
  });

  it('closeClients() drops the connections still in their handshake too', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const server = yield* tlsServer();
        const [r] = yield* openConnection('127.0.0.1', server.address().port);
        while (server._handshakes.size === 0) yield* hostPause(5);
        server.close();
        server.closeClients();
        yield* server.waitClosed();
        expect(yield* readToEnd(r)).to.equal('');
        const server2 = yield* tlsServer();
        const [r2] = yield* openConnection('127.0.0.1', server2.address().port);
        while (server2._handshakes.size === 0) yield* hostPause(5);
        server2.abortClients();
        expect(yield* readToEnd(r2)).to.equal('');
        server2.close();
        yield* server2.waitClosed();
      })(),
    );
  });

  it('cancelled during the handshake, openConnection gives the socket back', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const silent = yield* silentServer();
        const task = createTask(openConnection('127.0.0.1', silent.port, { ssl: true }));
        while (silent.sockets.length === 0) yield* hostPause(5);
        yield* hostPause(20); // the ClientHello is out; no answer comes
        task.cancel();
        expect(yield* catching(task)).to.have.property('name', 'CancelledError');
        while (!silent.ended[0]) yield* hostPause(5); // (a hang here is the failure)
        silent.close();
      })(),
    );
  });

  it('loop.createConnection with ssl: connectionMade comes once the handshake is done', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const server = yield* tlsServer();
        const got = loop.createFuture<string>();
        const events: string[] = [];
        class Client implements Protocol {
          connectionMade(t: Transport): void {
            events.push(`made with sslObject: ${t.getExtraInfo('sslObject') instanceof tls.TLSSocket}`);
            t.write('protocol over TLS\n');
          }
          dataReceived(data: Uint8Array): void {
            got.setResult(dec(data));
          }
          connectionLost(exc: Error | null): void {
            events.push(`lost ${exc}`);
          }
        }
        const [transport] = yield* loop.createConnection(() => new Client(), 'localhost', server.address().port, { ssl: trusting, sslHandshakeTimeout: 5 });
        expect(yield* got).to.equal('protocol over TLS\n');
        transport.close();
        yield* hostPause(10);
        expect(events).to.deep.equal(['made with sslObject: true', 'lost null']);
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('client certificates: a server that asks for one accepts a trusted one, refuses none and an untrusted one', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const subjects: string[] = [];
        const server = yield* startServer(
          function* (r: StreamReader, w: StreamWriter): Coroutine<void> {
            subjects.push(String(w.getExtraInfo('peercert')?.subject.CN));
            yield* echo(r, w);
          },
          '127.0.0.1',
          0,
          { ssl: { key, cert, ca: cert, requestCert: true } },
        );
        const port = server.address().port;
        const [r, w] = yield* openConnection('localhost', port, { ssl: { ca: cert, cert, key } });
        expect(yield* roundTrip(r, w, 'mutual')).to.equal('mutual\n');
        w.close();
        for (const ssl of [trusting, { ca: cert, cert: testTls.strangerCert, key: testTls.strangerKey }]) {
          // TLS 1.3: the client's handshake is done before the server judged its certificate; the refusal shows as an error or EOF.
          const outcome = yield* catching(function* () {
            const [r2, w2] = yield* openConnection('localhost', port, { ssl });
            w2.write('let me in\n');
            const line = yield* r2.readline();
            throw Object.assign(new Error('read'), { line: dec(line) });
          });
          expect((outcome as { line?: string }).line ?? '').to.equal('');
        }
        yield* hostPause(20);
        expect(subjects).to.deep.equal(['localhost']);
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('checks the TLS options at the call, with asyncio\'s messages', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const f = () => ({});
        const cases: [() => unknown, ErrorClass, string][] = [
          [() => openConnection('h', 1, { serverHostname: 'h' }), ValueError, 'server_hostname is only meaningful with ssl'],
          [() => openConnection('h', 1, { ssl: false, serverHostname: 'h' }), ValueError, 'server_hostname is only meaningful with ssl'],
          [() => openConnection('h', 1, { sslHandshakeTimeout: 1 }), ValueError, 'ssl_handshake_timeout is only meaningful with ssl'],
          [() => openConnection('h', 1, { ssl: true, sslHandshakeTimeout: 0 }), ValueError, 'ssl_handshake_timeout should be a positive number, got 0'],
          [() => openConnection('h', 1, { ssl: true, sslHandshakeTimeout: -1 }), ValueError, 'ssl_handshake_timeout should be a positive number, got -1'],
          [() => openConnection('h', 1, { ssl: true, sslHandshakeTimeout: '1' as never }), TypeError, 'sslHandshakeTimeout must be a number'],
          [() => openConnection('h', 1, { ssl: 'yes' as never }), TypeError, 'ssl must be true, false or Node\'s TLS options'],
          [() => openConnection('h', 1, { ssl: true, serverHostname: 42 as never }), TypeError, 'serverHostname must be a string'],
          [() => loop.createConnection(f, 'h', 1, { serverHostname: 'h' }), ValueError, 'server_hostname is only meaningful with ssl'],
          [() => startServer(echo, '127.0.0.1', 0, { ssl: true as never }), TypeError, "a server's ssl must be Node's TLS options"],
          [() => startServer(echo, '127.0.0.1', 0, { ssl: { ca: cert } }), ValueError, 'a TLS server needs its certificate'],
          [() => startServer(echo, '127.0.0.1', 0, { sslHandshakeTimeout: 5 }), ValueError, 'ssl_handshake_timeout is only meaningful with ssl'],
          [() => loop.createServer(f, '127.0.0.1', 0, { ssl: { key, cert }, sslHandshakeTimeout: 0 }), ValueError, 'ssl_handshake_timeout should be a positive number, got 0'],
        ];
        expectEachThrows(cases);
        // Bad PEM is Node's error, at the call too.
        expect(throws(() => startServer(echo, '127.0.0.1', 0, { ssl: { key: 'not a key', cert: 'not a cert' } }))).to.be.instanceOf(Error);
      })(),
    );
  });
});
