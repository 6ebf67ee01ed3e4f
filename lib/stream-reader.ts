/**
 * StreamReader (CPython: streams.StreamReader): the reading end of a stream,
 * a byte buffer with coroutines that wait for what is not there yet —
 * `read(n)`, `readline()`, `readexactly(n)`, `readuntil(sep)`.
 *
 * Its protocol (StreamReaderProtocol, lib/streams.ts) feeds it with
 * `feedData()` and `feedEof()`, or fails it with `setException()`; one
 * coroutine at a time waits in it for more. Two rules from asyncio live here:
 * - the limit: a line (or `readuntil` chunk) longer than `limit` is
 *   LimitOverrunError (`readline()` turns it into ValueError), and a stream
 *   that ends before what was asked for is IncompleteReadError, carrying the
 *   bytes that did come;
 * - inbound back-pressure: over twice its `limit` of unread bytes, the reader
 *   pauses its transport's reading, and resumes it once the buffer drops to
 *   the limit, so a slow reader slows the sender down.
 *
 * The buffer is a list of the chunks as they came, with an offset into the
 * first: nothing is copied on the way in (from a transport; bytes fed by hand
 * are copied once, since the caller may reuse them), and a read copies only
 * the bytes it returns. A separator is searched chunk by chunk where it is
 * — the chunks are never joined — and a line is searched once, however many
 * chunks it waits for.
 *
 * Bytes come out as plain Uint8Arrays that the caller owns (fresh copies,
 * never views of the buffer). Small ones (up to 4 KiB) are cut from a shared
 * slab, as Node cuts small Buffers from its pool: their `.buffer` is shared,
 * so `slice()` one to have an ArrayBuffer of its own (to transfer it, say).
 * This file needs nothing from Node (the transport is only a type here), so
 * a StreamReader fed by hand works in a browser too; in Node it searches
 * with Buffer's native `indexOf`. lib/streams.ts re-exports it.
 */
import type { EventLoop } from './loop';
import { IncompleteReadError, LimitOverrunError, RuntimeError, StopAsyncIteration, ValueError } from './exceptions';
import { _getRunningLoop, getEventLoop } from './events';
import type { Coroutine, Future } from './futures';
import type { Transport } from './transports';
import { checkOptions } from './options';
import { repr } from './repr';

/** asyncio's default buffer limit: 64 KiB. */
export const DEFAULT_LIMIT = 2 ** 16;

const EMPTY = new Uint8Array(0);
const NEWLINE = new Uint8Array([10]);
const NEWLINE_ONLY = [NEWLINE];

// Results of at most SMALL bytes are views into a shared slab of SLAB bytes: one
// ArrayBuffer per slab instead of one per line (a fresh ArrayBuffer costs several
// times the copy of a short line). Node's Buffer pool: 8 KiB slabs, 4 KiB results.
const SLAB = 16 * 1024;
const SMALL = 4 * 1024;
let slab = new ArrayBuffer(SLAB);
let slabUsed = 0;

/** A fresh Uint8Array of n bytes for a result (a slab's view when small). */
function allocResult(n: number): Uint8Array {
  if (n > SMALL) return new Uint8Array(n);
  if (slabUsed + n > SLAB) {
    slab = new ArrayBuffer(SLAB);
    slabUsed = 0;
  }
  const out = new Uint8Array(slab, slabUsed, n);
  slabUsed += (n + 7) & ~7; // 8-byte aligned, as Node's pool: a result can be viewed as wider integers
  return out;
}

// The position of a byte: Node's Buffer.indexOf is memchr (ten times the typed array's in V8), and takes any Uint8Array.
const nodeIndexOf = (globalThis as { Buffer?: { prototype: { indexOf(this: Uint8Array, value: number, from: number): number } } }).Buffer?.prototype.indexOf;
const indexOfByte: (bytes: Uint8Array, byte: number, from: number) => number =
  nodeIndexOf !== undefined ? (bytes, byte, from) => nodeIndexOf.call(bytes, byte, from) : (bytes, byte, from) => bytes.indexOf(byte, from);

/** A plain Uint8Array over the same bytes (a Node Buffer's subarray() costs more: it makes a Buffer). */
function plain(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** @internal Checks a `limit` option: a positive number of bytes (asyncio's ValueError for <= 0). */
export function checkLimit(limit: unknown): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (typeof limit !== 'number' || Number.isNaN(limit)) throw new TypeError(`limit must be a number of bytes, got ${repr(limit)}`);
  if (limit <= 0) throw new ValueError('Limit cannot be <= 0');
  return limit;
}

const utf8 = new TextEncoder();

function toBytes(data: unknown, method: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') return utf8.encode(data);
  throw new TypeError(`${method}() needs a Uint8Array or a string, not ${repr(data)}`);
}

/** Options of `new StreamReader()`. */
export interface StreamReaderOptions {
  /** The longest line (or `readuntil` chunk) accepted, and half the buffer size at which reading pauses. Default 64 KiB. */
  limit?: number;
  /** Default: the running loop, else the current one. */
  loop?: EventLoop;
}

/**
 * asyncio.StreamReader: the reading end of a stream. Only one coroutine may
 * wait in it at a time. `feedData()`/`feedEof()`/`setException()` are what
 * its protocol calls, and are handy in tests.
 * @example
 * const [reader, writer] = yield* openConnection('127.0.0.1', port);
 * const line = yield* reader.readline();        // up to and including '\n'
 * const header = yield* reader.readexactly(4);  // or IncompleteReadError at EOF
 */
export class StreamReader {
  /** @internal */ _loop: EventLoop;
  /** @internal */ _limit: number;
  // The buffer: the chunks _chunks[_head…] as they came; the first _pos bytes of _chunks[_head] are read.
  /** @internal */ _chunks: Uint8Array[] = [];
  /** @internal */ _head = 0;
  /** @internal */ _pos = 0;
  /** @internal The number of unread bytes. */ _length = 0;
  /** @internal */ _eof = false;
  /** @internal The future a read*() waits on (Python's `_waiter`). */ _waiter: Future<void> | null = null;
  /** @internal */ _exception: Error | null = null;
  /** @internal */ _transport: Transport | null = null;
  /** @internal The transport's reading is paused because the buffer is full. */ _paused = false;
  /** @internal Never pause the transport (set while a child process is waited for, see subprocess.ts). */ _unbounded = false;

  constructor(options: StreamReaderOptions = {}) {
    if (options === null || typeof options !== 'object') throw new TypeError(`StreamReader options must be an object, got ${repr(options)}`);
    checkOptions<StreamReaderOptions>('StreamReader', options, ['limit', 'loop']);
    this._limit = checkLimit(options.limit);
    this._loop = options.loop ?? _getRunningLoop() ?? getEventLoop();
  }

  /** The buffer limit (asyncio's `_limit`). */
  get limit(): number {
    return this._limit;
  }

  /** The exception set with `setException()` (or by a lost connection), or null. */
  exception(): Error | null {
    return this._exception;
  }

  /** Makes every read raise `exc` (wakes the waiting reader with it). */
  setException(exc: Error): void {
    this._exception = exc;
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      if (!waiter.cancelled()) waiter.setException(exc);
    }
  }

  private _wakeupWaiter(): void {
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      if (!waiter.cancelled()) waiter.setResult(undefined);
    }
  }

  /** Connects the reader to the transport it pauses and resumes (once). */
  setTransport(transport: Transport): void {
    if (this._transport !== null) throw new RuntimeError('Transport already set');
    this._transport = transport;
  }

  /** @internal `writer.startTls()` replaced the transport: a paused reading stays paused on the new one. */
  _replaceTransport(transport: Transport): void {
    this._transport = transport;
    if (this._paused) transport.pauseReading();
  }

  private _maybeResumeTransport(): void {
    if (this._paused && this._length <= this._limit) {
      this._paused = false;
      (this._transport as Transport).resumeReading();
    }
  }

  /** The stream has ended: reads return what is buffered, then empty results. */
  feedEof(): void {
    this._eof = true;
    this._wakeupWaiter();
  }

  /** True when the stream has ended and every byte was read. */
  atEof(): boolean {
    return this._eof && this._length === 0;
  }

  /** Appends bytes (a string as UTF-8; a copy of a Uint8Array, which the caller may reuse) and wakes the waiting reader. */
  feedData(data: Uint8Array | string): void {
    const bytes = toBytes(data, 'feedData');
    this._feed(bytes === data ? bytes.slice() : bytes);
  }

  /** @internal feedData() for bytes nobody else will touch (a transport's chunks): kept as they are, not copied. */
  _feed(bytes: Uint8Array): void {
    if (this._eof) throw new RuntimeError('feedData() after feedEof()');
    if (bytes.length === 0) return;
    this._chunks.push(plain(bytes));
    this._length += bytes.length;
    this._wakeupWaiter();
    // Over twice the limit, stop reading from the transport until the reader catches up.
    if (this._transport !== null && !this._paused && !this._unbounded && this._length > 2 * this._limit) {
      this._transport.pauseReading();
      this._paused = true;
    }
  }

  /** @internal Stops pausing the transport from now on, and resumes it if it is paused. */
  _neverPause(): void {
    this._unbounded = true;
    if (this._paused) {
      this._paused = false;
      (this._transport as Transport).resumeReading();
    }
  }

  /** Removes and returns the first `n` unread bytes (a copy; n <= _length). */
  private _take(n: number): Uint8Array {
    if (n === 0) return EMPTY.slice();
    const out = allocResult(n);
    const chunks = this._chunks;
    let at = 0;
    while (at < n) {
      const chunk = chunks[this._head];
      const pos = this._pos;
      const k = Math.min(n - at, chunk.length - pos);
      out.set(k === chunk.length ? chunk : chunk.subarray(pos, pos + k), at);
      at += k;
      if (pos + k === chunk.length) this._dropHead();
      else this._pos = pos + k;
    }
    this._length -= n;
    return out;
  }

  /** The first chunk is read: let it go. */
  private _dropHead(): void {
    const chunks = this._chunks;
    chunks[this._head++] = EMPTY;
    this._pos = 0;
    if (this._head === chunks.length) {
      chunks.length = 0;
      this._head = 0;
    } else if (this._head >= 64 && this._head * 2 >= chunks.length) {
      chunks.splice(0, this._head); // a reader that lags behind many small chunks: compact now and then
      this._head = 0;
    }
  }

  /**
   * Before a wait: a short unread tail left in a big chunk moves to an array
   * of its own, so that an idle reader holds about what it has not read, not
   * the 64 KiB chunk it came in (a copy of a few bytes, once per wait).
   */
  private _compactTail(): void {
    if (this._chunks.length - this._head !== 1) return;
    const chunk = this._chunks[this._head];
    const held = chunk.buffer.byteLength;
    if (held <= SMALL || held <= 4 * this._length) return;
    this._chunks[this._head] = chunk.slice(this._pos);
    this._pos = 0;
  }

  /** The unread byte at index k (from the first unread byte; k < _length). */
  private _byteAt(k: number): number {
    const chunks = this._chunks;
    let c = this._head;
    k += this._pos;
    while (k >= chunks[c].length) k -= chunks[c++].length;
    return chunks[c][k];
  }

  /** Index (from the first unread byte) of `sep` at or after `from`, or -1; across chunk boundaries, without joining them. */
  private _find(sep: Uint8Array, from: number): number {
    const chunks = this._chunks;
    const first = sep[0];
    const n = sep.length;
    const last = this._length - n; // the last index a whole separator can start at
    if (from > last) return -1;
    // `base`: the index of the chunk's first byte, counted from the first unread byte.
    let base = -this._pos;
    for (let c = this._head; c < chunks.length; c++) {
      const chunk = chunks[c];
      const end = base + chunk.length;
      if (end > from) {
        for (let i = indexOfByte(chunk, first, Math.max(from - base, 0)); i !== -1; i = indexOfByte(chunk, first, i + 1)) {
          const at = base + i;
          if (at > last) return -1;
          if (n === 1 || this._matchesAt(sep, c, i)) return at;
        }
      }
      base = end;
    }
    return -1;
  }

  /** True when the bytes from chunk c, index i on are `sep` (its first byte is known to match; they are all buffered). */
  private _matchesAt(sep: Uint8Array, c: number, i: number): boolean {
    const chunks = this._chunks;
    let chunk = chunks[c];
    for (let j = 1; j < sep.length; j++) {
      if (++i === chunk.length) {
        chunk = chunks[++c];
        i = 0;
      }
      if (chunk[i] !== sep[j]) return false;
    }
    return true;
  }

  /**
   * Waits until feedData() or feedEof() is called; resumes a paused
   * transport first, since waiting for data while paused would never end.
   */
  private *_waitForData(funcName: string): Coroutine<void> {
    // Two readers at once could not know which gets the next data: asyncio forbids it.
    if (this._waiter !== null) throw new RuntimeError(`${funcName}() called while another coroutine is already waiting for incoming data`);
    if (this._paused) {
      this._paused = false;
      (this._transport as Transport).resumeReading();
    }
    this._compactTail();
    const waiter = (this._waiter = this._loop.createFuture<void>());
    // Data from a transport comes from Node: a host wait. A reader fed by hand is not one.
    const release = this._transport !== null ? this._loop._holdHostWait() : null;
    try {
      yield* waiter;
    } finally {
      if (this._waiter === waiter) this._waiter = null;
      if (release !== null) release();
    }
  }

  /**
   * Reads up to `n` bytes (at least one, unless at EOF); `n = -1` (the
   * default) reads until EOF. Returns an empty array at EOF.
   */
  read(n = -1): Coroutine<Uint8Array> {
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`read() needs an integer size, got ${repr(n)}`);
    return this._read(n);
  }

  private *_read(n: number): Coroutine<Uint8Array> {
    if (this._exception !== null) throw this._exception;
    if (n === 0) return EMPTY.slice();
    if (n < 0) {
      // Read in limit-sized blocks: waiting for EOF with everything buffered would
      // deadlock once the buffer pauses the transport.
      const blocks: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const block = yield* this._read(this._limit);
        if (block.length === 0) break;
        blocks.push(block);
        total += block.length;
      }
      if (blocks.length === 1) return blocks[0];
      const all = new Uint8Array(total);
      let at = 0;
      for (const b of blocks) {
        all.set(b, at);
        at += b.length;
      }
      return all;
    }
    if (this._length === 0 && !this._eof) yield* this._waitForData('read');
    const data = this._take(Math.min(n, this._length));
    this._maybeResumeTransport();
    return data;
  }

  /**
   * Reads one line, up to and including `\n`. At EOF returns the partial
   * line (no `\n`), or an empty array. A line longer than `limit` is a
   * ValueError (and is dropped from the buffer), as in asyncio.
   */
  readline(): Coroutine<Uint8Array> {
    return this._readline();
  }

  private *_readline(): Coroutine<Uint8Array> {
    // The common case, a whole line already buffered: no second coroutine, no separator list.
    if (this._exception === null) {
      const i = this._find(NEWLINE, 0);
      if (i !== -1 && i <= this._limit) {
        const line = this._take(i + 1);
        this._maybeResumeTransport();
        return line;
      }
    }
    try {
      return yield* this._readuntil(NEWLINE_ONLY);
    } catch (e) {
      if (e instanceof IncompleteReadError) return e.partial;
      if (e instanceof LimitOverrunError) {
        // Drop the overlong line (with its separator, if it came) so the next readline can go on.
        if (this._length > e.consumed && this._byteAt(e.consumed) === 10) this._take(e.consumed + 1);
        else this._take(this._length);
        this._maybeResumeTransport();
        throw new ValueError(e.message);
      }
      throw e;
    }
  }

  /**
   * Reads up to and including `separator` (bytes or a string; or an array
   * of them — the shortest match wins). At EOF without it:
   * IncompleteReadError (its `partial` has what was buffered). More than
   * `limit` bytes before it: LimitOverrunError, and the data stays buffered.
   */
  readuntil(separator: Uint8Array | string | ReadonlyArray<Uint8Array | string> = NEWLINE): Coroutine<Uint8Array> {
    const list = Array.isArray(separator) ? separator : [separator];
    if (list.length === 0) throw new ValueError('Separator should contain at least one element');
    const seps = list.map((s) => toBytes(s, 'readuntil')).sort((a, b) => a.length - b.length);
    if (seps[0].length === 0) throw new ValueError('Separator should be at least one-byte string');
    return this._readuntil(seps);
  }

  /** `seps` sorted shortest first, none empty. */
  private *_readuntil(seps: Uint8Array[]): Coroutine<Uint8Array> {
    const minSeplen = seps[0].length;
    const maxSeplen = seps[seps.length - 1].length;
    if (this._exception !== null) throw this._exception;
    // `offset`: how many bytes from the start are known not to begin a separator.
    let offset = 0;
    let matchStart = -1;
    let matchEnd = -1;
    for (;;) {
      const buflen = this._length;
      if (buflen - offset >= minSeplen) {
        for (const sep of seps) {
          const i = this._find(sep, offset);
          if (i !== -1 && (matchEnd === -1 || i + sep.length < matchEnd)) {
            matchStart = i;
            matchEnd = i + sep.length;
          }
        }
        if (matchEnd !== -1) break;
        // The last maxSeplen - 1 bytes may be the start of a separator: search them again next time.
        offset = Math.max(0, buflen + 1 - maxSeplen);
        if (offset > this._limit) throw new LimitOverrunError('Separator is not found, and chunk exceed the limit', offset);
      }
      // A complete separator may have come with the last data: look before checking EOF.
      if (this._eof) throw new IncompleteReadError(this._take(this._length), null);
      yield* this._waitForData('readuntil');
    }
    if (matchStart > this._limit) throw new LimitOverrunError('Separator is found, but chunk is longer than limit', matchStart);
    const chunk = this._take(matchEnd);
    this._maybeResumeTransport();
    return chunk;
  }

  /** Reads exactly `n` bytes, or raises IncompleteReadError (with what came) at EOF. */
  readexactly(n: number): Coroutine<Uint8Array> {
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`readexactly() needs an integer size, got ${repr(n)}`);
    if (n < 0) throw new ValueError('readexactly size can not be less than zero');
    return this._readexactly(n);
  }

  private *_readexactly(n: number): Coroutine<Uint8Array> {
    if (this._exception !== null) throw this._exception;
    while (this._length < n) {
      if (this._eof) throw new IncompleteReadError(this._take(this._length), n);
      yield* this._waitForData('readexactly');
    }
    const data = this._take(n);
    this._maybeResumeTransport();
    return data;
  }

  /**
   * `async for line in reader` (Python's `StreamReader.__anext__`): the next
   * line, as readline() gives it; StopAsyncIteration at end of file. So a
   * StreamReader works with `asyncFor`, `asyncCursor` and `anext`.
   * @example
   * yield* asyncFor(reader, function* (line) { console.log(new TextDecoder().decode(line)); });
   */
  *anext(): Coroutine<Uint8Array> {
    const line = yield* this.readline();
    if (line.length === 0) throw new StopAsyncIteration();
    return line;
  }

  toString(): string {
    const info = ['StreamReader'];
    if (this._length > 0) info.push(`${this._length} bytes`);
    if (this._eof) info.push('eof');
    if (this._limit !== DEFAULT_LIMIT) info.push(`limit=${this._limit}`);
    if (this._waiter !== null) info.push(`waiter=${this._waiter}`);
    if (this._exception !== null) info.push(`exception=${repr(this._exception)}`);
    if (this._transport !== null) info.push(`transport=${this._transport}`);
    if (this._paused) info.push('paused');
    return `<${info.join(' ')}>`;
  }
}
