// lib/streams.ts: StreamReader (fed by hand, on the synchronous driver),
// and openConnection/startServer/StreamWriter over real loopback sockets on
// the async driver. Everything runs on the virtual clock; waits are for
// events, never for time.
import { expect } from 'chai';
import {
  ConnectionResetError,
  EventLoop,
  Future,
  IncompleteReadError,
  LimitOverrunError,
  RuntimeError,
  StreamReader,
  StreamReaderProtocol,
  StreamWriter,
  ValueError,
  createTask,
  fromPromise,
  getRunningLoop,
  openConnection,
  run,
  runSync,
  startServer,
  type Coroutine,
  type ExceptionContext,
  type Server,
  type Task,
  type Transport,
} from '../lib';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function arun<T>(main: Coroutine<T>): Promise<T> {
  return run(main, { clock: 'virtual' });
}

function vrun<T>(main: Coroutine<T>): T {
  return runSync(main, { clock: 'virtual' });
}

/** Lets Node run for `ms` real milliseconds (a host wait; nothing is asserted about time). */
function* hostPause(ms: number): Coroutine<void> {
  yield* fromPromise(new Promise<void>((resolve) => setTimeout(resolve, ms)));
}

/** Runs `body` and returns what it threw (fails if nothing). */
function* catching(body: () => Coroutine<unknown> | Future<unknown>): Coroutine<unknown> {
  try {
    yield* body();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

/** Feeds `chunks` to `reader` one per loop iteration, then EOF (unless eof is false). */
function* feeder(reader: StreamReader, chunks: string[], eof = true): Coroutine<void> {
  for (const c of chunks) {
    yield;
    reader.feedData(c);
  }
  if (eof) reader.feedEof();
}

describe('streams: StreamReader fed by hand', () => {
  it('read(n) returns what is there (at least one byte), read() everything until EOF', () => {
    const got = vrun(
      (function* (): Coroutine<string[]> {
        const r = new StreamReader();
        createTask(feeder(r, ['hello ', 'wor', 'ld']));
        const out: string[] = [];
        out.push(dec(yield* r.read(3)));
        out.push(dec(yield* r.read(100)));
        out.push(dec(yield* r.read(0)));
        out.push(dec(yield* r.read()));
        out.push(dec(yield* r.read()));
        out.push(dec(yield* r.read(5)));
        return out;
      })(),
    );
    expect(got).to.deep.equal(['hel', 'lo ', '', 'world', '', '']);
  });

  it('returns fresh plain Uint8Arrays that the caller owns', () => {
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader();
        const input = enc('abcdef');
        r.feedData(input);
        input.fill(0); // the reader copied it
        const a = yield* r.read(3);
        expect(Object.getPrototypeOf(a)).to.equal(Uint8Array.prototype);
        r.feedData('ghi');
        expect(dec(a)).to.equal('abc');
        expect(dec(yield* r.read(10))).to.equal('defghi');
      })(),
    );
  });

  it('readline: up to and including the newline; the partial last line at EOF; then empty', () => {
    const lines = vrun(
      (function* (): Coroutine<string[]> {
        const r = new StreamReader();
        createTask(feeder(r, ['one\ntw', 'o\nthr', 'ee']));
        const out: string[] = [];
        for (let i = 0; i < 4; i++) out.push(dec(yield* r.readline()));
        expect(r.atEof()).to.equal(true);
        return out;
      })(),
    );
    expect(lines).to.deep.equal(['one\n', 'two\n', 'three', '']);
  });

  it('readline over the limit is a ValueError, and the long line is dropped (with or without its newline)', () => {
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader({ limit: 3 });
        expect(r.limit).to.equal(3);
        r.feedData('abcdef\nok\n');
        const e1 = yield* catching(() => r.readline());
        expect(e1).to.be.instanceOf(ValueError).with.property('message', 'Separator is found, but chunk is longer than limit');
        expect(dec(yield* r.readline())).to.equal('ok\n');
        r.feedData('abcdef');
        const e2 = yield* catching(() => r.readline());
        expect(e2).to.be.instanceOf(ValueError).with.property('message', 'Separator is not found, and chunk exceed the limit');
        expect(r._length).to.equal(0);
        r.feedEof();
        expect(dec(yield* r.readline())).to.equal('');
      })(),
    );
  });

  it('readuntil: LimitOverrunError leaves the data; IncompleteReadError at EOF carries the partial data', () => {
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader({ limit: 3 });
        r.feedData('abcdef');
        const e1 = (yield* catching(() => r.readuntil('\n'))) as LimitOverrunError;
        expect(e1).to.be.instanceOf(LimitOverrunError);
        expect(e1.consumed).to.equal(6);
        r.feedData('\n');
        const e2 = (yield* catching(() => r.readuntil())) as LimitOverrunError;
        expect(e2.message).to.equal('Separator is found, but chunk is longer than limit');
        expect(e2.consumed).to.equal(6);
        expect(dec(yield* r.readexactly(7))).to.equal('abcdef\n');
        r.feedData('xy');
        r.feedEof();
        const e3 = (yield* catching(() => r.readuntil('\n'))) as IncompleteReadError;
        expect(e3).to.be.instanceOf(IncompleteReadError);
        expect(dec(e3.partial)).to.equal('xy');
        expect(e3.expected).to.equal(null);
        expect(r.atEof()).to.equal(true);
      })(),
    );
  });

  it('readuntil: a multi-byte separator split across chunks, and a list of separators (shortest match wins)', () => {
    const got = vrun(
      (function* (): Coroutine<string[]> {
        const r = new StreamReader();
        createTask(feeder(r, ['header\r', '\nbody--', '--end;rest', '|tail'], false));
        const out: string[] = [];
        out.push(dec(yield* r.readuntil('\r\n')));
        out.push(dec(yield* r.readuntil(enc('----'))));
        out.push(dec(yield* r.readuntil(['|', ';'])));
        out.push(dec(yield* r.readuntil(['|', enc('never')])));
        return out;
      })(),
    );
    expect(got).to.deep.equal(['header\r\n', 'body----', 'end;', 'rest|']);
  });

  it('readexactly: exactly n bytes, or IncompleteReadError(partial, expected) at EOF', () => {
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader();
        createTask(feeder(r, ['ab', 'cd', 'ef']));
        expect(dec(yield* r.readexactly(3))).to.equal('abc');
        expect(dec(yield* r.readexactly(0))).to.equal('');
        expect(dec(yield* r.readexactly(1))).to.equal('d');
        const e = (yield* catching(() => r.readexactly(5))) as IncompleteReadError;
        expect(e).to.be.instanceOf(IncompleteReadError);
        expect(dec(e.partial)).to.equal('ef');
        expect(e.expected).to.equal(5);
        expect(e.message).to.equal('2 bytes read on a total of 5 expected bytes');
      })(),
    );
  });

  it('setException makes every read raise it, and wakes a waiting reader with it', () => {
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader();
        const boom = new Error('connection broke');
        const waiting = createTask(r.read(10));
        yield;
        r.setException(boom);
        expect(yield* catching(() => waiting)).to.equal(boom);
        expect(r.exception()).to.equal(boom);
        for (const read of [() => r.read(), () => r.readline(), () => r.readuntil('x'), () => r.readexactly(1)]) {
          expect(yield* catching(read)).to.equal(boom);
        }
        r.setException(boom); // nobody waiting: fine
      })(),
    );
  });

  it('a cancelled reader leaves the stream usable', () => {
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader();
        const t = createTask(r.readline());
        yield;
        t.cancel();
        yield;
        r.feedData('later\n'); // the cancelled waiter is skipped
        r.setException(new Error('x')); // and not set either
        r._exception = null;
        expect(dec(yield* r.readline())).to.equal('later\n');
      })(),
    );
  });

  it('only one coroutine may wait for data at a time (RuntimeError, as asyncio)', () => {
    const err = vrun(
      (function* (): Coroutine<unknown> {
        const r = new StreamReader();
        createTask(r.read());
        yield;
        const e = yield* catching(() => r.readline());
        r.feedEof();
        return e;
      })(),
    );
    expect(err).to.be.instanceOf(RuntimeError).with.property('message', 'readuntil() called while another coroutine is already waiting for incoming data');
  });

  it('checks arguments and misuse', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    expect(() => new StreamReader({ limit: 0, loop })).to.throw(ValueError, 'Limit cannot be <= 0');
    expect(() => new StreamReader({ limit: 'big' as never, loop })).to.throw(TypeError, 'limit must be a number');
    expect(() => new StreamReader(null as never)).to.throw(TypeError, 'options must be an object');
    const r = new StreamReader({ loop });
    expect(() => r.readexactly(-1)).to.throw(ValueError, 'readexactly size can not be less than zero');
    expect(() => r.readexactly(1.5)).to.throw(TypeError, 'integer');
    expect(() => r.read('3' as never)).to.throw(TypeError, 'integer');
    expect(() => r.readuntil('')).to.throw(ValueError, 'Separator should be at least one-byte string');
    expect(() => r.readuntil([])).to.throw(ValueError, 'Separator should contain at least one element');
    expect(() => r.readuntil(5 as never)).to.throw(TypeError, 'readuntil() needs a Uint8Array or a string');
    expect(() => r.feedData(5 as never)).to.throw(TypeError, 'feedData()');
    r.feedData(new Uint8Array(0)); // empty: nothing happens
    r.feedEof();
    expect(() => r.feedData('late')).to.throw(RuntimeError, 'feedData() after feedEof()');
    loop.close();
  });

  it('toString shows the state the way asyncio\'s repr does', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const r = new StreamReader({ loop, limit: 10 });
    expect(String(r)).to.equal('<StreamReader limit=10>');
    r.feedData('abc');
    r.feedEof();
    r.setException(new ValueError('x'));
    expect(String(r)).to.equal("<StreamReader 3 bytes eof limit=10 exception=ValueError('x')>");
    expect(String(new StreamReader({ loop }))).to.equal('<StreamReader>');
    loop.close();
  });

  it('keeps its buffer compact while a reader keeps up with many small feeds', () => {
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader({ limit: 256 });
        let expected = '';
        for (let i = 0; i < 2000; i++) expected += `line ${i} ${'x'.repeat(i % 50)}\n`;
        const chunks: string[] = [];
        for (let at = 0; at < expected.length; at += 37) chunks.push(expected.slice(at, at + 37));
        createTask(feeder(r, chunks));
        let got = '';
        let maxCapacity = 0;
        for (;;) {
          const line = dec(yield* r.readline());
          if (line === '') break;
          got += line;
          maxCapacity = Math.max(maxCapacity, r._buf.length);
        }
        expect(got).to.equal(expected);
        expect(maxCapacity).to.equal(1024); // partial lines stay, yet the buffer never grows past its first size
      })(),
    );
  });
});

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
        expect(w.transport.getExtraInfo('peername')?.port).to.equal(server.address().port);
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

  it('a write(); drain() loop ends with the error when the peer goes away', async () => {
    const err = await arun(
      (function* (): Coroutine<unknown> {
        let serverWriter: StreamWriter | null = null;
        const server = yield* startServer((_r, w) => {
          serverWriter = w;
          w.transport.pauseReading();
        }, '127.0.0.1', 0);
        const [, w] = yield* openConnection('127.0.0.1', server.address().port);
        let aborted = false;
        const e = yield* catching(function* () {
          for (let i = 0; i < 100000; i++) {
            w.write(new Uint8Array(64 * 1024));
            if (!aborted && w.transport.getWriteBufferSize() > 0) {
              aborted = true;
              (serverWriter as unknown as StreamWriter).transport.abort(); // the peer vanishes mid-stream
            }
            yield* w.drain();
            if (!aborted) yield* hostPause(1);
          }
        });
        server.close();
        return e;
      })(),
    );
    expect(err).to.be.instanceOf(Error);
    expect(['ECONNRESET', 'EPIPE']).to.include((err as NodeJS.ErrnoException).code);
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
    expect(() => runSync(openConnection('127.0.0.1', 9))).to.throw(RuntimeError, /async driver[\s\S]*asyncio\.run\(main\(\)\)/);
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
