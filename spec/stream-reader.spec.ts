// lib/stream-reader.ts: StreamReader fed by hand (feedData/feedEof/
// setException, as its protocol does), on the synchronous driver with the
// virtual clock. Its life over real sockets is in streams.spec.ts.
import { expect } from 'chai';
import fc from 'fast-check';
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
  type Task,
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

  it('waiting with a short unread tail of a big chunk, it keeps the tail, not the chunk', () => {
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader();
        const big = new Uint8Array(64 * 1024).fill(97);
        for (let i = 1023; i < big.length; i += 1024) big[i] = 10;
        big[big.length - 1] = 98; // the last line is not finished: 1 024 bytes wait for the rest
        r.feedData(big);
        for (let i = 0; i < 63; i++) expect((yield* r.readline()).length).to.equal(1024);
        const rest = createTask(r.readline()); // waits
        yield;
        expect(r._chunks[r._head].buffer.byteLength).to.equal(1024);
        r.feedData('\n');
        const line = yield* rest;
        expect([line.length, line[1023], line[1024]]).to.deep.equal([1025, 98, 10]);
      })(),
    );
  });

  it('finds a separator split over several chunks, after a false start that crosses a boundary, without waiting', () => {
    const got = vrun(
      (function* (): Coroutine<string[]> {
        const r = new StreamReader();
        for (const c of ['x<-', '-<', '-', '-', '>y\r', '\n', 'z']) r.feedData(c);
        const out = [dec(yield* r.readuntil('<-->')), dec(yield* r.readuntil(enc('\r\n')))];
        r.feedEof();
        out.push(dec(yield* r.readline()));
        return out;
      })(),
    );
    expect(got).to.deep.equal(['x<--<-->', 'y\r\n', 'z']);
  });

  it('readexactly spanning a thousand chunks returns them in order, and leaves the rest of the last one', () => {
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader();
        const all: number[] = [];
        for (let i = 0; i < 1000; i++) {
          const chunk = new Uint8Array((i % 7) + 1).map((_, k) => (i * 7 + k) & 0xff);
          all.push(...chunk);
          r.feedData(chunk);
        }
        const n = all.length - 3;
        expect(Array.from(yield* r.readexactly(n))).to.deep.equal(all.slice(0, n));
        expect(r._length).to.equal(3);
        expect(r._chunks.length - r._head).to.equal(1); // every chunk read whole was let go
        r.feedEof();
        const e = (yield* catching(() => r.readexactly(4))) as IncompleteReadError;
        expect(e).to.be.instanceOf(IncompleteReadError);
        expect(Array.from(e.partial)).to.deep.equal(all.slice(n));
        expect(e.message).to.equal('3 bytes read on a total of 4 expected bytes');
      })(),
    );
  });

  it("a line over the limit across chunks: CPython's messages and consumed counts", () => {
    // CPython 3.12, the same feeds (limit=10): LimitOverrunError('Separator is found, but chunk is longer than limit', 12),
    // then, 13 bytes later, LimitOverrunError('Separator is not found, and chunk exceed the limit', 12).
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader({ limit: 10 });
        for (const c of ['01234', '56789', 'ab\n', '0123456789', '0', 'x']) r.feedData(c);
        const first = (yield* catching(() => r.readuntil('\n'))) as LimitOverrunError;
        expect([first.constructor, first.message, first.consumed]).to.deep.equal([LimitOverrunError, 'Separator is found, but chunk is longer than limit', 12]);
        expect(dec(yield* r.readexactly(13))).to.equal('0123456789ab\n');
        const second = (yield* catching(() => r.readuntil('\n'))) as LimitOverrunError;
        expect([second.constructor, second.message, second.consumed]).to.deep.equal([LimitOverrunError, 'Separator is not found, and chunk exceed the limit', 12]);
        const third = (yield* catching(() => r.readline())) as ValueError;
        expect([third.constructor, third.message]).to.deep.equal([ValueError, 'Separator is not found, and chunk exceed the limit']);
        expect(r._length).to.equal(0); // readline dropped the overlong partial line
      })(),
    );
  });

  it('small results are fresh plain Uint8Arrays cut from a shared slab: separate bytes, 8-byte aligned; big ones have their own buffer', () => {
    vrun(
      (function* (): Coroutine<void> {
        const r = new StreamReader();
        r.feedData('ab\ncd\n');
        r.feedData(new Uint8Array(5000).fill(65));
        const a = yield* r.readline();
        const b = yield* r.readline();
        const big = yield* r.readexactly(5000);
        expect(Object.getPrototypeOf(a)).to.equal(Uint8Array.prototype);
        a.fill(0); // the caller owns its bytes: nothing else changes
        expect(dec(b)).to.equal('cd\n');
        expect(b.byteOffset % 8).to.equal(0);
        expect([big.byteOffset, big.buffer.byteLength]).to.deep.equal([0, 5000]);
        expect(b.slice().buffer.byteLength, 'slice() gives a buffer of its own').to.equal(3);
      })(),
    );
  });

  it('property: any chunking of a byte stream gives the same readline/readexactly/readuntil/read results', () => {
    type Op = { kind: 'readline' } | { kind: 'readexactly'; n: number } | { kind: 'readuntil'; sep: string[] } | { kind: 'read'; n: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant<Op>({ kind: 'readline' }),
      fc.integer({ min: 0, max: 40 }).map((n): Op => ({ kind: 'readexactly', n })),
      fc.array(fc.constantFrom('\n', '-', '--', 'ab', 'a-b', '--\n'), { minLength: 1, maxLength: 3 }).map((sep): Op => ({ kind: 'readuntil', sep })),
      fc.integer({ min: 1, max: 40 }).map((n): Op => ({ kind: 'read', n })),
    );
    /** Every result and error, with what it carries; each chunk fed in a loop iteration of its own when `interleave`. */
    function outcomes(stream: Uint8Array, cuts: number[], ops: Op[], limit: number, interleave: boolean): string[] {
      return vrun(
        (function* (): Coroutine<string[]> {
          const r = new StreamReader({ limit });
          const bounds = [0, ...[...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((x, y) => x - y), stream.length];
          const chunks = bounds.slice(1).map((end, i) => stream.subarray(bounds[i], end)).filter((c) => c.length > 0);
          let feeding: Task<void> | null = null;
          if (interleave) {
            feeding = createTask(
              (function* (): Coroutine<void> {
                for (const c of chunks) {
                  yield;
                  r.feedData(c);
                }
                r.feedEof();
              })(),
            );
          } else {
            for (const c of chunks) r.feedData(c);
            r.feedEof();
          }
          const out: string[] = [];
          for (const o of ops) {
            try {
              const got =
                o.kind === 'readline' ? yield* r.readline() : o.kind === 'readexactly' ? yield* r.readexactly(o.n) : o.kind === 'read' ? yield* r.read(o.n) : yield* r.readuntil(o.sep);
              out.push(`${o.kind}:${dec(got)}`);
            } catch (e) {
              const extra = e instanceof IncompleteReadError ? dec(e.partial) : e instanceof LimitOverrunError ? e.consumed : '';
              out.push(`${o.kind}:${(e as Error).name}:${(e as Error).message}:${extra}`);
            }
          }
          if (feeding !== null) yield* feeding; // then count what is left, every chunk fed
          out.push(`left:${r._length}`);
          return out;
        })(),
      );
    }
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', '-', '\n', 'x'), { maxLength: 120 }).map((cs) => enc(cs.join(''))),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(op, { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 30 }),
        (stream, cuts, ops, limit) => {
          // All fed before the reads: any limit (no read waits, so the limit checks see the same bytes).
          expect(outcomes(stream, cuts, ops, limit, false)).to.deep.equal(outcomes(stream, [], ops, limit, false));
          // Fed one chunk per iteration while the reads wait: a limit no line reaches, so only the chunking
          // differs. Not read(n), which returns what has come so far (at least one byte), by design.
          const waiting = ops.filter((o) => o.kind !== 'read');
          expect(outcomes(stream, cuts, waiting, 1000, true)).to.deep.equal(outcomes(stream, [], waiting, 1000, false));
        },
      ),
      { numRuns: 300 },
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
