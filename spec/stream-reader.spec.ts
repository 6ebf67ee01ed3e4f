// lib/stream-reader.ts: StreamReader fed by hand (feedData/feedEof/
// setException, as its protocol does), on the synchronous driver with the
// virtual clock. Its life over real sockets is in streams.spec.ts.
import { expect } from 'chai';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import {
  EventLoop,
  IncompleteReadError,
  LimitOverrunError,
  RuntimeError,
  StopAsyncIteration,
  StreamReader,
  ValueError,
  asyncFor,
  createTask,
  type Coroutine,
} from '../lib';
import { catching, vrun } from './support';
import * as streams from '../lib/streams';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Bytes of ArrayBuffers alive after full collections. */
function settledBuffers(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().arrayBuffers;
}

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** Runs `body` and returns what it threw (fails if nothing). */
/** Feeds `chunks` to `reader` one per loop iteration, then EOF (unless eof is false). */
function* feeder(reader: StreamReader, chunks: string[], eof = true): Coroutine<void> {
  for (const c of chunks) {
    yield;
    reader.feedData(c);
  }
  if (eof) reader.feedEof();
}

describe('stream-reader: StreamReader fed by hand', () => {
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

  it('is an async iterator of its lines (async for line in reader): StopAsyncIteration at EOF', () => {
    const lines = vrun(
      (function* (): Coroutine<string[]> {
        const r = new StreamReader();
        createTask(feeder(r, ['one\ntw', 'o\nthr', 'ee']));
        const out: string[] = [];
        yield* asyncFor(r, function* (line) {
          out.push(dec(line));
        });
        expect(yield* catching(() => r.anext())).to.be.instanceOf(StopAsyncIteration);
        return out;
      })(),
    );
    expect(lines).to.deep.equal(['one\n', 'two\n', 'three']);
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

  it('keeps only the chunks it has not read, while a reader keeps up with many small feeds', () => {
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader({ limit: 256 });
        let expected = '';
        for (let i = 0; i < 2000; i++) expected += `line ${i} ${'x'.repeat(i % 50)}\n`;
        const chunks: string[] = [];
        for (let at = 0; at < expected.length; at += 37) chunks.push(expected.slice(at, at + 37));
        createTask(feeder(r, chunks));
        let got = '';
        let maxHeld = 0;
        for (;;) {
          const line = dec(yield* r.readline());
          if (line === '') break;
          got += line;
          const held = r._chunks.slice(r._head);
          // Every chunk it holds has unread bytes: what it holds is what it has not read.
          expect(held.reduce((n, c) => n + c.length, 0) - r._pos).to.equal(r._length);
          expect(held.every((c) => c.length > 0)).to.equal(true);
          maxHeld = Math.max(maxHeld, held.length, r._chunks.length);
        }
        expect(got).to.equal(expected);
        expect(maxHeld).to.be.at.most(64 + 2 * 3); // lines up to ~60 bytes span at most 3 chunks of 37; read ones are let go
      })(),
    );
  });
  it('gives back the memory of a burst once it is read: 200 idle readers hold bytes, not their peak', () => {
    const burst = new Uint8Array(64 * 1024).fill(7);
    const readers: StreamReader[] = [];
    const before = settledBuffers();
    vrun(
      (function* (): Coroutine<void> {
        for (let i = 0; i < 200; i++) {
          const r = new StreamReader(); // limit 64 KiB: a 256 KiB burst is exactly 4 × limit
          for (let k = 0; k < 4; k++) r.feedData(burst);
          expect((yield* r.readexactly(4 * burst.length)).length).to.equal(4 * burst.length);
          readers.push(r); // idle now, as a connection between requests
        }
      })(),
    );
    const held = settledBuffers() - before;
    expect(held, `${held} bytes held by 200 idle readers`).to.be.below(1024 * 1024); // it was 200 × 256 KiB = 50 MiB
    expect(readers.every((r) => r._chunks.length === 0 && r._length === 0)).to.equal(true);
  });

  it('after a burst, reads take from the chunk as it came (no copy of the rest), and let it go once read', () => {
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader({ limit: 1000 });
        const burst = new Uint8Array(100_000);
        for (let i = 0; i < burst.length; i++) burst[i] = i % 251;
        r.feedData(burst);
        r.feedData(enc('tail\n'));
        const kept = r._chunks[0];
        let at = 0;
        while (at < 100_000) {
          const n = Math.min(7_000, 100_000 - at);
          const got = yield* r.readexactly(n);
          expect(Array.from(got.subarray(0, 3))).to.deep.equal([at % 251, (at + 1) % 251, (at + 2) % 251]);
          at += n;
          if (at < 100_000) expect(r._chunks[r._head], 'the same chunk, read further along').to.equal(kept);
        }
        expect(r._chunks.length - r._head).to.equal(1);
        expect(dec(yield* r.readline())).to.equal('tail\n');
        expect(r._chunks.length).to.equal(0);
      })(),
    );
  });

  it('finds a separator whose first byte repeats, and one that straddles two feeds', () => {
    const got = vrun(
      (function* (): Coroutine<string[]> {
        const r = new StreamReader();
        createTask(feeder(r, ['aaaa', 'ab|xx', 'x', 'xy--', '-'], false));
        return [dec(yield* r.readuntil('aab')), dec(yield* r.readuntil(['xxxy', '|'])), dec(yield* r.readuntil('xxxy')), dec(yield* r.readuntil('---'))];
      })(),
    );
    expect(got).to.deep.equal(['aaaaab', '|', 'xxxxy', '---']);
  });

  it('never matches bytes it has already handed out (left over past the unread end of its buffer)', () => {
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader();
        r.feedData('xy\n--;');
        expect(dec(yield* r.readexactly(6))).to.equal('xy\n--;'); // the buffer empties: its bytes stay behind as garbage
        r.feedData('ab');
        r.feedEof();
        const e = (yield* catching(() => r.readuntil(['\n', '--;']))) as IncompleteReadError;
        expect(e).to.be.instanceOf(IncompleteReadError);
        expect(dec(e.partial)).to.equal('ab');
      })(),
    );
  });

  it('encodes strings as UTF-8, and is the StreamReader that lib/streams.ts exports', () => {
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader();
        r.feedData('héllo→\n');
        expect(Array.from(yield* r.readline())).to.deep.equal(Array.from(enc('héllo→\n')));
        expect(streams.StreamReader).to.equal(StreamReader);
        expect(streams.DEFAULT_LIMIT).to.equal(64 * 1024);
      })(),
    );
  });
});
