// lib/pipes.ts: read and write pipe transports over real child processes'
// stdio, the process's own stdin/stdout (in a child, spec/fixtures/upper-stdin.ts),
// and in-memory Node streams (PassThrough) where a spec must control exactly
// when data moves (flow control, errors).
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import {
  BrokenPipeError,
  EventLoop,
  Future,
  ReadPipeTransport,
  RuntimeError,
  StreamReader,
  StreamReaderProtocol,
  StreamWriter,
  ValueError,
  WritePipeTransport,
  getRunningLoop,
  sleep,
  type Coroutine,
  type ExceptionContext,
  type Protocol,
  type Transport,
} from '../lib';
import { arun, hostPause, runFixture } from './support';

const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Records every callback; `lost` resolves at connectionLost. */
class Recorder implements Protocol {
  events: string[] = [];
  data = '';
  transport!: Transport;
  lost: Future<Error | null> = getRunningLoop().createFuture();
  connectionMade(t: Transport): void {
    this.transport = t;
    this.events.push('made');
  }
  dataReceived(data: Uint8Array): void {
    if (this.events[this.events.length - 1] !== 'data') this.events.push('data');
    this.data += dec(data);
  }
  eofReceived(): boolean {
    this.events.push('eof');
    return true; // ignored by a read pipe: its end is the transport's end
  }
  pauseWriting(): void {
    this.events.push('pause');
  }
  resumeWriting(): void {
    this.events.push('resume');
  }
  connectionLost(exc: Error | null): void {
    this.events.push(exc === null ? 'lost' : `lost:${(exc as NodeJS.ErrnoException).code ?? exc.message}`);
    this.lost.setResult(exc);
  }
}

describe('pipes: connectReadPipe and connectWritePipe', function () {
  this.timeout(120_000); // one spec starts a ts-node child, slow on a busy machine

  it("reads a child's stdout: made, data, eof, then lost (the pipe's end is the transport's)", async () => {
    const p = await arun(
      (function* (): Coroutine<Recorder> {
        const child = spawn('printf', ['one\\ntwo\\n'], { stdio: ['ignore', 'pipe', 'ignore'] });
        const [transport, p] = yield* getRunningLoop().connectReadPipe(() => new Recorder(), child.stdout);
        expect(transport).to.be.instanceOf(ReadPipeTransport);
        expect(transport.getExtraInfo('pipe')).to.equal(child.stdout);
        expect(transport.getExtraInfo('socket', 'none')).to.equal('none');
        expect(transport.getProtocol()).to.equal(p);
        expect(p.events).to.deep.equal(['made']);
        expect(yield* p.lost).to.equal(null);
        expect(transport.isClosing()).to.equal(true);
        return p;
      })(),
    );
    expect(p.events).to.deep.equal(['made', 'data', 'eof', 'lost']);
    expect(p.data).to.equal('one\ntwo\n');
  });

  it("writes to a child's stdin: writeEof (or close) gives the child EOF after the buffered data; connectionLost(null)", async () => {
    const out = await arun(
      (function* (): Coroutine<string> {
        const child = spawn('sort', [], { stdio: ['pipe', 'pipe', 'ignore'] });
        const reader = new StreamReader();
        yield* getRunningLoop().connectReadPipe(() => new StreamReaderProtocol(reader), child.stdout);
        const [transport, p] = yield* getRunningLoop().connectWritePipe(() => new Recorder(), child.stdin);
        expect(transport).to.be.instanceOf(WritePipeTransport);
        expect(transport.canWriteEof()).to.equal(true);
        transport.write('pear\n');
        transport.writelines(['fig\n', new TextEncoder().encode('apple\n')]);
        transport.write(''); // nothing
        transport.close(); // a pipe's close is its writeEof
        transport.writeEof(); // twice is harmless
        expect(transport.isClosing()).to.equal(true);
        expect(yield* p.lost).to.equal(null);
        expect(p.events).to.deep.equal(['made', 'lost']);
        return dec(yield* reader.read());
      })(),
    );
    expect(out).to.equal('apple\nfig\npear\n');
  });

  it('the process’s own stdin and stdout: a child reads lines with a StreamReader and writes with a StreamWriter', async () => {
    const result = await runFixture('upper-stdin', [], (line, child) => {
      if (line === 'HELLO') {
        child.stdin!.write('pipes\nlast line');
        child.stdin!.end();
      }
    }, 'hello\n');
    expect(result.lines).to.deep.equal(['HELLO', 'PIPES', 'LAST LINE3 lines, then EOF']);
    expect(result.code).to.equal(0);
  });

  it('write flow control: pauseWriting over the high-water mark, resumeWriting when the reader catches up; drain() waits meanwhile', async () => {
    const events = await arun(
      (function* (): Coroutine<string[]> {
        const loop = getRunningLoop();
        const stream = new PassThrough({ highWaterMark: 16 });
        const [transport, p] = yield* loop.connectWritePipe(() => new StreamReaderProtocol(null), stream);
        const writer = new StreamWriter(transport, p, null, loop);
        transport.setWriteBufferLimits(100);
        expect(transport.getWriteBufferLimits()).to.deep.equal([25, 100]);
        writer.write('x'.repeat(300)); // nobody reads the PassThrough yet
        expect(transport.getWriteBufferSize()).to.be.greaterThan(100);
        const events: string[] = [];
        const drained = loop.createTask(
          (function* () {
            yield* writer.drain();
            events.push('drained');
          })(),
        );
        yield* sleep(0);
        events.push('still waiting');
        stream.resume(); // the reader catches up
        yield* drained;
        expect(() => transport.setWriteBufferLimits(1, 2)).to.throw(ValueError, 'high (1) must be >= low (2) must be >= 0');
        expect(() => transport.setWriteBufferLimits('big' as never)).to.throw(TypeError, "setWriteBufferLimits(): high must be a number of bytes, got 'big'");
        transport.setWriteBufferLimits(undefined, 10);
        expect(transport.getWriteBufferLimits()).to.deep.equal([10, 40]);
        transport.setWriteBufferLimits();
        expect(transport.getWriteBufferLimits()).to.deep.equal([16384, 65536]);
        transport.abort();
        yield* writer.waitClosed();
        return events;
      })(),
    );
    expect(events).to.deep.equal(['still waiting', 'drained']);
  });

  it('pauseWriting and resumeWriting reach a plain protocol; an error in pauseWriting goes to the exception handler', async () => {
    const seen: ExceptionContext[] = [];
    const events = await arun(
      (function* (): Coroutine<string[]> {
        const loop = getRunningLoop();
        loop.setExceptionHandler((_l, ctx) => seen.push(ctx));
        class Touchy extends Recorder {
          override pauseWriting(): void {
            super.pauseWriting();
            throw new Error('cannot pause');
          }
        }
        const stream = new PassThrough({ highWaterMark: 4 });
        const [transport, p] = yield* loop.connectWritePipe(() => new Touchy(), stream);
        transport.setWriteBufferLimits(8, 0);
        transport.write('0123456789');
        stream.resume();
        while (!p.events.includes('resume')) yield* sleep(0);
        transport.abort();
        yield* p.lost;
        return p.events;
      })(),
    );
    expect(events).to.deep.equal(['made', 'pause', 'resume', 'lost']);
    expect(seen.map((c) => c.message)).to.deep.equal(['protocol.pauseWriting() failed']);
  });

  it('read flow control: nothing arrives while reading is paused; what came meanwhile arrives on resume, in order', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const stream = new PassThrough();
        const [transport, p] = yield* loop.connectReadPipe(() => new Recorder(), stream);
        stream.write('a'); // Node may hand these to the transport at once…
        stream.write('b');
        transport.pauseReading(); // …but the protocol gets nothing while paused
        transport.pauseReading(); // twice is harmless
        expect(transport.isReading()).to.equal(false);
        stream.end('c');
        yield* hostPause(20); // every chance to deliver
        expect(p.data).to.equal('');
        transport.resumeReading();
        transport.resumeReading();
        expect(transport.isReading()).to.equal(true);
        yield* p.lost;
        expect(p.data).to.equal('abc');
        expect(p.events).to.deep.equal(['made', 'data', 'eof', 'lost']);
      })(),
    );
  });

  it('text chunks (a stream with an encoding) arrive as bytes; close() stops reading and destroys the stream', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const stream = new PassThrough();
        stream.setEncoding('utf8');
        const [transport, p] = yield* getRunningLoop().connectReadPipe(() => new Recorder(), stream);
        let bytes: unknown = null;
        p.dataReceived = (data: Uint8Array) => {
          bytes = data;
          transport.close();
          transport.close(); // twice is harmless
        };
        stream.write('é');
        expect(yield* p.lost).to.equal(null);
        expect(bytes).to.be.instanceOf(Uint8Array);
        expect(dec(bytes as Uint8Array)).to.equal('é');
        expect(stream.destroyed).to.equal(true);
        expect(String(transport)).to.equal('<ReadPipeTransport closed reading>');
      })(),
    );
  });

  it('an error of the stream ends the pipe: an OS error quietly, any other also through the exception handler', async () => {
    const seen: ExceptionContext[] = [];
    const lost = await arun(
      (function* (): Coroutine<string[]> {
        const loop = getRunningLoop();
        loop.setExceptionHandler((_l, ctx) => seen.push(ctx));
        const os = new PassThrough();
        const [, a] = yield* loop.connectReadPipe(() => new Recorder(), os);
        os.destroy(Object.assign(new Error('read EIO'), { code: 'EIO' }));
        const other = new PassThrough();
        const [, b] = yield* loop.connectReadPipe(() => new Recorder(), other);
        other.destroy(new Error('decoder broke'));
        yield* a.lost;
        yield* b.lost;
        return [...a.events, ...b.events];
      })(),
    );
    expect(lost).to.deep.equal(['made', 'lost:EIO', 'made', 'lost:decoder broke']);
    expect(seen.map((c) => c.message)).to.deep.equal(['Fatal read error on pipe transport']);
  });

  it('an error thrown by dataReceived goes to the exception handler; reading goes on', async () => {
    const seen: ExceptionContext[] = [];
    const data = await arun(
      (function* (): Coroutine<string> {
        const loop = getRunningLoop();
        loop.setExceptionHandler((_l, ctx) => seen.push(ctx));
        const stream = new PassThrough();
        const [, p] = yield* loop.connectReadPipe(() => new Recorder(), stream);
        const record = p.dataReceived.bind(p);
        p.dataReceived = (d: Uint8Array) => {
          record(d);
          if (dec(d) === 'bad') throw new Error('cannot parse');
        };
        stream.write('bad');
        while (p.data === '') yield* hostPause(1); // two separate chunks
        stream.end('good');
        yield* p.lost;
        return p.data;
      })(),
    );
    expect(data).to.equal('badgood');
    expect(seen.map((c) => [c.message, String(c.exception)])).to.deep.equal([['protocol.dataReceived() failed', 'Error: cannot parse']]);
  });

  it('a reader that goes away: a child that exits ends the pipe quietly; one that closed its stdin makes the next write end it with EPIPE', async () => {
    const warnings: unknown[][] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      const [quiet, broken] = await arun(
        (function* (): Coroutine<Array<Error | null>> {
          const loop = getRunningLoop();
          // Exited: Node closes the child's stdin, and with nothing buffered the pipe just ends (asyncio: connection_lost(None)).
          const done = spawn('true', [], { stdio: ['pipe', 'ignore', 'ignore'] });
          const [, a] = yield* loop.connectWritePipe(() => new Recorder(), done.stdin);
          const quiet = yield* a.lost;
          // Still running, stdin closed: the write fails.
          const child = spawn('sh', ['-c', 'exec <&-; echo closed; sleep 30'], { stdio: ['pipe', 'pipe', 'ignore'] });
          const reader = new StreamReader();
          yield* loop.connectReadPipe(() => new StreamReaderProtocol(reader), child.stdout);
          const [transport, b] = yield* loop.connectWritePipe(() => new Recorder(), child.stdin);
          expect(dec(yield* reader.readline())).to.equal('closed\n');
          transport.write('anyone?');
          const broken = yield* b.lost;
          for (let i = 0; i < 6; i++) transport.write('dropped');
          child.kill();
          return [quiet, broken];
        })(),
      );
      expect(quiet).to.equal(null);
      expect(broken).to.be.instanceOf(BrokenPipeError);
      expect((broken as Error).message).to.equal('[Errno 32] Broken pipe');
    } finally {
      console.warn = warn;
    }
    expect(warnings).to.deep.equal([
      ['pipe closed by peer or os.write(pipe, data) raised exception.'],
      ['pipe closed by peer or os.write(pipe, data) raised exception.'],
    ]);
  });

  it('closing the loop closes the pipes it still owns: a read pipe is destroyed, a write pipe ended', async () => {
    const loop = new EventLoop();
    const input = new PassThrough();
    const output = new PassThrough();
    let finished = false;
    output.on('finish', () => (finished = true));
    const [[readT], [writeT]] = await loop.runUntilCompleteAsync(
      (function* () {
        const r = yield* loop.connectReadPipe(() => new StreamReaderProtocol(new StreamReader()), input);
        const w = yield* loop.connectWritePipe(() => new StreamReaderProtocol(null), output);
        return [r, w] as const;
      })(),
    );
    writeT.write('last words');
    loop.close();
    expect(input.destroyed).to.equal(true);
    expect(readT.isClosing()).to.equal(true);
    expect(writeT.isClosing()).to.equal(true);
    expect(String(output.read())).to.equal('last words'); // written before the end
    await new Promise((r) => setImmediate(r));
    expect(finished).to.equal(true);
  });

  it('cancelled while connecting, the transport is closed again; a read transport may change protocols', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const stream = new PassThrough();
        let made: Recorder | null = null;
        const connecting = loop.createTask(
          loop.connectReadPipe(() => (made = new Recorder()), stream),
        );
        yield* sleep(0); // the task has made the transport and waits one turn for connectionMade
        connecting.cancel();
        yield* (made as unknown as Recorder).lost;
        expect(connecting.cancelled()).to.equal(true);
        expect(stream.destroyed).to.equal(true);

        const [t, first] = yield* loop.connectReadPipe(() => new Recorder(), new PassThrough());
        const second = new Recorder();
        t.setProtocol(second);
        expect(t.getProtocol()).to.equal(second);
        t.close();
        yield* second.lost;
        expect(first.lost.done()).to.equal(false);
      })(),
    );
  });

  it('checks its arguments', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const factory = () => new Recorder();
        expect(() => loop.connectReadPipe(factory, {} as never)).to.throw(TypeError, /connectReadPipe\(\) needs a Node Readable stream \(such as process.stdin\), got/);
        expect(() => loop.connectWritePipe(factory, 42 as never)).to.throw(TypeError, 'connectWritePipe() needs a Node Writable stream (such as process.stdout), got 42');
        expect(() => loop.connectReadPipe(null as never, new PassThrough())).to.throw(TypeError, /connectReadPipe\(\) needs a protocol factory/);
        const gone = new PassThrough();
        gone.destroy();
        expect(() => loop.connectWritePipe(factory, gone)).to.throw(RuntimeError, 'connectWritePipe(): the stream is already destroyed');
        const [t] = yield* loop.connectWritePipe(factory, new PassThrough());
        expect(() => t.write(42 as never)).to.throw(TypeError, /write\(\) needs a Uint8Array or a string, not 42/);
        expect(() => t.writelines(42 as never)).to.throw(TypeError, /writelines\(\) needs an iterable/);
        expect(String(t)).to.equal('<WritePipeTransport open bufsize=0>');
        const other = new Recorder();
        t.setProtocol(other); // the next callbacks go to the new protocol
        expect(t.getProtocol()).to.equal(other);
        t.abort();
        yield* other.lost;
      })(),
    );
    const closed = new EventLoop();
    closed.close();
    expect(() => closed.connectReadPipe(() => new Recorder(), new PassThrough())).to.throw(RuntimeError, 'Event loop is closed');
  });
});
