// lib/streams.ts: openConnection/startServer, StreamReaderProtocol and
// StreamWriter over real loopback sockets on the async driver (StreamReader
// fed by hand is in stream-reader.spec.ts). Everything runs on the virtual
// clock; waits are for events, never for time.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  ConnectionResetError,
  FIRST_COMPLETED,
  RuntimeError,
  StreamReader,
  StreamReaderProtocol,
  StreamWriter,
  ValueError,
  createTask,
  fromPromise,
  gather,
  getRunningLoop,
  openConnection,
  runSync,
  startServer,
  wait,
  type Coroutine,
  type ExceptionContext,
  type Server,
  type Task,
  type Transport,
} from '../lib';
import { arun, catching, closedPort, hostPause, tick, vrun } from './support';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Lets Node run for `ms` real milliseconds (a host wait; nothing is asserted about time). */
/** Runs `body` and returns what it threw (fails if nothing). */
/** An echo handler: a function* clientConnected callback. */
function* echo(r: StreamReader, w: StreamWriter): Coroutine<void> {
  for (;;) {
    const line = yield* r.readline();
    if (line.length === 0) break;
    w.write(line);
    yield* w.drain();
  }
  w.close();
  yield* w.waitClosed();
}

describe('streams: openConnection and startServer over real sockets', function () {
  this.timeout(20000);

  it('an echo server: a function* handler runs as a task per connection', async () => {
    const got = await arun(
      (function* (): Coroutine<string[]> {
        const server = yield* startServer(echo, '127.0.0.1', 0);
        const { port, family } = server.address();
        expect(family).to.equal('IPv4');
        const out: string[] = [];
        const clients = [];
        for (let i = 0; i < 3; i++) clients.push(yield* openConnection('127.0.0.1', port));
        for (const [i, [r, w]] of clients.entries()) {
          w.write(`hello ${i}\n`);
          w.writelines([enc('and '), 'goodbye\n']);
          yield* w.drain();
          out.push(dec(yield* r.readline()), dec(yield* r.readline()));
        }
        for (const [r, w] of clients) {
          expect(w.canWriteEof()).to.equal(true);
          w.writeEof();
          expect(r.atEof()).to.equal(false);
          expect(dec(yield* r.read())).to.equal(''); // the server closes after our EOF
          expect(r.atEof()).to.equal(true);
          w.close();
          expect(w.isClosing()).to.equal(true);
          yield* w.waitClosed();
          yield* w.waitClosed(); // again: at once
        }
        server.close();
        yield* server.waitClosed();
        return out;
      })(),
    );
    expect(got).to.deep.equal(['hello 0\n', 'and goodbye\n', 'hello 1\n', 'and goodbye\n', 'hello 2\n', 'and goodbye\n']);
  });

  it('a plain-function handler works too; the writer knows its transport and peer', async () => {
    await arun(
      (function* (): Coroutine<void> {
        let serverWriter: StreamWriter | null = null;
        const server = yield* startServer((_r, w) => {
          serverWriter = w;
          w.write('welcome\n');
        }, '127.0.0.1', 0, { limit: 1024, backlog: 10 });
        const [r, w] = yield* openConnection('127.0.0.1', server.address().port, { limit: 1024 });
        expect(r.limit).to.equal(1024);
        expect(dec(yield* r.readline())).to.equal('welcome\n');
        const sw = serverWriter as unknown as StreamWriter;
        expect(sw.getExtraInfo('peername')).to.deep.equal(w.getExtraInfo('sockname'));
        expect(w.getExtraInfo('nothing', 'default')).to.equal('default');
        expect((w.transport.getExtraInfo('peername') as AddressInfo).port).to.equal(server.address().port);
        expect(String(w)).to.match(/^<StreamWriter transport=<SocketTransport open peer=127\.0\.0\.1:\d+ .*> reader=<StreamReader limit=1024 transport=/);
        sw.close();
        expect(dec(yield* r.read())).to.equal('');
        w.close();
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('drain() really waits: while the peer does not read, until the buffer is under the high-water mark', async () => {
    const result = await arun(
      (function* (): Coroutine<{ sent: number; received: number; waits: number; sizesBefore: number[]; sizesAfter: number[] }> {
        let serverReader: StreamReader | null = null;
        let serverWriter: StreamWriter | null = null;
        const server = yield* startServer((r, w) => {
          serverReader = r;
          serverWriter = w;
          w.transport.pauseReading(); // a reader that does not read, for now
        }, '127.0.0.1', 0);
        const [, w] = yield* openConnection('127.0.0.1', server.address().port);
        const [low, high] = w.transport.getWriteBufferLimits();
        const chunk = new Uint8Array(64 * 1024).fill(1);
        let sent = 0;
        let waits = 0;
        const sizesBefore: number[] = [];
        const sizesAfter: number[] = [];
        let reading: Task<Uint8Array> | null = null;
        while (sent < 8 * 1024 * 1024 || waits === 0) {
          w.write(chunk);
          sent += chunk.length;
          const before = w.transport.getWriteBufferSize();
          if (before > high) {
            waits++;
            sizesBefore.push(before);
            // The first time, start the peer reading (the paused socket resumes through its StreamReader).
            if (reading === null) {
              (serverWriter as unknown as StreamWriter).transport.resumeReading();
              reading = createTask((serverReader as unknown as StreamReader).read());
            }
          }
          yield* w.drain();
          if (before > high) sizesAfter.push(w.transport.getWriteBufferSize());
          if (w.transport.getWriteBufferSize() === 0 && reading === null) yield* hostPause(1); // let the kernel fill
          expect(sent).to.be.below(512 * 1024 * 1024);
        }
        expect(low).to.equal(16 * 1024);
        w.close();
        const received = (yield* reading as unknown as Task<Uint8Array>).length;
        (serverWriter as unknown as StreamWriter).close();
        server.close();
        yield* server.waitClosed();
        return { sent, received, waits, sizesBefore, sizesAfter };
      })(),
    );
    expect(result.waits).to.be.greaterThan(0);
    for (const size of result.sizesBefore) expect(size).to.be.greaterThan(64 * 1024);
    for (const size of result.sizesAfter) expect(size).to.be.at.most(16 * 1024); // drain returned only once resumed
    expect(result.received).to.equal(result.sent);
  });

  it('a StreamReader over a transport pauses it above twice its limit and resumes it as it is read', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const payload = 'z'.repeat(200 * 1024);
        const server = yield* startServer(function* (_r, w): Coroutine<void> {
          w.write(payload);
          yield* w.drain();
          w.close();
        }, '127.0.0.1', 0);
        const [r, w] = yield* openConnection('127.0.0.1', server.address().port, { limit: 1024 });
        let sawPaused = false;
        for (let i = 0; i < 200 && !sawPaused; i++) {
          yield* hostPause(2);
          sawPaused = !w.transport.isReading();
        }
        expect(sawPaused).to.equal(true);
        expect(String(r)).to.match(/ paused>$/);
        // readexactly of more than the limit resumes the paused transport while it waits.
        const all = yield* r.readexactly(payload.length);
        expect(all.length).to.equal(payload.length);
        expect(yield* r.read()).to.have.length(0);
        w.close();
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('drain() after the connection is lost raises ConnectionResetError; a reset raises its own error', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const server = yield* startServer((_r, w) => w.close(), '127.0.0.1', 0);
        const [r, w] = yield* openConnection('127.0.0.1', server.address().port);
        expect(dec(yield* r.read())).to.equal('');
        w.close();
        yield* w.waitClosed();
        const e = yield* catching(() => w.drain());
        expect(e).to.be.instanceOf(ConnectionResetError).with.property('message', 'Connection lost');
        server.close();

        const server2 = yield* startServer((_r, w) => {
          (w.getExtraInfo('socket') as import('node:net').Socket).resetAndDestroy();
        }, '127.0.0.1', 0);
        const [r2, w2] = yield* openConnection('127.0.0.1', server2.address().port);
        const e2 = yield* catching(() => r2.read());
        expect(e2).to.have.property('code', 'ECONNRESET');
        expect(yield* catching(() => w2.drain())).to.equal(e2); // drain raises the reader's error
        expect(yield* catching(() => w2.waitClosed())).to.equal(e2);
        server2.close();
        yield* server2.waitClosed();
      })(),
    );
  });

  it('drain() waits while writing is paused; resumeWriting or the loss wakes every waiter', () => {
    vrun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        // The protocol's side of drain(), driven the way a transport drives it.
        const transport = { isClosing: () => false } as unknown as Transport;
        const protocol = new StreamReaderProtocol(new StreamReader(), null, loop);
        const writer = new StreamWriter(transport, protocol, null, loop);
        yield* writer.drain(); // not paused: returns at once
        protocol.pauseWriting();
        const a = createTask(writer.drain());
        const b = createTask(writer.drain());
        yield;
        expect(a.done() || b.done()).to.equal(false);
        protocol.resumeWriting();
        yield* a;
        yield* b;
        protocol.pauseWriting();
        const c = createTask(writer.drain());
        const d = createTask(writer.drain());
        yield;
        d.cancel();
        yield;
        const boom = new Error('connection reset');
        protocol.connectionLost(boom);
        expect(yield* catching(() => c)).to.equal(boom);
        expect(d.cancelled()).to.equal(true);
        expect(yield* catching(() => writer.drain())).to.be.instanceOf(ConnectionResetError);
        expect(yield* catching(() => writer.waitClosed())).to.equal(boom);

        const protocol2 = new StreamReaderProtocol(null, null, loop);
        const writer2 = new StreamWriter(transport, protocol2, null, loop);
        protocol2.pauseWriting();
        const e = createTask(writer2.drain());
        yield;
        protocol2.connectionLost(null);
        yield* e; // a clean loss just wakes it
        yield* writer2.waitClosed();
        protocol2.dataReceived(enc('ignored: no reader'));
        expect(protocol2.eofReceived()).to.equal(true);
      })(),
    );
  });

  it('a failing handler task is reported and its connection closed; a cancelled one closes it too', async () => {
    const seen: ExceptionContext[] = [];
    await arun(
      (function* (): Coroutine<void> {
        getRunningLoop().setExceptionHandler((_l, ctx) => seen.push(ctx));
        const tasks: Task<unknown>[] = [];
        const server = yield* startServer(function* (r): Coroutine<void> {
          const line = dec(yield* r.readline());
          if (line === 'fail\n') throw new ValueError('handler failed');
          yield* getRunningLoop().createFuture<void>(); // waits until cancelled
        }, '127.0.0.1', 0);
        const [r1, w1] = yield* openConnection('127.0.0.1', server.address().port);
        w1.write('fail\n');
        expect(dec(yield* r1.read())).to.equal(''); // closed by the server
        const [r2, w2] = yield* openConnection('127.0.0.1', server.address().port);
        w2.write('wait\n');
        yield* hostPause(20);
        for (const t of [...server._clients].map((c) => (c.getProtocol() as StreamReaderProtocol)._task)) if (t) tasks.push(t as Task<unknown>);
        expect(tasks).to.have.length(1);
        tasks[0].cancel();
        expect(dec(yield* r2.read())).to.equal('');
        w1.close();
        w2.close();
        server.close();
        yield* server.waitClosed();
      })(),
    );
    expect(seen).to.have.length(1);
    expect(seen[0].message).to.equal('Unhandled exception in client_connected_cb');
    expect(seen[0].exception).to.be.instanceOf(ValueError);
  });

  it('cancelled in the turn after it connected, openConnection closes the connection it made', async () => {
    const read = await arun(
      (function* (): Coroutine<string> {
        const loop = getRunningLoop();
        const seen = loop.createFuture<string>();
        const server = yield* startServer(function* (r, w): Coroutine<void> {
          seen.setResult(dec(yield* r.read())); // EOF: the client closed
          w.close();
        }, '127.0.0.1', 0);
        const t = createTask(openConnection('127.0.0.1', server.address().port));
        // Cancel the task exactly when it suspends on its last bare yield (after connecting).
        const instrument = {
          afterTaskStep(task: Task<unknown>, yielded: unknown) {
            if (task === t && yielded === undefined && !task.done()) task.cancel();
          },
        };
        loop.addInstrument(instrument);
        expect(yield* catching(() => t)).to.be.instanceOf(Error).with.property('name', 'CancelledError');
        loop.removeInstrument(instrument);
        const got = yield* seen;
        server.close();
        yield* server.waitClosed();
        return got;
      })(),
    );
    expect(read).to.equal('');
  });

  it('refuses on the synchronous driver with an error naming the async one', () => {
    expect(() => runSync(openConnection('127.0.0.1', 9))).to.throw(RuntimeError, /async driver[\s\S]*`run\(main\(\)\)`, which returns a Promise/);
    expect(() => runSync(startServer(() => {}, '127.0.0.1', 0))).to.throw(RuntimeError, 'cannot wait for host I/O');
  });

  it('checks arguments at the call', () => {
    expect(() => openConnection('', 80)).to.throw(TypeError, 'host');
    expect(() => openConnection('127.0.0.1', -1)).to.throw(ValueError, 'port');
    expect(() => openConnection('127.0.0.1', 80, { limit: 0 })).to.throw(ValueError, 'Limit cannot be <= 0');
    expect(() => openConnection('127.0.0.1', 80, null as never)).to.throw(TypeError, 'options must be an object');
    expect(() => startServer('echo' as never, '127.0.0.1', 0)).to.throw(TypeError, 'clientConnected');
    expect(() => startServer(echo, 42 as never, 0)).to.throw(TypeError, 'host');
    expect(() => startServer(echo, null, 0, { backlog: -1 })).to.throw(TypeError, 'backlog');
    expect(() => openConnection('127.0.0.1', 80).next()).to.throw(RuntimeError, 'no running event loop');
  });

  it('a server on every interface (host null) accepts loopback connections', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const server: Server = yield* startServer(echo, null, 0);
        const [r, w] = yield* openConnection('127.0.0.1', server.address().port);
        w.write('anyone there?\n');
        expect(dec(yield* r.readline())).to.equal('anyone there?\n');
        w.close();
        yield* w.waitClosed();
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });
});

// ---- under load, and when things fail (issue 5) ----

/**
 * Runs `body` as a task and fails if it is not done within `seconds` of real
 * time (the virtual clock cannot bound real I/O: it never jumps while I/O is
 * outstanding). The bound only catches a hang; nothing asserts speed.
 */
function* bounded<T>(what: string, seconds: number, body: Coroutine<T>): Coroutine<T> {
  const task = createTask(body);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const alarm = fromPromise(new Promise<void>((resolve) => (timer = setTimeout(resolve, seconds * 1000))));
  try {
    yield* wait([task, alarm], { returnWhen: FIRST_COMPLETED });
  } finally {
    clearTimeout(timer);
    alarm.cancel();
  }
  if (!task.done()) {
    task.cancel();
    throw new Error(`${what} did not finish within ${seconds} s: something hangs`);
  }
  return task.result();
}

/** A deterministic pseudo-random byte source (xorshift32), so every run sends the same bytes. */
function bytes(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const sha256 = () => createHash('sha256');

/** A port nothing listens on: bind one, then close it. */
describe('streams: many clients and a long transfer over loopback', function () {
  this.timeout(60000);

  it('an echo server with 50 concurrent clients: each gets exactly its own bytes back, every round trip', async () => {
    const CLIENTS = 50;
    const TRIPS = 6;
    const result = await arun(
      bounded('50 echo clients', 40, (function* (): Coroutine<{ handlers: number; mismatches: string[]; tails: string[] }> {
        let handlers = 0;
        const server = yield* startServer(function* (r, w): Coroutine<void> {
          handlers++;
          yield* echo(r, w);
        }, '127.0.0.1', 0);
        const { port } = server.address();
        const mismatches: string[] = [];
        function* client(id: number): Coroutine<string> {
          const [r, w] = yield* openConnection('127.0.0.1', port);
          for (let trip = 0; trip < TRIPS; trip++) {
            // Lines of different sizes (up to ~40 KiB, more than one TCP segment), tagged with who sent them.
            const size = ((id * 7919 + trip * 104729) % 40000) + 1;
            const line = `client ${id} trip ${trip} ${'abcdefghijklmnopqrstuvwxyz'.repeat(Math.ceil(size / 26)).slice(0, size)}\n`;
            // The line goes in pieces, with a turn of the loop between them, so clients interleave.
            const data = enc(line);
            const cut = Math.floor(data.length / 3);
            w.write(data.subarray(0, cut));
            yield;
            w.write(data.subarray(cut));
            yield* w.drain();
            const back = dec(yield* r.readline());
            if (back !== line) mismatches.push(`client ${id} trip ${trip}: sent ${line.length} bytes, got ${back.length}: ${back.slice(0, 30)}`);
          }
          w.writeEof(); // the handler sees EOF, closes; nothing more may come
          const tail = dec(yield* r.read());
          w.close();
          yield* w.waitClosed();
          return tail;
        }
        const tails = (yield* gather(Array.from({ length: CLIENTS }, (_, i) => client(i)))) as string[];
        server.close();
        yield* server.waitClosed();
        return { handlers, mismatches, tails };
      })()),
    );
    expect(result.mismatches).to.deep.equal([]);
    expect(result.handlers).to.equal(CLIENTS);
    expect(result.tails).to.deep.equal(new Array(CLIENTS).fill(''));
  });

  it('16 MiB through drain() to a slow reader: the write buffer stays bounded and every byte arrives intact', async () => {
    const TOTAL = 16 * 1024 * 1024;
    const result = await arun(
      bounded('16 MiB transfer', 50, (function* (): Coroutine<{ sentHash: string; gotHash: string; got: number; high: number; maxChunk: number; worstAfterDrain: number; waits: number; readerPaused: boolean }> {
        const loop = getRunningLoop();
        const received = loop.createFuture<{ hash: string; got: number; readerPaused: boolean }>();
        // The reader starts only once drain() has had to wait: by then the bytes in flight fill
        // its StreamReader, which must pause the transport. Events, not timing, decide both.
        const senderWaited = loop.createFuture<void>();
        const server = yield* startServer(function* (r, w): Coroutine<void> {
          yield* senderWaited;
          // Nothing is read yet and most of the 16 MiB is still to come: the StreamReader
          // fills past its limit and pauses reading, soon if not already.
          while (w.transport.isReading()) yield* hostPause(1);
          const readerPaused = true;
          // Then it reads 64 KiB at most at a time, and lets Node run between two reads.
          const hash = sha256();
          let got = 0;
          for (;;) {
            const chunk = yield* r.read(64 * 1024);
            if (chunk.length === 0) break;
            hash.update(chunk);
            got += chunk.length;
            yield* fromPromise(tick());
          }
          received.setResult({ hash: hash.digest('hex'), got, readerPaused });
          w.close();
        }, '127.0.0.1', 0, { limit: 16 * 1024 });
        const [r, w] = yield* openConnection('127.0.0.1', server.address().port);
        const [, high] = w.transport.getWriteBufferLimits();
        const sentHash = sha256();
        let sent = 0;
        let maxChunk = 0;
        let worstAfterDrain = 0;
        let waits = 0;
        for (let i = 1; sent < TOTAL; i++) {
          // Chunks of 1 byte to 192 KiB, so some single writes are bigger than the high-water mark.
          const size = Math.min(TOTAL - sent, ((i * 2654435761) >>> 0) % (192 * 1024) + 1);
          const chunk = bytes(i, size);
          sentHash.update(chunk);
          w.write(chunk);
          sent += size;
          maxChunk = Math.max(maxChunk, size);
          if (w.transport.getWriteBufferSize() > high) {
            waits++; // writing is paused: drain() must wait
            if (!senderWaited.done()) senderWaited.setResult(undefined);
          }
          yield* w.drain();
          worstAfterDrain = Math.max(worstAfterDrain, w.transport.getWriteBufferSize());
        }
        w.writeEof();
        const { hash: gotHash, got, readerPaused } = yield* received;
        expect(dec(yield* r.read())).to.equal('');
        w.close();
        server.close();
        yield* server.waitClosed();
        return { sentHash: sentHash.digest('hex'), gotHash, got, high, maxChunk, worstAfterDrain, waits, readerPaused };
      })()),
    );
    expect(result.got).to.equal(TOTAL);
    expect(result.gotHash).to.equal(result.sentHash);
    expect(result.waits, 'the reader was never slow enough for drain() to wait').to.be.greaterThan(0);
    expect(result.readerPaused, "the slow reader's StreamReader never paused its transport").to.equal(true);
    // Where drain() returns, the buffer is at most the high-water mark plus the one write before it.
    expect(result.worstAfterDrain).to.be.at.most(result.high + result.maxChunk);
  });
});

describe('streams: failures end the wait with an error or EOF, and the loop goes on', function () {
  this.timeout(30000);

  it('a refused connection raises ECONNREFUSED from openConnection, leaves no host wait behind; the next connection works', async () => {
    const [err, leftBehind, answer] = await arun(
      bounded('refused connection', 20, (function* (): Coroutine<[unknown, number, string]> {
        const loop = getRunningLoop();
        const port = yield* closedPort();
        const before = loop._hostWaits;
        const err = yield* catching(() => openConnection('127.0.0.1', port));
        // A wait left behind would keep the loop waiting on Node forever (and stop the virtual clock).
        const leftBehind = loop._hostWaits - before;
        const server = yield* startServer(echo, '127.0.0.1', 0);
        const [r, w] = yield* openConnection('127.0.0.1', server.address().port);
        w.write('still here\n');
        const answer = dec(yield* r.readline());
        w.close();
        server.close();
        yield* server.waitClosed();
        return [err, leftBehind, answer];
      })()),
    );
    expect(err).to.be.instanceOf(Error).with.property('code', 'ECONNREFUSED');
    expect(leftBehind).to.equal(0);
    expect(answer).to.equal('still here\n');
  });

  for (const how of ['resets', 'aborts'] as const) {
    it(`a peer that ${how} mid-write: drain() raises a connection error, later writes are dropped, other clients are served`, async () => {
      const result = await arun(
        bounded(`peer ${how} mid-write`, 20, (function* (): Coroutine<{ err: unknown; readErr: unknown; other: string; sentBefore: number }> {
          let victim: StreamWriter | null = null;
          // The server's side is known before the client writes much: a client
          // that filled its buffer first would wait in drain() for a server that
          // has stopped reading, and never reach the reset (a race of the spec's).
          const victimKnown = getRunningLoop().createFuture<void>();
          const server = yield* startServer(function* (r, w): Coroutine<void> {
            const first = yield* r.readline();
            if (dec(first) === 'victim\n') {
              victim = w;
              w.transport.pauseReading(); // reads nothing more: the client's buffer fills
              victimKnown.setResult();
              return;
            }
            w.write(first);
            yield* echo(r, w);
          }, '127.0.0.1', 0);
          const { port } = server.address();
          const [r, w] = yield* openConnection('127.0.0.1', port);
          w.write('victim\n');
          yield* victimKnown;
          let sent = 0;
          const err = yield* catching(function* (): Coroutine<void> {
            for (let i = 0; i < 10000; i++) {
              w.write(new Uint8Array(64 * 1024));
              sent++;
              if (victim !== null && w.transport.getWriteBufferSize() > 0) {
                const sock = (victim as StreamWriter).getExtraInfo('socket')!;
                if (how === 'resets') sock.resetAndDestroy();
                else (victim as StreamWriter).transport.abort();
                victim = null;
              }
              yield* w.drain();
            }
          });
          w.write('after the end'); // dropped: the connection is gone (no throw)
          const readErr = yield* catching(function* (): Coroutine<void> {
            const rest = yield* r.read(); // EOF or the reset: the same for the reader
            if (rest.length > 0) throw new Error(`unexpected data after the reset: ${rest.length} bytes`);
            throw new Error('EOF');
          });
          // The loop and the server go on: another client is served.
          const [r2, w2] = yield* openConnection('127.0.0.1', port);
          w2.write('next\n');
          w2.write('please\n');
          const other = dec(yield* r2.readline()) + dec(yield* r2.readline());
          w2.close();
          w.close();
          server.close();
          server.closeClients();
          yield* server.waitClosed();
          return { err, readErr, other, sentBefore: sent };
        })()),
      );
      expect(result.err).to.be.instanceOf(Error);
      expect(['ECONNRESET', 'EPIPE']).to.include((result.err as NodeJS.ErrnoException).code);
      expect(result.readErr).to.be.instanceOf(Error);
      expect(['ECONNRESET', 'EPIPE', undefined]).to.include((result.readErr as NodeJS.ErrnoException).code);
      expect(result.other).to.equal('next\nplease\n');
    });
  }
});
