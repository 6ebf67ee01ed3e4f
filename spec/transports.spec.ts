// lib/transports.ts: protocols and socket transports on real loopback sockets
// (127.0.0.1, port 0), on the async driver with the virtual clock. Waits are
// for events (futures set by protocol callbacks), never for time.
import { expect } from 'chai';
import * as net from 'node:net';
import {
  ConnectionResetError,
  EventLoop,
  Future,
  OSError,
  RuntimeError,
  SocketTransport,
  ValueError,
  getRunningLoop,
  type Coroutine,
  type ExceptionContext,
  type Protocol,
  type Transport,
} from '../lib';
import { ConnectionResetError as TransportsConnectionResetError } from '../lib/transports';
import { arun, catching, closedPort, hostPause } from './support';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Lets Node run for `ms` real milliseconds (a host wait; nothing is asserted about time). */
/** A protocol that records every callback, and resolves `lost` at connectionLost. */
class Recorder implements Protocol {
  events: string[] = [];
  data = '';
  transport!: Transport;
  lost: Future<Error | null>;
  made: Future<void>;
  eof: Future<void>;
  keepOpen = false;
  constructor() {
    const loop = getRunningLoop();
    this.lost = loop.createFuture();
    this.made = loop.createFuture();
    this.eof = loop.createFuture();
  }
  connectionMade(t: Transport): void {
    this.transport = t;
    this.events.push('made');
    this.made.setResult(undefined);
  }
  dataReceived(data: Uint8Array): void {
    if (this.events[this.events.length - 1] !== 'data') this.events.push('data');
    this.data += dec(data);
  }
  eofReceived(): boolean {
    this.events.push('eof');
    this.eof.setResult(undefined);
    return this.keepOpen;
  }
  connectionLost(exc: Error | null): void {
    this.events.push(exc === null ? 'lost' : `lost:${(exc as NodeJS.ErrnoException).code ?? exc.name}`);
    this.lost.setResult(exc);
  }
}

/** Echoes what it receives; closes when the peer ends (the default eofReceived answer). */
class Echo extends Recorder {
  override dataReceived(data: Uint8Array): void {
    super.dataReceived(data);
    this.transport.write(data);
  }
}

function* serve<P extends Protocol>(factory: () => P): Coroutine<{ port: number; protocols: P[]; close: () => void }> {
  const protocols: P[] = [];
  const server = yield* getRunningLoop().createServer(() => {
    const p = factory();
    protocols.push(p);
    return p;
  }, '127.0.0.1', 0);
  return { port: server.address().port, protocols, close: () => server.close() };
}

/** Counts the writes made on the transport's real socket from now on (the bytes still go through it). */
function countSocketWrites(transport: Transport): () => number {
  const sock = transport.getExtraInfo('socket') as net.Socket;
  let count = 0;
  const write = sock.write;
  sock.write = function (this: net.Socket, ...args: unknown[]) {
    count++;
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof sock.write;
  return () => count;
}

/** A port nothing listens on: bind one, then close it. */
describe('transports: protocols over real sockets', function () {
  this.timeout(20000);

  it('calls the protocol in asyncio order: connectionMade, dataReceived, eofReceived, connectionLost', async () => {
    const [client, server] = await arun(
      (function* (): Coroutine<[Recorder, Recorder]> {
        const loop = getRunningLoop();
        const srv = yield* serve(() => new Echo());
        const [transport, client] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', srv.port);
        expect(client.events).to.deep.equal(['made']); // connectionMade has run when createConnection returns
        expect(transport).to.be.instanceOf(SocketTransport);
        expect(transport.getProtocol()).to.equal(client);
        transport.write('hello ');
        transport.write(enc('world'));
        transport.writeEof();
        yield* client.lost;
        srv.close();
        yield* srv.protocols[0].lost;
        return [client, srv.protocols[0]];
      })(),
    );
    expect(client.data).to.equal('hello world');
    expect(client.events).to.deep.equal(['made', 'data', 'eof', 'lost']);
    expect(server.data).to.equal('hello world');
    expect(server.events).to.deep.equal(['made', 'data', 'eof', 'lost']);
  });

  it('eofReceived returning true keeps the transport half-open for writing', async () => {
    class LateReply extends Recorder {
      override keepOpen = true;
      override eofReceived(): boolean {
        super.eofReceived();
        this.transport.write('late reply after your EOF');
        this.transport.close();
        return true;
      }
    }
    const client = await arun(
      (function* (): Coroutine<Recorder> {
        const srv = yield* serve(() => new LateReply());
        const [transport, client] = yield* getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', srv.port);
        expect(transport.canWriteEof()).to.equal(true);
        transport.write('question');
        transport.writeEof();
        transport.writeEof(); // twice is harmless
        expect(() => transport.write('more')).to.throw(RuntimeError, 'Cannot call write() after writeEof()');
        expect(() => transport.writelines(['more'])).to.throw(RuntimeError, 'after writeEof()');
        yield* client.lost;
        srv.close();
        expect(srv.protocols[0].data).to.equal('question');
        return client;
      })(),
    );
    expect(client.data).to.equal('late reply after your EOF');
    expect(client.events).to.deep.equal(['made', 'data', 'eof', 'lost']);
  });

  it('pauses writing above the high-water mark and resumes at the low one (real back-pressure)', async () => {
    class Writer extends Recorder {
      pauses = 0;
      resumes = 0;
      sizeAtPause = -1;
      resumed: Future<void> | null = null;
      pauseWriting(): void {
        this.pauses++;
        this.sizeAtPause = this.transport.getWriteBufferSize();
      }
      resumeWriting(): void {
        this.resumes++;
        this.resumed?.setResult(undefined);
      }
    }
    class SlowReader extends Recorder {
      bytes = 0;
      override connectionMade(t: Transport): void {
        super.connectionMade(t);
        t.pauseReading();
        t.pauseReading(); // twice is harmless
        expect(t.isReading()).to.equal(false);
      }
      override dataReceived(data: Uint8Array): void {
        this.bytes += data.length;
      }
    }
    const result = await arun(
      (function* (): Coroutine<{ writer: Writer; reader: SlowReader; sent: number; lowAtResume: number }> {
        const loop = getRunningLoop();
        const srv = yield* serve(() => new SlowReader());
        const [transport, writer] = yield* loop.createConnection(() => new Writer(), '127.0.0.1', srv.port);
        transport.setWriteBufferLimits(32 * 1024);
        expect(transport.getWriteBufferLimits()).to.deep.equal([8 * 1024, 32 * 1024]);
        yield* srv.protocols[0].made;
        const chunk = new Uint8Array(64 * 1024).fill(7);
        let sent = 0;
        // The reader does not read, so the kernel's buffers fill, then Node's: the writer must be paused.
        while (writer.pauses === 0 && sent < 256 * 1024 * 1024) {
          transport.write(chunk);
          sent += chunk.length;
          if (transport.getWriteBufferSize() === 0) yield* hostPause(1); // let the kernel take it
        }
        expect(writer.pauses).to.equal(1);
        writer.resumed = loop.createFuture();
        srv.protocols[0].transport.resumeReading();
        srv.protocols[0].transport.resumeReading(); // twice is harmless
        yield* writer.resumed;
        const lowAtResume = transport.getWriteBufferSize();
        transport.close();
        yield* srv.protocols[0].lost;
        srv.close();
        return { writer, reader: srv.protocols[0], sent, lowAtResume };
      })(),
    );
    expect(result.writer.sizeAtPause).to.be.greaterThan(32 * 1024);
    expect(result.writer.resumes).to.equal(1);
    expect(result.lowAtResume).to.be.at.most(8 * 1024);
    expect(result.reader.bytes).to.equal(result.sent); // close() sent everything first
  });

  it('writes made in one turn of the loop go to the socket as one write, in order; writeEof() sends them first', async () => {
    const result = await arun(
      (function* (): Coroutine<{ sizeBefore: number; writesBefore: number; writesAfter: number; expected: string; server: Recorder }> {
        const srv = yield* serve(() => {
          const r = new Recorder();
          r.keepOpen = true;
          return r;
        });
        const [transport] = yield* getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', srv.port);
        const sockWrites = countSocketWrites(transport);
        let expected = '';
        const reused = enc('#####\n');
        for (let i = 0; i < 100; i++) {
          const line = `line ${i}\n`;
          transport.write(i % 2 === 0 ? line : enc(line));
          expected += line;
          transport.write(reused);
          reused.fill(48 + (i % 10), 0, 5); // the transport copied what it was given
          expected += i === 0 ? '#####\n' : `${String.fromCharCode(48 + ((i - 1) % 10)).repeat(5)}\n`;
        }
        const sizeBefore = transport.getWriteBufferSize();
        const writesBefore = sockWrites();
        transport.write('tail');
        transport.writeEof(); // what is staged goes first, then the FIN
        expected += 'tail';
        yield* srv.protocols[0].eof;
        const writesAfter = sockWrites();
        transport.close();
        srv.protocols[0].transport.close(); // it stayed half-open (keepOpen)
        yield* srv.protocols[0].lost;
        srv.close();
        return { sizeBefore, writesBefore, writesAfter, expected, server: srv.protocols[0] };
      })(),
    );
    expect(result.sizeBefore).to.equal(Buffer.byteLength(result.expected) - 'tail'.length); // staged bytes count as buffered
    expect(result.writesBefore).to.equal(0);
    expect(result.writesAfter).to.equal(1);
    expect(result.server.data).to.equal(result.expected);
    expect(result.server.events).to.deep.equal(['made', 'data', 'eof', 'lost']);
  });

  it('pauseWriting when the buffered bytes (staged ones too) pass the high-water mark, resumeWriting at the low one; a batch past it goes at once', async () => {
    class Writer extends Recorder {
      log: string[] = [];
      resumed: Future<void> | null = null;
      pauseWriting(): void {
        this.log.push(`pause at ${this.transport.getWriteBufferSize()}`);
      }
      resumeWriting(): void {
        this.log.push(`resume at ${this.transport.getWriteBufferSize()}`);
        this.resumed?.setResult(undefined);
      }
    }
    const result = await arun(
      (function* (): Coroutine<{ log: string[]; sizes: number[]; writes: number[] }> {
        const loop = getRunningLoop();
        const srv = yield* serve(() => new Recorder());
        const [transport, writer] = yield* loop.createConnection(() => new Writer(), '127.0.0.1', srv.port);
        const sockWrites = countSocketWrites(transport);
        transport.setWriteBufferLimits(1000); // low: 250
        const sizes: number[] = [];
        const writes: number[] = [];
        transport.write(new Uint8Array(600));
        sizes.push(transport.getWriteBufferSize());
        transport.write(new Uint8Array(300));
        sizes.push(transport.getWriteBufferSize());
        writes.push(sockWrites());
        writer.resumed = loop.createFuture();
        transport.setWriteBufferLimits(800); // 900 bytes buffered > 800: paused now
        yield* writer.resumed; // the batch went out; the buffer fell to the low-water mark (200)
        writes.push(sockWrites());
        transport.write(new Uint8Array(801)); // past the high-water mark: sent within write()
        writes.push(sockWrites());
        transport.close();
        yield* writer.lost;
        srv.close();
        return { log: writer.log, sizes, writes };
      })(),
    );
    expect(result.sizes).to.deep.equal([600, 900]);
    expect(result.log).to.deep.equal(['pause at 900', 'resume at 0']);
    expect(result.writes).to.deep.equal([0, 1, 2]);
  });

  it('pauseReading holds data back until resumeReading; then data, EOF and the loss come in order', async () => {
    class Paused extends Recorder {
      override connectionMade(t: Transport): void {
        super.connectionMade(t);
        t.pauseReading();
      }
    }
    class Talker extends Recorder {
      override connectionMade(t: Transport): void {
        super.connectionMade(t);
        t.write('held back');
        t.close();
      }
    }
    const client = await arun(
      (function* (): Coroutine<Recorder> {
        const srv = yield* serve(() => new Talker());
        const [transport, client] = yield* getRunningLoop().createConnection(() => new Paused(), '127.0.0.1', srv.port);
        yield* srv.protocols[0].lost; // the server wrote and closed
        yield* hostPause(30); // the bytes are at our socket by now
        expect(client.events).to.deep.equal(['made']);
        transport.resumeReading();
        yield* client.lost;
        srv.close();
        return client;
      })(),
    );
    expect(client.data).to.equal('held back');
    expect(client.events).to.deep.equal(['made', 'data', 'eof', 'lost']);
  });

  it('a protocol that pauses inside dataReceived gets nothing more until it resumes', async () => {
    class PausesOnFirst extends Recorder {
      chunks: string[] = [];
      override dataReceived(data: Uint8Array): void {
        this.chunks.push(dec(data));
        this.transport.pauseReading();
      }
    }
    const client = await arun(
      (function* (): Coroutine<PausesOnFirst> {
        const srv = yield* serve(() => new Recorder());
        const [transport, client] = yield* getRunningLoop().createConnection(() => new PausesOnFirst(), '127.0.0.1', srv.port);
        yield* srv.protocols[0].made;
        const server = srv.protocols[0].transport;
        let expected = '';
        for (let i = 0; i < 5; i++) {
          // Several chunks reach the client; each resume lets exactly one more through.
          server.write(`chunk${i};`);
          expected += `chunk${i};`;
          yield* hostPause(5);
        }
        server.close();
        yield* srv.protocols[0].lost;
        yield* hostPause(20);
        while (client.events.length < 3) {
          const n = client.chunks.length;
          transport.resumeReading();
          for (let i = 0; i < 3 && client.chunks.length === n && client.events.length < 3; i++) yield;
          expect(client.chunks.length - n).to.be.at.most(1);
        }
        yield* client.lost;
        expect(client.chunks.join('')).to.equal(expected);
        srv.close();
        return client;
      })(),
    );
    expect(client.events).to.deep.equal(['made', 'eof', 'lost']);
  });

  it('a socket Node closes while the protocol is paused still delivers the rest, then the loss', async () => {
    class PauseAtData extends Recorder {
      override keepOpen = true;
      override dataReceived(data: Uint8Array): void {
        super.dataReceived(data);
        this.transport.pauseReading();
      }
    }
    class SayAndClose extends Recorder {
      override connectionMade(t: Transport): void {
        super.connectionMade(t);
        t.write('last words');
        t.close();
      }
    }
    const client = await arun(
      (function* (): Coroutine<Recorder> {
        const srv = yield* serve(() => new SayAndClose());
        const [transport, client] = yield* getRunningLoop().createConnection(() => new PauseAtData(), '127.0.0.1', srv.port);
        transport.writeEof(); // both halves end: Node closes the socket by itself
        yield* srv.protocols[0].lost;
        yield* hostPause(30);
        expect(client.events).to.deep.equal(['made', 'data']);
        transport.resumeReading();
        yield* client.lost;
        srv.close();
        return client;
      })(),
    );
    expect(client.data).to.equal('last words');
    expect(client.events).to.deep.equal(['made', 'data', 'eof', 'lost']);
  });

  it('close() sends the buffered data first; connectionLost(null) follows, once', async () => {
    class Counter extends Recorder {
      bytes = 0;
      override dataReceived(data: Uint8Array): void {
        this.bytes += data.length;
      }
    }
    const [bytes, client] = await arun(
      (function* (): Coroutine<[number, Recorder]> {
        const srv = yield* serve(() => new Counter());
        const [transport, client] = yield* getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', srv.port);
        for (let i = 0; i < 64; i++) transport.write(new Uint8Array(64 * 1024));
        expect(transport.getWriteBufferSize()).to.be.greaterThan(0);
        transport.close();
        transport.close(); // idempotent
        expect(transport.isClosing()).to.equal(true);
        expect(String(transport)).to.match(/^<SocketTransport closing/);
        transport.write('still accepted while closing');
        yield* client.lost;
        expect(String(transport)).to.match(/^<SocketTransport closed/);
        yield* srv.protocols[0].lost;
        srv.close();
        return [srv.protocols[0].bytes, client];
      })(),
    );
    expect(bytes).to.equal(64 * 64 * 1024 + 'still accepted while closing'.length);
    expect(client.events).to.deep.equal(['made', 'lost']);
  });

  it('abort() drops the buffer and loses the connection at once', async () => {
    const client = await arun(
      (function* (): Coroutine<Recorder> {
        const srv = yield* serve(() => new Recorder());
        const [transport, client] = yield* getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', srv.port);
        transport.write(new Uint8Array(8 * 1024 * 1024));
        transport.abort();
        transport.abort();
        transport.close(); // after abort: nothing more happens
        yield* client.lost;
        yield* srv.protocols[0].lost;
        srv.close();
        return client;
      })(),
    );
    expect(client.events).to.deep.equal(['made', 'lost']);
  });

  it("a reset by the peer reaches connectionLost as Node's error", async () => {
    const client = await arun(
      (function* (): Coroutine<Recorder> {
        const srv = yield* serve(() => new Recorder());
        const [, client] = yield* getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', srv.port);
        yield* srv.protocols[0].made;
        (srv.protocols[0].transport.getExtraInfo('socket') as net.Socket).resetAndDestroy();
        const exc = yield* client.lost;
        expect(exc).to.be.instanceOf(Error);
        srv.close();
        return client;
      })(),
    );
    expect(client.events).to.deep.equal(['made', 'lost:ECONNRESET']);
  });

  it('a peer that resets while writing is paused: connectionLost gets the error, once; no resumeWriting; the loop goes on', async () => {
    class Writer extends Recorder {
      pauseWriting(): void {
        this.events.push('pause');
      }
      resumeWriting(): void {
        this.events.push('resume');
      }
    }
    class Stalled extends Recorder {
      override connectionMade(t: Transport): void {
        super.connectionMade(t);
        t.pauseReading(); // reads nothing: the writer's buffers fill
      }
    }
    const [events, exc, echoed] = await arun(
      (function* (): Coroutine<[string[], Error | null, string]> {
        const loop = getRunningLoop();
        const srv = yield* serve(() => new Stalled());
        const [transport, writer] = yield* loop.createConnection(() => new Writer(), '127.0.0.1', srv.port);
        yield* srv.protocols[0].made;
        for (let sent = 0; !writer.events.includes('pause') && sent < 256 * 1024 * 1024; sent += 64 * 1024) {
          transport.write(new Uint8Array(64 * 1024));
          if (transport.getWriteBufferSize() === 0) yield* hostPause(1); // let the kernel take it
        }
        (srv.protocols[0].transport.getExtraInfo('socket') as net.Socket).resetAndDestroy();
        const exc = yield* writer.lost;
        transport.write('dropped'); // no throw: asyncio drops writes to a lost connection
        expect(transport.isClosing()).to.equal(true);
        // The loop goes on: another connection on the same loop echoes.
        const echoSrv = yield* serve(() => new Echo());
        const [t2, c2] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', echoSrv.port);
        t2.write('alive');
        while (c2.data.length < 5) yield* hostPause(1);
        t2.close();
        srv.close();
        echoSrv.close();
        return [writer.events, exc, c2.data];
      })(),
    );
    expect(events.slice(0, 2)).to.deep.equal(['made', 'pause']);
    expect(events).to.have.length(3);
    expect(['lost:ECONNRESET', 'lost:EPIPE']).to.include(events[2]);
    expect(exc).to.be.instanceOf(Error);
    expect(echoed).to.equal('alive');
  });

  it('writes after the connection is lost are dropped, with a warning from the fifth on (as asyncio)', async () => {
    const warnings: unknown[][] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      await arun(
        (function* (): Coroutine<void> {
          const srv = yield* serve(() => new Recorder());
          const [transport, client] = yield* getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', srv.port);
          transport.abort();
          yield* client.lost;
          for (let i = 0; i < 6; i++) transport.write('x');
          transport.write(''); // empty writes are no-ops
          srv.close();
        })(),
      );
    } finally {
      console.warn = warn;
    }
    expect(warnings).to.deep.equal([['socket.send() raised exception.'], ['socket.send() raised exception.']]);
  });

  it('reports exceptions from protocol callbacks and closes the connection with them', async () => {
    const seen: ExceptionContext[] = [];
    class Bad extends Recorder {
      override dataReceived(): void {
        throw new Error('bad data handler');
      }
    }
    class BadEof extends Recorder {
      override eofReceived(): boolean {
        throw new Error('bad eof handler');
      }
    }
    class BadFlow extends Recorder {
      pauseWriting(): void {
        throw new Error('bad pause');
      }
      resumeWriting(): void {
        throw new Error('bad resume');
      }
    }
    const [lost1, lost2] = await arun(
      (function* (): Coroutine<[Error | null, Error | null]> {
        const loop = getRunningLoop();
        loop.setExceptionHandler((_l, ctx) => seen.push(ctx));
        const srv = yield* serve(() => new Bad());
        const [t1, c1] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', srv.port);
        t1.write('boom');
        const lost1 = yield* srv.protocols[0].lost;
        yield* c1.lost;
        srv.close();
        const srv2 = yield* serve(() => new BadEof());
        const [t2, c2] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', srv2.port);
        t2.writeEof();
        const lost2 = yield* srv2.protocols[0].lost;
        yield* c2.lost;
        srv2.close();
        const srv3 = yield* serve(() => new Recorder());
        const [t3, c3] = yield* loop.createConnection(() => new BadFlow(), '127.0.0.1', srv3.port);
        t3.setWriteBufferLimits(0); // any buffered byte pauses
        t3.write(new Uint8Array(16 * 1024 * 1024));
        t3.setWriteBufferLimits(1024 * 1024 * 1024); // and a generous limit resumes, once the buffer is below it
        yield* hostPause(20);
        t3.close();
        yield* c3.lost;
        srv3.close();
        return [lost1, lost2];
      })(),
    );
    expect(lost1).to.be.instanceOf(Error).with.property('message', 'bad data handler');
    expect(lost2).to.be.instanceOf(Error).with.property('message', 'bad eof handler');
    const messages = seen.map((c) => c.message);
    expect(messages).to.include('Fatal error: protocol.dataReceived() call failed.');
    expect(messages).to.include('Fatal error: protocol.eofReceived() call failed.');
    expect(messages).to.include('protocol.pauseWriting() failed');
    expect(messages).to.include('protocol.resumeWriting() failed');
    expect(seen[0].transport).to.be.instanceOf(SocketTransport);
  });

  it('getExtraInfo: peername, sockname, socket, and a default for the rest', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const srv = yield* serve(() => new Recorder());
        const [transport] = yield* getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', srv.port);
        const peer = transport.getExtraInfo('peername');
        expect(peer).to.deep.equal({ address: '127.0.0.1', family: 'IPv4', port: srv.port });
        yield* srv.protocols[0].made;
        const serverSide = srv.protocols[0].transport;
        expect(serverSide.getExtraInfo('peername')).to.deep.equal(transport.getExtraInfo('sockname'));
        expect(transport.getExtraInfo('socket')).to.be.instanceOf(net.Socket);
        expect(transport.getExtraInfo('nonsense', 42)).to.equal(42);
        expect(transport.getExtraInfo('nonsense')).to.equal(undefined);
        expect(String(transport)).to.equal(`<SocketTransport open peer=127.0.0.1:${srv.port} read=polling bufsize=0>`);
        const other = new Recorder();
        transport.setProtocol(other);
        expect(transport.getProtocol()).to.equal(other);
        transport.abort();
        yield* other.lost;
        srv.close();
      })(),
    );
  });

  it('writelines writes the items as one; strings go as UTF-8', async () => {
    const data = await arun(
      (function* (): Coroutine<string> {
        const srv = yield* serve(() => new Recorder());
        const [transport] = yield* getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', srv.port);
        transport.writelines(['héllo', enc(' '), 'wörld']);
        transport.writelines(new Set(['!']));
        transport.close();
        yield* srv.protocols[0].eof;
        srv.close();
        return srv.protocols[0].data;
      })(),
    );
    expect(data).to.equal('héllo wörld!');
  });

  it('a refused connection raises the OS error (ECONNREFUSED)', async () => {
    const err = await arun(
      (function* (): Coroutine<unknown> {
        const port = yield* closedPort();
        try {
          yield* getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', port);
        } catch (e) {
          return e;
        }
        return null;
      })(),
    );
    expect(err).to.be.instanceOf(Error).with.property('code', 'ECONNREFUSED');
  });

  it('a protocol factory that throws: the error propagates and the socket is given back', async () => {
    const err = await arun(
      (function* (): Coroutine<unknown> {
        const srv = yield* serve(() => new Recorder());
        try {
          yield* getRunningLoop().createConnection(() => {
            throw new ValueError('no protocol today');
          }, '127.0.0.1', srv.port);
        } catch (e) {
          yield* srv.protocols[0].lost; // the server side sees the connection end
          srv.close();
          return e;
        }
        return null;
      })(),
    );
    expect(err).to.be.instanceOf(ValueError);
  });

  it('cancelled in the turn after it connected, createConnection closes the transport it made', async () => {
    const events = await arun(
      (function* (): Coroutine<string[]> {
        const loop = getRunningLoop();
        const srv = yield* serve(() => new Recorder());
        const client = new Recorder();
        const t = loop.createTask(loop.createConnection(() => client, '127.0.0.1', srv.port));
        const instrument = {
          afterTaskStep(task: unknown, yielded: unknown) {
            if (task === t && yielded === undefined && !t.done()) t.cancel();
          },
        };
        loop.addInstrument(instrument);
        try {
          yield* t;
        } catch (e) {
          expect(e).to.have.property('name', 'CancelledError');
        }
        loop.removeInstrument(instrument);
        yield* client.lost;
        yield* srv.protocols[0].lost;
        srv.close();
        return client.events;
      })(),
    );
    expect(events).to.deep.equal(['made', 'lost']);
  });

  it('checks its arguments at the call, before anything is scheduled', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const make = () => new Recorder();
    expect(() => loop.createConnection(42 as never, '127.0.0.1', 1)).to.throw(TypeError, 'protocol factory');
    expect(() => loop.createConnection(make, '', 1)).to.throw(TypeError, 'host');
    expect(() => loop.createConnection(make, 5 as never, 1)).to.throw(TypeError, 'host');
    expect(() => loop.createConnection(make, '127.0.0.1', '80' as never)).to.throw(TypeError, 'port');
    expect(() => loop.createConnection(make, '127.0.0.1', 1.5)).to.throw(TypeError, 'port');
    expect(() => loop.createConnection(make, '127.0.0.1', 70000)).to.throw(ValueError, '0-65535');
    loop.close();
    expect(() => loop.createConnection(make, '127.0.0.1', 1)).to.throw(RuntimeError, 'Event loop is closed');
  });

  it('setWriteBufferLimits: asyncio defaults and checks', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const srv = yield* serve(() => new Recorder());
        const [t] = yield* getRunningLoop().createConnection(() => new Recorder(), '127.0.0.1', srv.port);
        expect(t.getWriteBufferLimits()).to.deep.equal([16384, 65536]);
        t.setWriteBufferLimits(undefined, 1000);
        expect(t.getWriteBufferLimits()).to.deep.equal([1000, 4000]);
        t.setWriteBufferLimits(100, 0);
        expect(t.getWriteBufferLimits()).to.deep.equal([0, 100]);
        t.setWriteBufferLimits();
        expect(t.getWriteBufferLimits()).to.deep.equal([16384, 65536]);
        expect(() => t.setWriteBufferLimits(10, 20)).to.throw(ValueError, 'high (10) must be >= low (20) must be >= 0');
        expect(() => t.setWriteBufferLimits(10, -1)).to.throw(ValueError);
        expect(() => t.setWriteBufferLimits('big' as never)).to.throw(TypeError, 'high must be a number');
        expect(() => t.write(42 as never)).to.throw(TypeError, 'needs a Uint8Array or a string');
        expect(() => t.writelines(42 as never)).to.throw(TypeError, 'iterable');
        expect(() => t.writelines([42] as never)).to.throw(TypeError, 'writelines() needs a Uint8Array');
        t.close();
        srv.close();
      })(),
    );
  });

  it("ConnectionResetError, still importable from lib/transports, is Python's (an OSError)", () => {
    expect(TransportsConnectionResetError).to.equal(ConnectionResetError);
    const e = new ConnectionResetError('Connection lost');
    expect(e).to.be.instanceOf(OSError);
    expect(e.name).to.equal('ConnectionResetError');
    expect(e.code).to.equal(null); // set when it comes from the system (spec/os-errors.spec.ts)
  });
});

describe('transports: connection options (localAddr, family, happyEyeballsDelay)', function () {
  this.timeout(20000);

  it('localAddr picks the local end: [host, port] or { address, port }; a name is resolved', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const srv = yield* serve(() => new Recorder());
        const localPort = yield* closedPort(); // free a moment ago
        const [t1] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', srv.port, { localAddr: ['127.0.0.1', localPort] });
        expect(t1.getExtraInfo('sockname')).to.deep.include({ address: '127.0.0.1', port: localPort });
        yield* hostPause(5);
        expect((srv.protocols[0].transport.getExtraInfo('peername') as net.AddressInfo).port).to.equal(localPort); // the server sees it
        const [t2] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', srv.port, { localAddr: { address: '127.0.0.1', port: 0 } });
        expect((t2.getExtraInfo('sockname') as net.AddressInfo).address).to.equal('127.0.0.1');
        expect((t2.getExtraInfo('sockname') as net.AddressInfo).port).to.not.equal(0);
        const [t3] = yield* loop.createConnection(() => new Recorder(), '127.0.0.1', srv.port, { localAddr: ['localhost', 0], family: 4 });
        expect((t3.getExtraInfo('sockname') as net.AddressInfo).address).to.equal('127.0.0.1');
        for (const t of [t1, t2, t3]) t.close();
        srv.close();
      })(),
    );
  });

  it('a localAddr that cannot be had is the OS error: a port in use, an address not ours', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const srv = yield* serve(() => new Recorder());
        const inUse = yield* catching(loop.createConnection(() => new Recorder(), '127.0.0.1', srv.port, { localAddr: ['127.0.0.1', srv.port] }));
        expect(inUse).to.have.property('code', 'EADDRINUSE');
        const notOurs = yield* catching(loop.createConnection(() => new Recorder(), '127.0.0.1', srv.port, { localAddr: ['192.0.2.1', 0] })); // TEST-NET-1
        expect(notOurs).to.be.instanceOf(OSError).with.property('code', 'EADDRNOTAVAIL');
        const noName = yield* catching(loop.createConnection(() => new Recorder(), '127.0.0.1', srv.port, { localAddr: ['no-such-host.invalid', 0] }));
        expect(noName).to.be.instanceOf(OSError);
        srv.close();
      })(),
    );
  });

  it('family restricts what the host resolves to: 4 or AF_INET (2), 6 or AF_INET6 (10)', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const srv4 = yield* serve(() => new Recorder());
        for (const family of [4, 2]) {
          const [t] = yield* loop.createConnection(() => new Recorder(), 'localhost', srv4.port, { family });
          expect((t.getExtraInfo('peername') as net.AddressInfo).family).to.equal('IPv4');
          t.close();
        }
        // An IPv6-only server on ::1; 'localhost' asked for as IPv6 is ::1 where the system says so.
        const server6 = yield* loop.createServer(() => new Recorder(), '::1', 0);
        for (const family of [6, 10]) {
          const [t] = yield* loop.createConnection(() => new Recorder(), '::1', server6.address().port, { family });
          expect(t.getExtraInfo('peername')).to.deep.include({ family: 'IPv6', address: '::1' });
          t.close();
        }
        // The IPv4 server is not reachable as IPv6: no IPv6 address for localhost here (ENOTFOUND), or ::1 with nobody on that port.
        const err = yield* catching(loop.createConnection(() => new Recorder(), 'localhost', srv4.port, { family: 6 }));
        expect((err as { code?: string }).code).to.be.oneOf(['ENOTFOUND', 'ECONNREFUSED', 'EAI_NODATA', 'EAI_ADDRFAMILY']);
        srv4.close();
        server6.close();
      })(),
    );
  });

  it('happyEyeballsDelay connects (Node\'s autoSelectFamily does the racing) and is checked', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const srv = yield* serve(() => new Recorder());
        for (const happyEyeballsDelay of [0.25, 0, null]) {
          const [t] = yield* loop.createConnection(() => new Recorder(), 'localhost', srv.port, { happyEyeballsDelay });
          expect((t.getExtraInfo('peername') as net.AddressInfo).port).to.equal(srv.port);
          t.close();
        }
        expect(() => loop.createConnection(() => new Recorder(), 'localhost', srv.port, { happyEyeballsDelay: -1 })).to.throw(ValueError, 'happyEyeballsDelay must be >= 0');
        expect(() => loop.createConnection(() => new Recorder(), 'localhost', srv.port, { happyEyeballsDelay: '1' as never })).to.throw(TypeError, 'happyEyeballsDelay must be a number of seconds');
        srv.close();
      })(),
    );
  });

  it('checks the options at the call: unknown keys, family, localAddr', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const f = () => new Recorder();
    expect(() => loop.createConnection(f, 'h', 1, { locaAddr: ['x', 0] } as never)).to.throw(
      TypeError,
      "createConnection() got an unexpected option 'locaAddr' (it takes 'ssl', 'serverHostname', 'sslHandshakeTimeout', 'localAddr', 'family', 'happyEyeballsDelay')",
    );
    expect(() => loop.createConnection(f, 'h', 1, null as never)).to.throw(TypeError, 'createConnection() options must be an object, got null');
    expect(() => loop.createConnection(f, 'h', 1, { family: 5 })).to.throw(ValueError, 'family must be 0 (any), 4 or 6');
    expect(() => loop.createConnection(f, 'h', 1, { localAddr: 'here' as never })).to.throw(TypeError, "localAddr must be [host, port] or { address, port }, got 'here'");
    expect(() => loop.createConnection(f, 'h', 1, { localAddr: ['127.0.0.1', 70000] })).to.throw(ValueError, 'port must be 0-65535');
    expect(loop.createConnection(f, 'h', 1, undefined)).to.have.property('next'); // no options: fine (not run)
    loop.close();
  });
});
