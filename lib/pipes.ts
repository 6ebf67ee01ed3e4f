/**
 * Pipes (CPython: `loop.connect_read_pipe`, `loop.connect_write_pipe` and
 * the pipe transports of unix_events.py), over Node streams: the process's
 * own `process.stdin` and `process.stdout`, a child's stdio, a FIFO opened
 * with `fs.createReadStream`, any `Readable` or `Writable`.
 *
 * A read pipe delivers to a Protocol as a socket does — `connectionMade`,
 * `dataReceived`…, `eofReceived`, `connectionLost` — except that the end of
 * the data ends the transport too (a pipe has no writing half to keep
 * open). A write pipe takes `write()`s with asyncio's flow control: over the
 * high-water mark the protocol gets `pauseWriting()`, so a StreamWriter's
 * `drain()` waits while the reader at the other end is slow.
 *
 * The loop owns its pipes: closing it stops reading (a read pipe is
 * destroyed, so stdin no longer keeps Node alive) and ends a write pipe
 * (lib/loop-resources.ts).
 *
 * Node-only. Importing it adds `loop.connectReadPipe()` and
 * `loop.connectWritePipe()` to EventLoop.
 */
import type { Readable, Writable } from 'node:stream';
import { Deque } from './deque';
import { EventLoop, type ExceptionContext } from './loop';
import { OSError, RuntimeError } from './exceptions';
import { fromNodeError } from './os-errors';
import type { Coroutine } from './futures';
import { checkFactory, joinLines, toBuffer, writeBufferLimits, type Protocol, type ReadTransport, type Transport, type WriteTransport } from './transports';
import { ownResource, releaseResource, type LoopResource } from './loop-resources';
import { repr } from './repr';

declare module './loop' {
  interface EventLoop {
    /**
     * asyncio's `loop.connect_read_pipe`: reads `pipe` (a Node Readable —
     * `process.stdin`, a child's stdout, a FIFO) into the protocol that
     * `protocolFactory()` makes, and returns `[transport, protocol]` once
     * `connectionMade` has run. Async driver only.
     * @example
     * const reader = new StreamReader();
     * yield* loop.connectReadPipe(() => new StreamReaderProtocol(reader), process.stdin);
     * const line = yield* reader.readline();
     */
    connectReadPipe<P extends Protocol>(protocolFactory: () => P, pipe: Readable): Coroutine<[ReadPipeTransport, P]>;
    /**
     * asyncio's `loop.connect_write_pipe`: a transport that writes to `pipe`
     * (a Node Writable — `process.stdout`, a child's stdin), with the
     * protocol that `protocolFactory()` makes; returns `[transport,
     * protocol]`. Wrap them in a StreamWriter for `drain()`. Async driver only.
     * @example
     * const [transport, protocol] = yield* loop.connectWritePipe(() => new StreamReaderProtocol(null), process.stdout);
     * const writer = new StreamWriter(transport, protocol, null, loop);
     */
    connectWritePipe<P extends Protocol>(protocolFactory: () => P, pipe: Writable): Coroutine<[WritePipeTransport, P]>;
  }
}

// asyncio's defaults: high-water mark 64 KiB, low-water mark a quarter of it.
const DEFAULT_HIGH_WATER = 64 * 1024;
// asyncio warns after this many writes to a closed pipe (constants.py).
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;
// The end of the data, as it waits in a transport's inbox behind the data.
const EOF = Symbol('EOF');

/**
 * The transport of `loop.connectReadPipe()` (CPython's
 * _UnixReadPipeTransport), over a Node Readable. You do not construct it
 * yourself. The protocol gets the data in order, then `eofReceived()` and
 * `connectionLost(null)` when the stream ends; `pauseReading()` holds the
 * data back (and pauses the stream).
 * @example
 * const [transport] = yield* loop.connectReadPipe(() => new StreamReaderProtocol(reader), child.stdout);
 * transport.pauseReading(); // back-pressure on the child
 */
export class ReadPipeTransport implements ReadTransport, LoopResource {
  /** @internal */ _loop: EventLoop;
  /** @internal */ _pipe: Readable;
  /** @internal */ _protocol: Protocol;
  /** @internal */ _closing = false;
  /** @internal */ _paused = false;
  /** @internal */ _closed = false;
  /** @internal What Node delivered and the protocol has not received yet: data chunks, then EOF. */
  _inbox = new Deque<Buffer | typeof EOF>();
  /** @internal */ _deliveryScheduled = false;
  private readonly _deliverFn = () => this._deliver();
  private readonly _connectionLostFn = (exc: Error | null) => this._callConnectionLost(exc);

  /** @internal */
  constructor(loop: EventLoop, pipe: Readable, protocol: Protocol) {
    this._loop = loop;
    this._pipe = pipe;
    this._protocol = protocol;
    pipe.on('data', (chunk: Buffer | string) => this._hostData(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
    pipe.on('end', () => this._hostData(EOF));
    pipe.on('error', (err: Error) => this._hostError(err));
    ownResource(loop, this);
    // asyncio hands a protocol whatever transport it has; Protocol's type names the full one, a pipe is one half.
    loop.callSoon(() => this._protocol.connectionMade?.(this as unknown as Transport));
  }

  private _hostData(chunk: Buffer | typeof EOF): void {
    if (this._closing) return;
    this._inbox.push(chunk);
    if (!this._deliveryScheduled && !this._paused) {
      this._deliveryScheduled = true;
      this._loop.callSoon(this._deliverFn);
    }
  }

  private _hostError(err: Error): void {
    if (this._closing) return;
    const exc = fromNodeError(err); // EIO → OSError…
    // asyncio's _fatal_error: an OS error just ends the pipe; anything else is reported too.
    if (!(exc instanceof OSError)) this._loop.callExceptionHandler({ message: 'Fatal read error on pipe transport', exception: exc, transport: this, protocol: this._protocol });
    this._close(exc);
  }

  /** Hands queued data, then the end of the data, to the protocol, until it pauses reading or closes. */
  private _deliver(): void {
    this._deliveryScheduled = false;
    while (!this._paused && !this._closing) {
      const item = this._inbox.shift();
      if (item === undefined) return;
      if (item === EOF) {
        // The pipe is done: eofReceived, then connectionLost (what eofReceived returns does not matter here).
        this._close(null, true);
        return;
      }
      try {
        this._protocol.dataReceived?.(item);
      } catch (exception) {
        this._loop.callExceptionHandler({ message: 'protocol.dataReceived() failed', exception, transport: this, protocol: this._protocol });
      }
    }
  }

  private _close(exc: Error | null, eof = false): void {
    this._closing = true;
    this._inbox.clear();
    if (eof) this._loop.callSoon(() => this._protocol.eofReceived?.());
    this._loop.callSoon(this._connectionLostFn, exc);
  }

  private _callConnectionLost(exc: Error | null): void {
    try {
      this._protocol.connectionLost?.(exc);
    } finally {
      this._closeWithLoop();
    }
  }

  /** @internal Debug mode, at loop close: a pipe the program never closed (CPython's ResourceWarning). */
  _unclosedReport(): ExceptionContext | null {
    return this._closing ? null : { message: `unclosed transport ${this}`, transport: this };
  }

  /** @internal Stops reading and lets the stream go (so stdin no longer keeps Node alive). */
  _closeWithLoop(): void {
    if (this._closed) return;
    this._closed = true;
    this._closing = true;
    this._pipe.destroy();
    releaseResource(this._loop, this);
  }

  isReading(): boolean {
    return !this._closing && !this._paused;
  }

  /** No `dataReceived` until `resumeReading()`; the stream stops reading, so the writer feels back-pressure. */
  pauseReading(): void {
    if (!this.isReading()) return;
    this._paused = true;
    this._pipe.pause();
  }

  resumeReading(): void {
    if (this._closing || !this._paused) return;
    this._paused = false;
    this._pipe.resume();
    if (this._inbox.length > 0 && !this._deliveryScheduled) {
      this._deliveryScheduled = true;
      this._loop.callSoon(this._deliverFn);
    }
  }

  isClosing(): boolean {
    return this._closing;
  }

  /** Stops reading; `connectionLost(null)` follows. */
  close(): void {
    if (!this._closing) this._close(null);
  }

  /** `'pipe'`: the Node stream. */
  getExtraInfo(name: string, defaultValue?: unknown): unknown {
    return name === 'pipe' ? this._pipe : defaultValue;
  }

  getProtocol(): Protocol {
    return this._protocol;
  }

  setProtocol(protocol: Protocol): void {
    this._protocol = protocol;
  }

  toString(): string {
    return `<ReadPipeTransport ${this._closed ? 'closed' : this._closing ? 'closing' : 'open'} ${this._paused ? 'paused' : 'reading'}>`;
  }
}

/**
 * The transport of `loop.connectWritePipe()` (CPython's
 * _UnixWritePipeTransport), over a Node Writable. You do not construct it
 * yourself. Writes never block; over the high-water mark the protocol gets
 * `pauseWriting()`. `close()` (or `writeEof()`) ends the stream once the
 * buffer is written; a reader that goes away ends it with `connectionLost`.
 * @example
 * const [transport, protocol] = yield* loop.connectWritePipe(() => new StreamReaderProtocol(null), process.stdout);
 * const writer = new StreamWriter(transport, protocol, null, loop);
 * writer.write('hello\n');
 * yield* writer.drain();
 */
export class WritePipeTransport implements WriteTransport, LoopResource {
  /** @internal */ _loop: EventLoop;
  /** @internal */ _pipe: Writable;
  /** @internal */ _protocol: Protocol;
  /** @internal close() or writeEof() or abort() was called. */ _closing = false;
  /** @internal connectionLost is scheduled (then counts writes made after it). */ _connLost = 0;
  /** @internal */ _closed = false;
  /** @internal */ _pipeError: Error | null = null;
  /** @internal */ _protocolPaused = false;
  /** @internal */ _highWater = DEFAULT_HIGH_WATER;
  /** @internal */ _lowWater = DEFAULT_HIGH_WATER / 4;
  private readonly _onWritten = (err?: Error | null) => this._hostWritten(err);
  private readonly _connectionLostFn = (exc: Error | null) => this._callConnectionLost(exc);

  /** @internal */
  constructor(loop: EventLoop, pipe: Writable, protocol: Protocol) {
    this._loop = loop;
    this._pipe = pipe;
    this._protocol = protocol;
    pipe.on('error', (err: Error) => {
      this._pipeError ??= fromNodeError(err); // EPIPE → BrokenPipeError; 'close' follows
    });
    pipe.on('close', () => this._forceClose(this._pipeError));
    ownResource(loop, this);
    // asyncio hands a protocol whatever transport it has; Protocol's type names the full one, a pipe is one half.
    loop.callSoon(() => this._protocol.connectionMade?.(this as unknown as Transport));
  }

  private _hostWritten(err?: Error | null): void {
    if (err || this._closed) return; // a failed write also emits 'error', then 'close'
    if (this._protocolPaused && this._pipe.writableLength <= this._lowWater) {
      this._protocolPaused = false;
      this._loop.callSoon(() => this._protocol.resumeWriting?.());
    }
  }

  /** Queues `data` (a string as UTF-8); never blocks. Dropped once the pipe is closed, as in asyncio. */
  write(data: Uint8Array | string): void {
    const buf = toBuffer(data, 'write');
    if (buf.length === 0) return;
    if (this._closing || this._connLost > 0) {
      if (this._connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) console.warn('pipe closed by peer or os.write(pipe, data) raised exception.');
      this._connLost++;
      return;
    }
    this._pipe.write(buf, this._onWritten);
    this._maybePauseProtocol();
  }

  writelines(list: Iterable<Uint8Array | string>): void {
    this.write(joinLines(list));
  }

  /** Closes the pipe once the buffered data is written (the reader sees EOF); `connectionLost(null)` follows. */
  writeEof(): void {
    if (this._closing) return;
    this._closing = true;
    this._pipe.end(() => this._forceClose(null));
  }

  canWriteEof(): boolean {
    return true;
  }

  /** The same as `writeEof()`: a pipe has only the one direction. */
  close(): void {
    this.writeEof();
  }

  /** Closes at once, dropping buffered data; `connectionLost(null)` follows. */
  abort(): void {
    this._forceClose(null);
  }

  isClosing(): boolean {
    return this._closing;
  }

  private _forceClose(exc: Error | null): void {
    if (this._connLost > 0 || this._closed) return;
    this._closing = true;
    this._connLost++;
    this._loop.callSoon(this._connectionLostFn, exc);
  }

  private _callConnectionLost(exc: Error | null): void {
    try {
      this._protocol.connectionLost?.(exc);
    } finally {
      this._closed = true;
      this._pipe.destroy();
      releaseResource(this._loop, this);
    }
  }

  /** @internal Debug mode, at loop close: a pipe the program never closed (CPython's ResourceWarning). */
  _unclosedReport(): ExceptionContext | null {
    return this._closing ? null : { message: `unclosed transport ${this}`, transport: this };
  }

  /** @internal The loop is closing: end the pipe (what was written is still flushed), no callbacks. */
  _closeWithLoop(): void {
    this._closed = true;
    this._closing = true;
    this._pipe.end();
  }

  /** Bytes written but not yet handed to the OS. */
  getWriteBufferSize(): number {
    return this._pipe.writableLength;
  }

  /** `[low, high]`. */
  getWriteBufferLimits(): [number, number] {
    return [this._lowWater, this._highWater];
  }

  /** Default high 64 KiB; low defaults to high / 4 (and high to 4 × low). */
  setWriteBufferLimits(high?: number, low?: number): void {
    [this._highWater, this._lowWater] = writeBufferLimits(high, low);
    this._maybePauseProtocol();
  }

  private _maybePauseProtocol(): void {
    if (this._protocolPaused || this._pipe.writableLength <= this._highWater) return;
    this._protocolPaused = true;
    try {
      this._protocol.pauseWriting?.();
    } catch (exception) {
      this._loop.callExceptionHandler({ message: 'protocol.pauseWriting() failed', exception, transport: this, protocol: this._protocol });
    }
  }

  /** `'pipe'`: the Node stream. */
  getExtraInfo(name: string, defaultValue?: unknown): unknown {
    return name === 'pipe' ? this._pipe : defaultValue;
  }

  getProtocol(): Protocol {
    return this._protocol;
  }

  setProtocol(protocol: Protocol): void {
    this._protocol = protocol;
  }

  toString(): string {
    return `<WritePipeTransport ${this._closed ? 'closed' : this._closing ? 'closing' : 'open'} bufsize=${this.getWriteBufferSize()}>`;
  }
}

// ---- loop.connectReadPipe / loop.connectWritePipe ----

function checkPipe(pipe: unknown, api: string, kind: 'Readable' | 'Writable'): void {
  const ok = kind === 'Readable' ? typeof (pipe as Readable)?.on === 'function' && typeof (pipe as Readable).pause === 'function' : typeof (pipe as Writable)?.write === 'function' && typeof (pipe as Writable).end === 'function';
  if (!ok) throw new TypeError(`${api}() needs a Node ${kind} stream (such as ${kind === 'Readable' ? 'process.stdin' : 'process.stdout'}), got ${repr(pipe)}`);
  if ((pipe as Readable | Writable).destroyed) throw new RuntimeError(`${api}(): the stream is already destroyed`);
}

EventLoop.prototype.connectReadPipe = function connectReadPipe<P extends Protocol>(this: EventLoop, protocolFactory: () => P, pipe: Readable): Coroutine<[ReadPipeTransport, P]> {
  checkFactory(protocolFactory, 'connectReadPipe');
  checkPipe(pipe, 'connectReadPipe', 'Readable');
  this._checkClosed();
  return connectPipe(this, protocolFactory, (protocol) => new ReadPipeTransport(this, pipe, protocol));
};

EventLoop.prototype.connectWritePipe = function connectWritePipe<P extends Protocol>(this: EventLoop, protocolFactory: () => P, pipe: Writable): Coroutine<[WritePipeTransport, P]> {
  checkFactory(protocolFactory, 'connectWritePipe');
  checkPipe(pipe, 'connectWritePipe', 'Writable');
  this._checkClosed();
  return connectPipe(this, protocolFactory, (protocol) => new WritePipeTransport(this, pipe, protocol));
};

function* connectPipe<P extends Protocol, T extends { close(): void }>(loop: EventLoop, protocolFactory: () => P, makeTransport: (protocol: P) => T): Coroutine<[T, P]> {
  const protocol = protocolFactory();
  const transport = makeTransport(protocol);
  try {
    yield; // one turn, so that connectionMade (already scheduled) has run when we return
  } catch (e) {
    transport.close(); // cancelled
    throw e;
  }
  return [transport, protocol];
}
