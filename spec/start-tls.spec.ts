// lib/start-tls.ts: upgrading live connections to TLS (STARTTLS), with streams
// (writer.startTls) and with protocols (loop.startTls), client and server side, on real
// loopback sockets and the TEST-ONLY certificate of spec/fixtures/tls.
import { expect } from 'chai';
import * as tls from 'node:tls';
import {
  ConnectionAbortedError,
  ConnectionResetError,
  RuntimeError,
  SSLCertVerificationError,
  ValueError,
  createSubprocessExec,
  getRunningLoop,
  openConnection,
  run,
  startServer,
  PIPE,
  type Coroutine,
  type Future,
  type Protocol,
  type StreamReader,
  type StreamWriter,
  type Transport,
} from '../lib';
import { arun, catching, expectEachThrows, hostPause, testTls, throws, type ErrorClass } from './support';

const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const { cert, key } = testTls;

/** A STARTTLS server: answers 'GO' to 'STARTTLS', upgrades, then echoes lines over TLS. */
function* starttlsServer(r: StreamReader, w: StreamWriter): Coroutine<void> {
  const command = dec(yield* r.readline());
  if (command !== 'STARTTLS\n') throw new Error(`unexpected ${command}`);
  w.write('GO\n');
  yield* w.startTls({ key, cert }); // a server's streams take the server side
  let line: Uint8Array;
  while ((line = yield* r.readline()).length > 0) {
    w.write(`secret ${dec(line)}`);
    yield* w.drain();
  }
  w.close();
}

/** A protocol that records what it receives; `got` resolves once `expect` bytes came. */
class Recorder implements Protocol {
  events: string[] = [];
  data = '';
  transport!: Transport;
  waiting: { text: string; fut: Future<void> } | null = null;
  lost: Future<Error | null> = getRunningLoop().createFuture();
  connectionMade(t: Transport): void {
    this.transport = t;
    this.events.push('made');
  }
  dataReceived(data: Uint8Array): void {
    this.data += dec(data);
    if (this.waiting !== null && this.data.includes(this.waiting.text)) {
      this.waiting.fut.setResult(undefined);
      this.waiting = null;
    }
  }
  connectionLost(exc: Error | null): void {
    this.events.push(`lost ${exc === null ? 'null' : exc.name}`);
    this.lost.setResult(exc);
  }
  *until(text: string): Coroutine<void> {
    if (this.data.includes(text)) return;
    const fut = getRunningLoop().createFuture<void>();
    this.waiting = { text, fut };
    yield* fut;
  }
}

describe('startTls: upgrading a connection to TLS', function () {
  this.timeout(30000);

  it('writer.startTls(): plaintext first, then the same streams speak TLS, on both sides', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const server = yield* startServer(starttlsServer, '127.0.0.1', 0);
        const [r, w] = yield* openConnection('127.0.0.1', server.address().port);
        const plainTransport = w.transport;
        expect(w.getExtraInfo('sslObject')).to.equal(undefined);
        w.write('STARTTLS\n');
        expect(dec(yield* r.readline())).to.equal('GO\n');
        yield* w.startTls({ ca: cert }, { serverHostname: 'localhost' });
        expect(w.transport).to.not.equal(plainTransport);
        expect(w.getExtraInfo('sslObject')).to.be.instanceOf(tls.TLSSocket);
        expect(w.getExtraInfo('peercert')?.subject.CN).to.equal('localhost');
        expect(w.canWriteEof()).to.equal(false);
        // The old transport is finished with: closing, and writing to it is an error.
        expect(plainTransport.isClosing()).to.equal(true);
        expect(() => plainTransport.write('plaintext!')).to.throw(RuntimeError, 'upgraded to TLS by startTls()');
        w.write('one\n');
        expect(dec(yield* r.readline())).to.equal('secret one\n');
        w.write('two\n');
        expect(dec(yield* r.readline())).to.equal('secret two\n');
        w.close();
        yield* w.waitClosed();
        server.close();
        yield* server.waitClosed(); // the server's upgraded transport replaced the plain one in its clients
      })(),
    );
  });

  it('loop.startTls(): the protocol keeps receiving through the new transport, with no second connectionMade', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const server = yield* startServer(starttlsServer, '127.0.0.1', 0);
        const [transport, client] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', server.address().port);
        transport.write('STARTTLS\n');
        yield* client.until('GO\n');
        const secure = yield* loop.startTls(transport, client, { ca: cert }); // serverHostname: the host connected to, 127.0.0.1
        expect(secure).to.not.equal(transport);
        expect(secure.getProtocol()).to.equal(client);
        expect(secure.getExtraInfo('sslObject')).to.be.instanceOf(tls.TLSSocket);
        expect(transport.isClosing()).to.equal(true);
        transport.close(); // the old one: nothing left to close
        secure.write('hello\n');
        yield* client.until('secret hello\n');
        secure.close();
        yield* client.lost;
        expect(client.events).to.deep.equal(['made', 'lost null']);
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('loop.startTls() on the server side, with protocols at both ends', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const asked = loop.createFuture<void>();
        class ServerSide extends Recorder {
          override dataReceived(data: Uint8Array): void {
            super.dataReceived(data);
            if (this.data === 'STARTTLS\n') {
              this.transport.write('GO\n');
              asked.setResult(undefined);
            } else if (this.data.endsWith('ping\n')) {
              this.transport.write('pong\n');
            }
          }
        }
        let serverProtocol!: ServerSide;
        const server = yield* loop.createServer(() => (serverProtocol = new ServerSide()), '127.0.0.1', 0);
        const [transport, client] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', server.address().port);
        transport.write('STARTTLS\n');
        yield* asked;
        const serverTask = loop.createTask(loop.startTls(serverProtocol.transport, serverProtocol, { key, cert }, { serverSide: true }));
        yield* client.until('GO\n');
        const secure = yield* loop.startTls(transport, client, { ca: cert }, { serverHostname: 'localhost', sslHandshakeTimeout: 5 });
        serverProtocol.transport = yield* serverTask; // the server's protocol writes through its new transport from now on
        expect(serverProtocol.transport.getExtraInfo('sslObject')).to.be.instanceOf(tls.TLSSocket);
        expect([...server._clients]).to.deep.equal([serverProtocol.transport]);
        secure.write('ping\n');
        yield* client.until('pong\n');
        expect(serverProtocol.events).to.deep.equal(['made']);
        secure.close();
        yield* serverProtocol.lost;
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('what was written before startTls() goes out first, in plaintext', async () => {
    const chunk = 1024 * 1024;
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        let serverSide!: Recorder;
        const server = yield* loop.createServer(() => (serverSide = new Recorder()), '127.0.0.1', 0);
        const [r, w] = yield* openConnection('127.0.0.1', server.address().port);
        yield* hostPause(10);
        // The server writes what the client does not read yet — until some of it must wait in the
        // transport's buffer — and upgrades at once.
        let size = 0;
        while (serverSide.transport.getWriteBufferSize() === 0) {
          serverSide.transport.write(new Uint8Array(chunk).fill(0x61));
          size += chunk;
        }
        const upgrading = loop.createTask(loop.startTls(serverSide.transport, serverSide, { key, cert }, { serverSide: true }));
        const plain = yield* r.readexactly(size);
        expect(plain.every((b) => b === 0x61)).to.equal(true);
        yield* w.startTls({ ca: cert }, { serverHostname: 'localhost' });
        const secure = yield* upgrading;
        w.write('the secret\n');
        yield* serverSide.until('the secret\n');
        secure.write('and back\n');
        expect(dec(yield* r.readline())).to.equal('and back\n');
        w.close();
        yield* serverSide.lost;
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('bytes the old transport received but had not delivered yet go to TLS (a ClientHello that came early)', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        let serverSide!: Recorder;
        const server = yield* loop.createServer(
          () => {
            serverSide = new Recorder();
            return serverSide;
          },
          '127.0.0.1',
          0,
        );
        const [transport, client] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', server.address().port);
        yield* hostPause(10);
        serverSide.transport.pauseReading(); // nothing is delivered from here on
        const clientTask = loop.createTask(loop.startTls(transport, client, { ca: cert }, { serverHostname: 'localhost' }));
        // The ClientHello arrives at the server. Reading it from Node's buffer hands it to the paused transport
        // (a 'data' event), which keeps it undelivered: as if Node had handed it over just before the upgrade.
        const transportState = serverSide.transport as unknown as { _sock: import('node:net').Socket; _inbox: { length: number } };
        while (transportState._sock.readableLength === 0) yield* hostPause(5);
        transportState._sock.read();
        expect(transportState._inbox.length).to.equal(1);
        const serverSecure = yield* loop.startTls(serverSide.transport, serverSide, { key, cert }, { serverSide: true, sslHandshakeTimeout: 5 });
        const secure = yield* clientTask;
        secure.write('through\n');
        yield* serverSide.until('through\n');
        expect(serverSide.data).to.equal('through\n'); // the hello never reached the protocol
        secure.close();
        serverSecure.close();
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('a failed upgrade raises its reason; the protocol gets connectionLost with it', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const serverFailures: unknown[] = [];
        const server = yield* startServer(
          function* (r: StreamReader, w: StreamWriter): Coroutine<void> {
            yield* r.readline();
            w.write('GO\n');
            serverFailures.push(yield* catching(w.startTls({ key, cert })));
          },
          '127.0.0.1',
          0,
        );
        const [transport, client] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', server.address().port);
        transport.write('STARTTLS\n');
        yield* client.until('GO\n');
        const err = (yield* catching(loop.startTls(transport, client, true))) as Error; // Node's CAs: the test certificate is not among them
        expect(err).to.be.instanceOf(SSLCertVerificationError);
        expect(err.message).to.equal('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate');
        expect(yield* client.lost).to.equal(err);
        expect(client.events).to.deep.equal(['made', 'lost SSLCertVerificationError']);
        server.close();
        yield* server.waitClosed();
        // The server's side of it failed too: the client went away mid-handshake (or after it, in TLS 1.3).
        expect(serverFailures.length).to.equal(1);
      })(),
    );
  });

  it('a stream whose upgrade fails: startTls() raises, and the reader raises the same error', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const server = yield* startServer(
          function* (r: StreamReader, w: StreamWriter): Coroutine<void> {
            yield* catching(starttlsServer(r, w)); // the client gives up mid-handshake
            w.close();
          },
          '127.0.0.1',
          0,
        );
        const [r, w] = yield* openConnection('127.0.0.1', server.address().port);
        w.write('STARTTLS\n');
        yield* r.readline();
        const err = (yield* catching(w.startTls({ ca: cert }, { serverHostname: 'example.com' }))) as Error;
        expect(err.message).to.equal("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'example.com'.");
        yield* hostPause(5);
        expect(yield* catching(r.readline())).to.equal(err);
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('an upgrade the peer never answers is aborted after sslHandshakeTimeout', async () => {
    await run(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const server = yield* startServer(
          function* (r: StreamReader, w: StreamWriter): Coroutine<void> {
            yield* r.read(); // never starts TLS
            w.close();
          },
          '127.0.0.1',
          0,
        );
        const [transport, client] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', server.address().port);
        const err = (yield* catching(loop.startTls(transport, client, { ca: cert }, { serverHostname: 'localhost', sslHandshakeTimeout: 0.3 }))) as Error;
        expect(err).to.be.instanceOf(ConnectionAbortedError);
        expect(err.message).to.equal('SSL handshake is taking longer than 0.3 seconds: aborting the connection');
        yield* client.lost;
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('cancelled during the handshake: the connection is closed, and the protocol gets connectionLost(null)', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const server = yield* startServer(
          function* (r: StreamReader, w: StreamWriter): Coroutine<void> {
            yield* r.read(); // never starts TLS
            w.close();
          },
          '127.0.0.1',
          0,
        );
        const [transport, client] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', server.address().port);
        const upgrading = loop.createTask(loop.startTls(transport, client, { ca: cert }, { serverHostname: 'localhost' }));
        yield* hostPause(20); // the ClientHello is out; no answer comes
        upgrading.cancel();
        expect(yield* catching(upgrading)).to.have.property('name', 'CancelledError');
        expect(yield* client.lost).to.equal(null);
        expect(client.events).to.deep.equal(['made', 'lost null']);
        server.close();
        yield* server.waitClosed(); // the server's side saw the connection end
      })(),
    );
  });

  it('a peer that hung up before the upgrade: startTls() fails at once with a reset', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const outcome = loop.createFuture<unknown>();
        const server = yield* startServer(
          function* (r: StreamReader, w: StreamWriter): Coroutine<void> {
            yield* r.readline();
            yield* r.read(); // the client's EOF: the stream stays half-open, as plain TCP allows
            outcome.setResult(yield* catching(w.startTls({ key, cert })));
          },
          '127.0.0.1',
          0,
        );
        const [, w] = yield* openConnection('127.0.0.1', server.address().port);
        w.write('STARTTLS\n');
        w.writeEof();
        const err = (yield* outcome) as Error;
        expect(err).to.be.instanceOf(ConnectionResetError);
        expect(err.message).to.equal('Connection lost during the TLS handshake');
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('checks its arguments at the call', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const server = yield* startServer(
          function* (r: StreamReader, w: StreamWriter): Coroutine<void> {
            yield* catching(starttlsServer(r, w)); // its client goes away mid-handshake
            w.close();
          },
          '127.0.0.1',
          0,
        );
        const [transport, client] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', server.address().port);
        transport.write('STARTTLS\n'); // (the server upgrades; nobody answers it)
        const fake = { isClosing: () => false } as unknown as Transport;
        const cases: [() => unknown, ErrorClass, string][] = [
          [() => loop.startTls(fake, client, true), TypeError, 'is not supported by startTls()'],
          [() => loop.startTls(transport, null as never, true), TypeError, 'needs the protocol'],
          [() => loop.startTls(transport, client, null), TypeError, 'startTls() needs TLS options'],
          [() => loop.startTls(transport, client, true, { serverSide: true }), TypeError, "a server's ssl must be Node's TLS options"],
          [() => loop.startTls(transport, client, null, { serverSide: true }), TypeError, 'startTls() needs TLS options, got null'],
          [() => loop.startTls(transport, client, { ca: cert }, { serverSide: true }), ValueError, 'a TLS server needs its certificate'],
          [() => loop.startTls(transport, client, true, { serverSide: 'yes' as never }), TypeError, 'serverSide must be true or false'],
          [() => loop.startTls(transport, client, true, { sslHandshakeTimeout: 0 }), ValueError, 'ssl_handshake_timeout should be a positive number, got 0'],
          [() => loop.startTls(transport, client, true, { serverHostnme: 'x' } as never), TypeError, "startTls() got an unexpected option 'serverHostnme' (it takes 'serverSide', 'serverHostname', 'sslHandshakeTimeout')"],
        ];
        expectEachThrows(cases);
        transport.close();
        expect(throws(() => loop.startTls(transport, client, true))).to.be.instanceOf(RuntimeError).with.property('message', 'startTls(): the transport is closing');
        // writer.startTls() needs a stream of a connection, not a child's pipe.
        const child = yield* createSubprocessExec(process.execPath, ['-e', ''], { stdin: PIPE });
        expect(yield* catching(child.stdin!.startTls(true))).to.be.instanceOf(TypeError).with.property('message').that.contains('startTls() needs a stream made by openConnection() or startServer()');
        expect(yield* catching(child.stdin!.startTls(true, { bogus: 1 } as never))).to.be.instanceOf(TypeError).with.property('message').that.contains("unexpected option 'bogus'");
        yield* child.wait();
        server.close();
        server.closeClients();
        yield* server.waitClosed();
      })(),
    );
  });
});
