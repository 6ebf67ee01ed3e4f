/**
 * Transports and protocols (CPython: protocols.py, transports.py, and the
 * socket transport of selector_events.py), over Node's `net` sockets.
 *
 * A *protocol* is your side: an object with callbacks (`connectionMade`,
 * `dataReceived`, `eofReceived`, `connectionLost`, `pauseWriting`,
 * `resumeWriting`). A *transport* is the library's side: it owns the socket,
 * calls the protocol, and takes `write()`s, buffering what the socket cannot
 * send yet. Protocol callbacks always run on the loop, never from inside a
 * Node event handler: Node's socket events are queued on the transport and
 * handed over with `loop.callSoon` (which wakes a loop waiting in Node).
 *
 * The order is asyncio's: `connectionMade` first; then any number of
 * `dataReceived`; then at most one `eofReceived`; `connectionLost` last, once.
 * Write flow control is asyncio's too: when the bytes not yet handed to the
 * kernel exceed the high-water mark the protocol gets `pauseWriting()`, and
 * `resumeWriting()` once they drop to the low-water mark.
 *
 * Writes are batched, as uvloop batches them: `write()` copies the bytes into
 * the transport's stage and returns; everything staged while the loop runs
 * goes to the socket as one write when the loop hands control back to Node
 * (or at once when the stage passes the high-water mark, or on `close()`,
 * `writeEof()`). One send per batch instead of one per `write()`: the bytes
 * arrive in the same order, only fewer system calls carry them.
 *
 * A TLS connection is the same transport over a `tls.TLSSocket` (a
 * `net.Socket` too), made once the handshake is done (lib/tls.ts); a Unix
 * domain socket is the same transport over a `net.Socket` on a path
 * (lib/unix.ts).
 *
 * This module is Node-only. Importing it adds `loop.createConnection()` to
 * EventLoop (lib/servers.ts adds `loop.createServer()`), so that lib/loop.ts
 * stays free of Node and runs in a browser.
 */
import * as dns from 'node:dns';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { Deque } from './deque';
import { endedEarly } from './early-eof';
import { EventLoop, type ExceptionContext } from './loop';
import { ownResource, releaseResource, type LoopResource } from './loop-resources';
import { ConnectionResetError, NotImplementedError, OSError, RuntimeError, ValueError } from './exceptions';
import { fromNodeError } from './os-errors';
import { nodeFamily } from './addresses';
import type { Coroutine } from './futures';
import { checkOptions } from './options';
import { fromPromise } from './promises';
import { checkClientSSL, closeTls, secure, tlsExtraInfo, wrapClient, type ClientSSL, type ClientTLS } from './tls';
import { repr } from './repr';

/** The callbacks every protocol may have (asyncio.BaseProtocol); each is optional. */
export interface BaseProtocol {
  /** The connection is up; `transport` is how you write to it. Called first, once. */
  connectionMade?(transport: Transport): void;
  /** The connection is gone: `exc` is the error that ended it, or null for a normal close. Called last, once. */
  connectionLost?(exc: Error | null): void;
  /** The transport's write buffer went over its high-water mark: stop writing for a while. */
  pauseWriting?(): void;
  /** The buffer drained to the low-water mark: writing may go on. */
  resumeWriting?(): void;
}

/**
 * asyncio.Protocol: a stream protocol. Implement the callbacks you need.
 * @example
 * class Echo implements Protocol {
 *   transport!: Transport;
 *   connectionMade(t: Transport) { this.transport = t; }
 *   dataReceived(data: Uint8Array) { this.transport.write(data); }
 * }
 * const server = yield* loop.createServer(() => new Echo(), '127.0.0.1', 0);
 */
export interface Protocol extends BaseProtocol {
  /** Bytes arrived (a Node Buffer, which is a Uint8Array). */
  dataReceived?(data: Uint8Array): void;
  /** The peer will send no more. Return true to keep the transport open for writing (half-closed); otherwise it closes. */
  eofReceived?(): boolean | void;
}

/**
 * What `getExtraInfo(name)` returns for each name a socket transport knows.
 * The addresses have two shapes, as in Python: on TCP `{ address, family,
 * port }`, on a Unix domain socket a path string — the client's peername is
 * the server's path and its sockname `''`; the server side's sockname is the
 * path and its peername `''`. So narrow before use:
 *
 * @example
 * const peer = writer.getExtraInfo('peername');
 * const who = typeof peer === 'string' ? peer || 'a Unix client' : `${peer?.address}:${peer?.port}`;
 */
export interface TransportExtraInfo {
  /** The remote end: `{ address, family, port }` on TCP, a path (or `''`) on a Unix socket. */
  peername: net.AddressInfo | string;
  /** The local end: `{ address, family, port }` on TCP, a path (or `''`) on a Unix socket. */
  sockname: net.AddressInfo | string;
  /** The Node socket itself (a `tls.TLSSocket` on a TLS connection). */
  socket: net.Socket;
  /** TLS: the peer's certificate, Node's `getPeerCertificate()`; null when the peer sent none (Python's `getpeercert()`). */
  peercert: tls.PeerCertificate | null;
  /** TLS: the cipher in use, Node's `getCipher()`: `{ name, standardName, version }`. */
  cipher: tls.CipherNameAndProtocol;
  /** TLS: Node's `tls.TLSSocket` (Python's `ssl_object`, an `ssl.SSLObject`). */
  sslObject: tls.TLSSocket;
}

/** asyncio.BaseTransport: what every transport has, whichever way its data goes. */
export interface BaseTransport {
  /** Closes the transport (a writing one once its buffer is sent); `connectionLost(null)` follows. */
  close(): void;
  isClosing(): boolean;
  getExtraInfo(name: string, defaultValue?: unknown): unknown;
  getProtocol(): Protocol;
  setProtocol(protocol: Protocol): void;
}

/** asyncio.ReadTransport: the reading half (a socket, or a read pipe alone). */
export interface ReadTransport extends BaseTransport {
  isReading(): boolean;
  /** No `dataReceived` until `resumeReading()`. */
  pauseReading(): void;
  resumeReading(): void;
}

/** asyncio.WriteTransport: the writing half (a socket, or a write pipe alone). */
export interface WriteTransport extends BaseTransport {
  /** Queues `data` (a string is sent as UTF-8) and never blocks; see the write-buffer limits. */
  write(data: Uint8Array | string): void;
  /** Writes the items one after the other, as one write. */
  writelines(list: Iterable<Uint8Array | string>): void;
  /** Closes the writing half after the buffered data is sent; reading goes on. */
  writeEof(): void;
  canWriteEof(): boolean;
  /** Closes at once, dropping buffered data; `connectionLost(null)` follows. */
  abort(): void;
  /** Bytes written but not yet handed to the kernel. */
  getWriteBufferSize(): number;
  /** `[low, high]`. */
  getWriteBufferLimits(): [number, number];
  /** Default high 64 KiB; low defaults to high / 4 (and high to 4 × low). */
  setWriteBufferLimits(high?: number, low?: number): void;
}

/**
 * asyncio.Transport (ReadTransport + WriteTransport): the connection as a
 * protocol sees it.
 */
export interface Transport extends ReadTransport, WriteTransport {
  getExtraInfo<K extends keyof TransportExtraInfo>(name: K, defaultValue?: TransportExtraInfo[K]): TransportExtraInfo[K] | undefined;
  getExtraInfo(name: string, defaultValue?: unknown): unknown;
}

/** Something a transport can report its life to (the Server that accepted it). */
export interface TransportOwner {
  _attach(transport: SocketTransport): void;
  _detach(transport: SocketTransport): void;
}

// Moved to lib/exceptions.ts with the other OS errors; still importable from here.
export { ConnectionResetError };

// asyncio's defaults: high-water mark 64 KiB, low-water mark a quarter of it.
const DEFAULT_HIGH_WATER = 64 * 1024;
// asyncio warns after this many writes to a lost connection (constants.py).
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;
// The peer's end of stream, as it waits in a transport's inbox behind the data.
const EOF = Symbol('EOF');
// The write stage's smallest buffer: a batch of small writes fills it before another is needed.
const STAGE_SIZE = 64 * 1024;

/** A copy of `data` as a Buffer (strings as UTF-8); a transport keeps what it is given. */
export function toBuffer(data: unknown, method: string): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return Buffer.from(data); // a copy, so the caller may reuse its buffer at once
  throw new TypeError(`${method}() needs a Uint8Array or a string, not ${repr(data)}`);
}

/** @internal The items given to `writelines()`, as one buffer (each a Uint8Array or a string). */
export function joinLines(list: unknown): Buffer {
  if (list === null || typeof list !== 'object' || typeof (list as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`writelines() needs an iterable of Uint8Array or string, not ${repr(list)}`);
  }
  const parts: Buffer[] = [];
  for (const item of list as Iterable<unknown>) parts.push(toBuffer(item, 'writelines'));
  return Buffer.concat(parts);
}

/**
 * @internal asyncio's `_set_write_buffer_limits`: `[high, low]` from what
 * was given — high defaults to 64 KiB (or 4 × low), low to high / 4.
 */
export function writeBufferLimits(high?: unknown, low?: unknown): [number, number] {
  for (const [name, v] of [['high', high], ['low', low]] as const) {
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new TypeError(`setWriteBufferLimits(): ${name} must be a number of bytes, got ${repr(v)}`);
    }
  }
  let h = (high as number | undefined) ?? null;
  let l = (low as number | undefined) ?? null;
  if (h === null) h = l === null ? DEFAULT_HIGH_WATER : 4 * l;
  if (l === null) l = Math.floor(h / 4);
  if (!(h >= l && l >= 0)) throw new ValueError(`high (${h}) must be >= low (${l}) must be >= 0`);
  return [h, l];
}

/** An OS error (Python's OSError, or Node's with a string `code`), which a transport does not report to the exception handler. */
function isOSError(exc: unknown): boolean {
  return exc instanceof OSError || (exc instanceof Error && typeof (exc as NodeJS.ErrnoException).code === 'string');
}

/**
 * A transport over a Node `net.Socket` (CPython's _SelectorSocketTransport):
 * TCP connections, and the pipes of child processes. Made by
 * `loop.createConnection()` and by servers; you do not construct it yourself.
 */
export class SocketTransport implements Transport, LoopResource {
  /** @internal */ _loop: EventLoop;
  /** @internal */ _sock: net.Socket;
  /** @internal */ _protocol: Protocol;
  /** @internal */ _server: TransportOwner | null;
  /** @internal */ _extra: Record<string, unknown>;
  /** @internal close() or abort() was called (or the connection failed). */ _closing = false;
  /** @internal connectionLost is scheduled (counts writes made after it, as asyncio does). */ _connLost = 0;
  /** @internal pauseReading() is in force. */ _paused = false;
  /** @internal writeEof() was called. */ _eof = false;
  /** @internal Node emitted 'close': the socket is gone. */ _sockClosed = false;
  /** @internal The error Node reported, if any. */ _sockError: Error | null = null;
  /** @internal */ _protocolPaused = false;
  /** @internal */ _highWater = DEFAULT_HIGH_WATER;
  /** @internal */ _lowWater = DEFAULT_HIGH_WATER / 4;
  /** @internal What Node delivered and the protocol has not received yet: data chunks, then EOF. */
  _inbox = new Deque<Buffer | typeof EOF>();
  /** @internal */ _deliveryScheduled = false;
  /** @internal */ _resumeScheduled = false;
  /**
   * @internal The write stage: bytes [_stageStart, _stageEnd) of _stage are
   * written but not yet handed to Node. Bytes before _stageStart belong to
   * Node (a flushed batch it may still be sending), so they are never reused.
   */
  _stage: Buffer | null = null;
  /** @internal */ _stageStart = 0;
  /** @internal */ _stageEnd = 0;
  /** @internal A flush of the stage is queued for when the loop hands control back to Node. */ _flushQueued = false;
  // Bound once per transport: Node's event handlers and the loop callbacks.
  private readonly _deliverFn = () => this._deliver();
  private readonly _maybeResumeFn = () => this._maybeResumeProtocol();
  private readonly _connectionLostFn = (exc: Error | null) => this._callConnectionLost(exc);
  private readonly _onWritten = (err?: Error | null) => this._hostWritten(err);
  private readonly _flushFn = () => this._flush();
  private readonly _onError = (err: Error) => this._hostError(err);
  private readonly _onClose = () => this._hostClose();
  private readonly _onData = (chunk: Buffer) => this._hostData(chunk);
  private readonly _onEnd = () => this._hostData(EOF);
  /** @internal A TLS connection: no half-close (asyncio's SSL transports cannot write EOF). */ readonly _tls: boolean;
  /** @internal startTls() took the socket over: this transport is finished with, for good. */ _upgraded = false;
  /** @internal close() (not abort() or a failure) ends the connection. */ _graceful = false;

  /**
   * @internal `callConnectionMade` is false when `loop.startTls()` makes
   * the transport: its protocol already had connectionMade, from the
   * plaintext transport this one replaces.
   */
  constructor(loop: EventLoop, sock: net.Socket, protocol: Protocol, server: TransportOwner | null = null, extra: Record<string, unknown> = {}, callConnectionMade = true) {
    this._loop = loop;
    this._sock = sock;
    this._protocol = protocol;
    this._server = server;
    this._extra = { socket: sock, ...extra };
    this._tls = 'sslObject' in extra;
    if (sock.remotePort !== undefined) {
      this._extra.peername = { address: sock.remoteAddress, family: sock.remoteFamily, port: sock.remotePort };
      this._extra.sockname = { address: sock.localAddress, family: sock.localFamily, port: sock.localPort };
      // asyncio disables Nagle's algorithm: small writes go out without waiting for an ACK.
      sock.setNoDelay(true);
    }
    const peerEnded = endedEarly(sock);
    sock.on('error', this._onError);
    sock.on('close', this._onClose);
    if (sock.readable) {
      sock.on('data', this._onData);
      sock.on('end', this._onEnd);
    }
    if (server !== null) server._attach(this);
    ownResource(loop, this); // a connection left open is closed with its loop
    // connectionMade comes first: everything the socket delivers is queued behind it.
    if (callConnectionMade) loop.callSoon(() => this._protocol.connectionMade?.(this));
    if (sock.destroyed) this._forceClose(null); // it died before we could listen to it
    else if (peerEnded) this._hostData(EOF); // the peer's EOF came (with no data) before we listened
  }

  /**
   * @internal `loop.startTls()` takes the socket over: this transport stops
   * listening to it and can no longer be used (asyncio: "the old transport
   * is no longer usable"); its protocol never hears from it again. Data
   * that arrived but was not delivered yet goes back into the socket, so
   * that the TLS layer reads it first. Also says whether the peer has
   * already ended its side (then there is no handshake to have).
   */
  _handOver(): [net.Socket, boolean] {
    const sock = this._sock;
    let peerEnded = this._sockClosed || sock.readableEnded;
    sock.removeListener('error', this._onError);
    sock.removeListener('close', this._onClose);
    sock.removeListener('data', this._onData);
    sock.removeListener('end', this._onEnd);
    sock.pause();
    this._flush(); // what was written in plaintext goes before the handshake
    const chunks: Buffer[] = [];
    for (let item = this._inbox.shift(); item !== undefined; item = this._inbox.shift()) {
      if (item === EOF) peerEnded = true;
      else chunks.push(item);
    }
    if (!sock.readableEnded) for (let i = chunks.length - 1; i >= 0; i--) sock.unshift(chunks[i]);
    this._upgraded = true;
    this._closing = true;
    this._connLost = 1; // never connectionLost: the new transport reports the end of the connection
    this._server = null;
    releaseResource(this._loop, this); // the socket is the new transport's now
    return [sock, peerEnded];
  }

  // ---- Node's side: events arrive here, outside the loop ----

  private _hostData(chunk: Buffer | typeof EOF): void {
    if (this._loop.isClosed()) {
      this._sock.destroy(); // nobody is left to read it
      return;
    }
    if (this._connLost > 0) return; // the protocol is gone (a TLS goodbye may still bring some)
    this._inbox.push(chunk);
    this._scheduleDelivery();
  }

  private _hostError(err: Error): void {
    if (this._sockError === null) this._sockError = fromNodeError(err); // ECONNRESET → ConnectionResetError…
  }

  private _hostClose(): void {
    this._sockClosed = true;
    if (this._connLost > 0 || this._loop.isClosed()) return;
    if (this._sockError !== null || this._closing || this._inbox.length === 0) {
      this._forceClose(this._sockError);
    } else {
      this._scheduleDelivery(); // the peer closed: hand over what is left, then connectionLost(null)
    }
  }

  private _hostWritten(err?: Error | null): void {
    // A failed write also emits 'error', then 'close'; a destroyed socket has dropped its buffer: a loss, not a drain.
    if (err || this._loop.isClosed() || this._sock.destroyed) return;
    const size = this.getWriteBufferSize();
    if (this._protocolPaused && !this._resumeScheduled && size <= this._lowWater) {
      this._resumeScheduled = true;
      this._loop.callSoon(this._maybeResumeFn);
    }
    // close() waits for the buffer to be sent, then the connection is lost (asyncio's _write_ready).
    if (this._closing && this._connLost === 0 && size === 0) {
      this._connLost++;
      this._loop.callSoon(this._connectionLostFn, null);
    }
  }

  // ---- the loop's side ----

  private _scheduleDelivery(): void {
    if (this._deliveryScheduled || this._paused) return;
    this._deliveryScheduled = true;
    this._loop.callSoon(this._deliverFn);
  }

  /** Hands queued data and EOF to the protocol, in order, until it pauses reading or closes. */
  private _deliver(): void {
    this._deliveryScheduled = false;
    const inbox = this._inbox;
    while (!this._paused && !this._closing) {
      const item = inbox.shift();
      if (item === undefined) {
        if (this._sockClosed) this._forceClose(null); // everything was delivered: now the loss
        return;
      }
      if (item === EOF) {
        this._eofReceived();
        continue;
      }
      try {
        this._protocol.dataReceived?.(item);
      } catch (exc) {
        this._fatalError(exc, 'Fatal error: protocol.dataReceived() call failed.');
        return;
      }
    }
  }

  private _eofReceived(): void {
    let keepOpen: unknown;
    try {
      keepOpen = this._protocol.eofReceived?.();
    } catch (exc) {
      this._fatalError(exc, 'Fatal error: protocol.eofReceived() call failed.');
      return;
    }
    // asyncio: a protocol that does not ask to stay half-open gets the transport closed
    // (always, over TLS: SSL transports cannot half-close).
    if (!keepOpen || this._tls) this.close();
  }

  /** asyncio's _fatal_error: report what is not an OS error, then close at once. */
  private _fatalError(exc: unknown, message: string): void {
    if (!isOSError(exc)) {
      this._loop.callExceptionHandler({ message, exception: exc, transport: this, protocol: this._protocol });
    }
    this._forceClose(exc instanceof Error ? exc : new Error(String(exc)));
  }

  /** asyncio's _force_close: no more reading or writing; connectionLost(exc) soon. */
  private _forceClose(exc: Error | null): void {
    this._graceful = false;
    if (this._connLost > 0) return;
    this._closing = true;
    this._inbox.clear();
    this._stageStart = this._stageEnd; // dropped, as asyncio drops its buffer
    this._connLost++;
    this._loop.callSoon(this._connectionLostFn, exc);
  }

  private _callConnectionLost(exc: Error | null): void {
    try {
      this._protocol.connectionLost?.(exc);
    } finally {
      // A TLS connection says goodbye (close_notify) and lets the peer answer; anything else is simply gone.
      if (this._graceful && this._tls) closeTls(this._sock);
      else this._sock.destroy();
      releaseResource(this._loop, this);
      const server = this._server;
      this._server = null;
      if (server !== null) server._detach(this);
    }
  }

  // ---- writing ----

  write(data: Uint8Array | string): void {
    let n: number;
    if (data instanceof Uint8Array) n = data.length;
    else if (typeof data === 'string') n = Buffer.byteLength(data, 'utf8');
    else throw new TypeError(`write() needs a Uint8Array or a string, not ${repr(data)}`);
    if (this._eof) throw new RuntimeError('Cannot call write() after writeEof()');
    if (n === 0) return;
    if (this._connLost > 0) {
      if (this._upgraded) throw new RuntimeError('this transport was upgraded to TLS by startTls(): write to the transport startTls() returned');
      // asyncio drops writes to a lost connection silently, then warns.
      if (this._connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) console.warn('socket.send() raised exception.');
      this._connLost++;
      return;
    }
    this._stageBytes(data, n);
    // Past the high-water mark a batch is big enough: send it now (uvloop does the same). What the
    // kernel takes at once leaves the buffer, so the protocol is paused only for what it did not take.
    if (this._stageEnd - this._stageStart > this._highWater) this._flush();
    this._maybePauseProtocol();
  }

  /** Copies `data` (n bytes once encoded) to the end of the stage, and queues the flush. */
  private _stageBytes(data: Uint8Array | string, n: number): void {
    let stage = this._stage;
    const staged = this._stageEnd - this._stageStart;
    // Once Node has sent every batch, it holds no part of the stage: start again at its beginning.
    if (staged === 0 && this._stageEnd !== 0 && this._sock.writableLength === 0) this._stageStart = this._stageEnd = 0;
    if (stage === null || this._stageEnd + n > stage.length) {
      const grown = Buffer.allocUnsafe(Math.max(STAGE_SIZE, staged + n, 2 * staged));
      if (stage !== null && staged > 0) stage.copy(grown, 0, this._stageStart, this._stageEnd);
      this._stage = stage = grown;
      this._stageStart = 0;
      this._stageEnd = staged;
    }
    if (typeof data === 'string') stage.write(data, this._stageEnd, 'utf8');
    else stage.set(data, this._stageEnd);
    this._stageEnd += n;
    if (!this._flushQueued) {
      this._flushQueued = true;
      // A microtask runs once the loop returns to Node: after every write of this stretch of iterations.
      queueMicrotask(this._flushFn);
    }
  }

  /** Hands what is staged to Node as one write. */
  private _flush(): void {
    this._flushQueued = false;
    const start = this._stageStart;
    const end = this._stageEnd;
    if (start === end) return;
    this._stageStart = end; // Node owns [start, end) now; the stage goes on after it
    this._sock.write((this._stage as Buffer).subarray(start, end), this._onWritten);
  }

  writelines(list: Iterable<Uint8Array | string>): void {
    const joined = joinLines(list);
    if (this._eof) throw new RuntimeError('Cannot call writelines() after writeEof()');
    this.write(joined);
  }

  writeEof(): void {
    if (this._tls) throw new NotImplementedError("writeEof(): a TLS connection cannot be half-closed (asyncio's SSL transports cannot either); close() it instead");
    if (this._closing || this._eof) return;
    this._eof = true;
    this._flush();
    this._sock.end(); // Node sends the FIN once the buffer is flushed, as asyncio does
  }

  /** False over TLS: asyncio's SSL transports cannot half-close. */
  canWriteEof(): boolean {
    return !this._tls;
  }

  /** The bytes written and not yet handed to the kernel: the stage's, and Node's. */
  getWriteBufferSize(): number {
    return this._stageEnd - this._stageStart + this._sock.writableLength;
  }

  getWriteBufferLimits(): [number, number] {
    return [this._lowWater, this._highWater];
  }

  setWriteBufferLimits(high?: number, low?: number): void {
    const [h, l] = writeBufferLimits(high, low);
    this._highWater = h;
    this._lowWater = l;
    this._maybePauseProtocol();
    if (this._protocolPaused && !this._resumeScheduled && this.getWriteBufferSize() <= l) {
      this._resumeScheduled = true; // no write may be left to report the drain
      this._loop.callSoon(this._maybeResumeFn);
    }
  }

  private _maybePauseProtocol(): void {
    if (this._protocolPaused || this.getWriteBufferSize() <= this._highWater) return;
    this._protocolPaused = true;
    try {
      this._protocol.pauseWriting?.();
    } catch (exc) {
      this._loop.callExceptionHandler({ message: 'protocol.pauseWriting() failed', exception: exc, transport: this, protocol: this._protocol });
    }
  }

  private _maybeResumeProtocol(): void {
    this._resumeScheduled = false;
    if (!this._protocolPaused || this.getWriteBufferSize() > this._lowWater) return;
    this._protocolPaused = false;
    try {
      this._protocol.resumeWriting?.();
    } catch (exc) {
      this._loop.callExceptionHandler({ message: 'protocol.resumeWriting() failed', exception: exc, transport: this, protocol: this._protocol });
    }
  }

  // ---- reading and closing ----

  isReading(): boolean {
    return !this._closing && !this._paused;
  }

  pauseReading(): void {
    if (!this.isReading()) return;
    this._paused = true;
    this._sock.pause(); // Node stops reading once its own small buffer is full: the peer feels back-pressure
  }

  resumeReading(): void {
    if (this._closing || !this._paused) return;
    this._paused = false;
    this._sock.resume();
    if (this._inbox.length > 0 || this._sockClosed) this._scheduleDelivery();
  }

  isClosing(): boolean {
    return this._closing;
  }

  close(): void {
    if (this._closing) return;
    this._closing = true;
    this._graceful = true;
    this._inbox.clear(); // no dataReceived after close(), as asyncio removes its reader
    this._flush();
    if (this._sockClosed || this._sock.writableLength === 0) {
      this._connLost++;
      this._loop.callSoon(this._connectionLostFn, null);
    }
    // else: the last write's completion schedules connectionLost (_hostWritten)
  }

  abort(): void {
    this._forceClose(null);
  }

  /** @internal Debug mode, at loop close: a transport the program never closed (CPython's ResourceWarning). */
  _unclosedReport(): ExceptionContext | null {
    return this._closing ? null : { message: `unclosed transport ${this}`, transport: this };
  }

  /**
   * @internal Its loop closed with the connection still there: the socket
   * goes at once, as CPython's `__del__` closes it. The protocol hears
   * nothing more: nothing runs on a closed loop.
   */
  _closeWithLoop(): void {
    this._closing = true;
    this._connLost++;
    this._inbox.clear();
    this._sock.destroy();
  }

  getExtraInfo<K extends keyof TransportExtraInfo>(name: K, defaultValue?: TransportExtraInfo[K]): TransportExtraInfo[K] | undefined;
  getExtraInfo(name: string, defaultValue?: unknown): unknown;
  getExtraInfo(name: string, defaultValue?: unknown): unknown {
    return name in this._extra && this._extra[name] !== undefined ? this._extra[name] : defaultValue;
  }

  getProtocol(): Protocol {
    return this._protocol;
  }

  setProtocol(protocol: Protocol): void {
    this._protocol = protocol;
  }

  toString(): string {
    const state = this._connLost > 0 ? 'closed' : this._closing ? 'closing' : 'open';
    const peer = this._extra.peername as net.AddressInfo | string | undefined; // a path on a Unix socket
    const where = typeof peer === 'string' ? (peer ? ` peer=${peer}` : '') : peer ? ` peer=${peer.address}:${peer.port}` : '';
    return `<SocketTransport ${state}${this._tls ? ' tls' : ''}${where} read=${this.isReading() ? 'polling' : 'idle'} bufsize=${this.getWriteBufferSize()}>`;
  }
}

// ---- loop.createConnection ----

/**
 * Options of `loop.createConnection()` and `openConnection()` (asyncio's
 * keyword arguments, in camelCase). An option the function does not take is
 * a TypeError.
 */
export interface ConnectionOptions {
  /**
   * TLS: `true` verifies the server against Node's trusted CAs; Node's TLS
   * options (`{ ca, cert, key, rejectUnauthorized, … }`) say more. The
   * certificate is verified unless they say `rejectUnauthorized: false`.
   */
  ssl?: ClientSSL;
  /** The name the server's certificate must carry (TLS only); default: `host`. `''` skips the name check. */
  serverHostname?: string | null;
  /** Seconds the TLS handshake may take before the connection is aborted (TLS only; default 60). */
  sslHandshakeTimeout?: number | null;
  /** Where to connect from: `[host, port]` or `{ address, port }` (port 0: any). */
  localAddr?: readonly [host: string, port: number] | { readonly address: string; readonly port?: number };
  /** The address family to resolve `host` to: 0 (any, the default), 4 or 6 — or Python's `AF_INET` (2), `AF_INET6` (10). */
  family?: number;
  /**
   * Happy Eyeballs (RFC 8305): when `host` has several addresses, start the
   * next attempt after this many seconds if the last has not connected yet;
   * the first to connect wins. Node's `autoSelectFamily` does it; this is
   * its attempt timeout (at least 10 ms). Left out: Node's default (on, 250 ms).
   */
  happyEyeballsDelay?: number | null;
}

const CONNECTION_OPTIONS = ['ssl', 'serverHostname', 'sslHandshakeTimeout', 'localAddr', 'family', 'happyEyeballsDelay'] as const;

declare module './loop' {
  interface EventLoop {
    /**
     * asyncio's `loop.create_connection`: connects a TCP socket to
     * `host:port` (with `{ ssl }`, then does the TLS handshake), makes the
     * protocol with `protocolFactory()` and returns `[transport, protocol]`
     * once `connectionMade` has run. A failed connection raises Python's
     * OSError for it (`ConnectionRefusedError`…); a failed handshake its
     * reason (`SSLCertVerificationError`, …). Async driver only (it waits
     * for the network).
     * @example
     * const [transport, protocol] = yield* loop.createConnection(() => new Client(), '127.0.0.1', 8888);
     * const [tlsTransport] = yield* loop.createConnection(() => new Client(), 'example.com', 443, { ssl: true });
     */
    createConnection<P extends Protocol>(protocolFactory: () => P, host: string, port: number, options?: ConnectionOptions): Coroutine<[Transport, P]>;
  }
}

/** @internal Checks a port argument (0 to 65535). */
export function checkPort(port: unknown, api: string): void {
  if (typeof port !== 'number' || !Number.isInteger(port)) throw new TypeError(`${api}() needs a port number (an integer), got ${repr(port)}`);
  if (port < 0 || port > 65535) throw new ValueError(`${api}(): port must be 0-65535, got ${port}`);
}

/** @internal Checks a protocol factory argument. */
export function checkFactory(factory: unknown, api: string): void {
  if (typeof factory !== 'function') {
    throw new TypeError(`${api}() needs a protocol factory (a function returning a protocol), got ${repr(factory)}`);
  }
}

/** @internal A connection to make, checked: where to (Node's connect options), TLS, and a local host still to resolve. */
export interface ConnectPlan {
  target: net.TcpNetConnectOpts | net.IpcNetConnectOpts;
  tls: ClientTLS | null;
  /** A `localAddr` host that is a name, not an address: resolved before connecting, as asyncio does. */
  localHost?: string;
  /** Extra info the transport gets (a Unix socket's paths). */
  extra: Record<string, unknown>;
}

/**
 * @internal Checks `host`, `port` and the options of a TCP connection, at
 * the call; returns what `connectTransport` needs.
 */
export function planTcp(host: unknown, port: unknown, options: unknown, api: string, extraKeys: readonly string[] = []): ConnectPlan & { options: Record<string, unknown> } {
  if (typeof host !== 'string' || host === '') throw new TypeError(`${api}() needs a host name or address, got ${repr(host)}`);
  checkPort(port, api);
  const opts = checkOptions<ConnectionOptions & Record<string, unknown>>(api, options, [...CONNECTION_OPTIONS, ...extraKeys]);
  const tlsSettings = checkClientSSL(opts.ssl, opts.serverHostname, opts.sslHandshakeTimeout, host, api);
  const target: net.TcpNetConnectOpts = { host, port: port as number, family: nodeFamily(opts.family, api) };
  let localHost: string | undefined;
  if (opts.localAddr !== undefined) {
    const local = opts.localAddr as unknown;
    const [address, localPort] = Array.isArray(local) ? local : local !== null && typeof local === 'object' ? [(local as { address?: unknown }).address, (local as { port?: unknown }).port ?? 0] : [];
    if (typeof address !== 'string') throw new TypeError(`${api}(): localAddr must be [host, port] or { address, port }, got ${repr(local)}`);
    checkPort(localPort, api);
    if (address !== '') {
      if (net.isIP(address)) target.localAddress = address;
      else localHost = address;
    }
    if (localPort !== 0) target.localPort = localPort as number;
  }
  const delay = opts.happyEyeballsDelay;
  if (delay !== undefined && delay !== null) {
    if (typeof delay !== 'number' || Number.isNaN(delay)) throw new TypeError(`${api}(): happyEyeballsDelay must be a number of seconds, got ${repr(delay)}`);
    if (delay < 0) throw new ValueError(`${api}(): happyEyeballsDelay must be >= 0, got ${delay}`);
    target.autoSelectFamily = true;
    target.autoSelectFamilyAttemptTimeout = Math.max(10, Math.round(delay * 1000)); // Node's floor: 10 ms
  }
  return { target, tls: tlsSettings, localHost, extra: {}, options: opts };
}

EventLoop.prototype.createConnection = function createConnection<P extends Protocol>(
  this: EventLoop,
  protocolFactory: () => P,
  host: string,
  port: number,
  options?: ConnectionOptions,
): Coroutine<[Transport, P]> {
  checkFactory(protocolFactory, 'createConnection');
  const plan = planTcp(host, port, options, 'createConnection');
  this._checkClosed();
  return connectTransport(this, protocolFactory, plan);
};

/** @internal Makes the connection a plan describes and its transport: `[transport, protocol]` once connectionMade has run. */
export function* connectTransport<P extends Protocol>(loop: EventLoop, protocolFactory: () => P, plan: ConnectPlan): Coroutine<[Transport, P]> {
  const [sock, extra] = yield* connectStream(loop, plan);
  let protocol: P;
  try {
    protocol = protocolFactory();
  } catch (e) {
    sock.destroy();
    throw e;
  }
  const transport = new SocketTransport(loop, sock, protocol, null, extra);
  try {
    yield; // one turn, so that connectionMade (already scheduled) has run when we return
  } catch (e) {
    transport.close(); // cancelled
    throw e;
  }
  return [transport, protocol];
}

/**
 * @internal Connects (TCP or Unix) and, if the plan says TLS, does the
 * handshake; returns the socket (a TLSSocket then) and the extra info its
 * transport gets.
 */
export function* connectStream(loop: EventLoop, plan: ConnectPlan): Coroutine<[net.Socket, Record<string, unknown>]> {
  const target = plan.target;
  if (plan.localHost !== undefined) {
    const tcp = target as net.TcpNetConnectOpts;
    const found = yield* fromPromise(dns.promises.lookup(plan.localHost, { family: tcp.family || undefined }).catch((e: unknown) => Promise.reject(fromNodeError(e))), loop);
    tcp.localAddress = found.address;
  }
  const sock = yield* connectSocket(loop, target);
  if (plan.tls === null) return [sock, plan.extra];
  const tlsSock = wrapClient(sock, plan.tls);
  yield* secure(loop, tlsSock, false, plan.tls.timeout);
  return [tlsSock, { ...plan.extra, ...tlsExtraInfo(tlsSock) }];
}

/** @internal Opens a TCP or Unix connection; a host wait until Node says it is connected (or failed). */
export function* connectSocket(loop: EventLoop, target: net.TcpNetConnectOpts | net.IpcNetConnectOpts): Coroutine<net.Socket> {
  const sock = net.connect({ ...target, allowHalfOpen: true });
  const connected = loop.createFuture<void>();
  const release = loop._holdHostWait();
  let failure: Error | null = null;
  const onConnect = () => {
    release();
    if (!loop.isClosed() && !connected.done()) connected.setResult(undefined);
  };
  // Stays attached until the transport has its own listener, so an early error cannot go unhandled.
  const onError = (err: Error) => {
    release();
    failure ??= fromNodeError(err); // ECONNREFUSED → ConnectionRefusedError…
    if (!loop.isClosed() && !connected.done()) connected.setException(failure);
  };
  sock.once('connect', onConnect);
  sock.on('error', onError);
  try {
    yield* connected;
    if (sock.destroyed) throw failure ?? new ConnectionResetError('Connection lost before it could be used');
  } catch (e) {
    sock.destroy(); // cancelled or failed: give the socket back
    throw e;
  } finally {
    release();
    sock.removeListener('connect', onConnect);
    sock.removeListener('error', onError);
  }
  return sock;
}
