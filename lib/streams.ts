/**
 * Streams (CPython: streams.py): coroutines over transports, so that a
 * connection reads like a file — `yield* reader.readline()`,
 * `writer.write(data); yield* writer.drain()`.
 *
 * The pieces, as in asyncio:
 * - `StreamReader` (lib/stream-reader.ts, re-exported here) buffers what
 *   arrives and wakes the one coroutine waiting in `read*()`; over twice its
 *   `limit` it pauses the transport's reading, so a slow reader slows the
 *   sender down (back-pressure, inbound).
 * - `FlowControlMixin` is the protocol half of `drain()`: the transport
 *   calls `pauseWriting()`/`resumeWriting()`, and `drain()` waits while
 *   writing is paused (back-pressure, outbound).
 * - `StreamReaderProtocol` is the protocol that feeds a StreamReader and, on
 *   a server, calls `clientConnected(reader, writer)` for each connection.
 * - `StreamWriter` wraps the transport and adds `drain()` and `waitClosed()`.
 * - `openConnection()` and `startServer()` put them together (lib/unix.ts
 *   has their Unix domain socket versions); `writer.startTls()` upgrades a
 *   stream to TLS in place.
 *
 * Node-only, like the transports.
 */
import type { EventLoop } from './loop';
import { _getRunningLoop, getEventLoop, getRunningLoop } from './events';
import type { Coroutine, Future } from './futures';
import { isCoroutine, type CoroutineCall } from './coroutines';
import { ConnectionResetError, connectStream, planTcp, SocketTransport, type ConnectionOptions, type ConnectPlan, type Protocol, type Transport, type TransportExtraInfo, type WriteTransport } from './transports';
import { checkListenArgs, serveTcp, type Server, type ServerOptions } from './servers';
import { StreamReader, checkLimit } from './stream-reader';
import { checkOptions } from './options';
import type { ClientSSL, ServerSSL } from './tls';
import type { StartTlsOptions } from './start-tls';
import './start-tls'; // adds loop.startTls(), which writer.startTls() uses
import { repr } from './repr';

export { DEFAULT_LIMIT, StreamReader, type StreamReaderOptions } from './stream-reader';

/**
 * asyncio's FlowControlMixin: the protocol half of `StreamWriter.drain()`.
 * The transport pauses and resumes writing; `_drainHelper()` waits while it
 * is paused and raises once the connection is lost.
 */
export abstract class FlowControlMixin implements Protocol {
  /** @internal */ _loop: EventLoop;
  /** @internal */ _paused = false;
  /** @internal */ _drainWaiters: Future<void>[] = [];
  /** @internal */ _connectionLost = false;

  constructor(loop?: EventLoop) {
    this._loop = loop ?? _getRunningLoop() ?? getEventLoop();
  }

  pauseWriting(): void {
    this._paused = true;
  }

  resumeWriting(): void {
    this._paused = false;
    for (const waiter of this._drainWaiters) if (!waiter.done()) waiter.setResult(undefined);
  }

  connectionLost(exc: Error | null): void {
    this._connectionLost = true;
    // Wake the writers waiting in drain(), with the error if there is one.
    if (!this._paused) return;
    for (const waiter of this._drainWaiters) {
      if (waiter.done()) continue;
      if (exc === null) waiter.setResult(undefined);
      else waiter.setException(exc);
    }
  }

  /** @internal */
  *_drainHelper(): Coroutine<void> {
    if (this._connectionLost) throw new ConnectionResetError('Connection lost');
    if (!this._paused) return;
    const waiter = this._loop.createFuture<void>();
    this._drainWaiters.push(waiter);
    const release = this._loop._holdHostWait(); // only the socket draining (in Node) can end it
    try {
      yield* waiter;
    } finally {
      release();
      this._drainWaiters.splice(this._drainWaiters.indexOf(waiter), 1);
    }
  }

  /** @internal The future `writer.waitClosed()` waits on. */
  abstract _getCloseWaiter(stream: StreamWriter<WriteTransport>): Future<void>;
}

/** What `startServer()` calls for each connection: a plain function, or a `function*` whose coroutine runs as a Task. */
export type ClientConnectedCallback = (reader: StreamReader, writer: StreamWriter) => void | Coroutine<unknown> | CoroutineCall<unknown>;

/**
 * asyncio.StreamReaderProtocol: adapts a transport's protocol callbacks to a
 * StreamReader, and on a server starts `clientConnected(reader, writer)`.
 */
export class StreamReaderProtocol extends FlowControlMixin {
  /** @internal */ _streamReader: StreamReader | null;
  /** @internal */ _clientConnectedCb: ClientConnectedCallback | null;
  /** @internal */ _transport: Transport | null = null;
  /** @internal The task running a `function*` clientConnected callback. */ _task: Future<unknown> | null = null;
  /** @internal Done when the connection is lost. */ _closed: Future<void>;
  /** @internal The transport is a TLS one: the peer's EOF ends the connection (no half-close over TLS). */ _overSsl = false;

  constructor(streamReader: StreamReader | null, clientConnectedCb: ClientConnectedCallback | null = null, loop?: EventLoop) {
    super(loop);
    this._streamReader = streamReader;
    this._clientConnectedCb = clientConnectedCb;
    this._closed = this._loop.createFuture<void>();
  }

  connectionMade(transport: Transport): void {
    this._transport = transport;
    this._overSsl = transport.getExtraInfo('sslObject') !== undefined;
    const reader = this._streamReader;
    if (reader !== null) reader.setTransport(transport);
    const cb = this._clientConnectedCb;
    if (cb === null) return;
    const writer = new StreamWriter(transport, this, reader, this._loop);
    const res = cb(reader as StreamReader, writer);
    if (!isCoroutine(res)) return;
    const loop = this._loop;
    const task = (this._task = loop.createTask(res));
    task.addDoneCallback((t) => {
      if (t.cancelled()) {
        transport.close();
        return;
      }
      const exception = t.exception();
      if (exception !== null) {
        loop.callExceptionHandler({ message: 'Unhandled exception in client_connected_cb', exception, transport });
        transport.close();
      }
    });
  }

  override connectionLost(exc: Error | null): void {
    const reader = this._streamReader;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    if (!this._closed.done()) {
      if (exc === null) this._closed.setResult(undefined);
      else {
        this._closed.setException(exc);
        this._closed.exception(); // waitClosed() is optional: an unread error here is not "never retrieved"
      }
    }
    super.connectionLost(exc);
    this._streamReader = null;
    this._task = null;
    this._transport = null;
  }

  /** Hands `data` to the StreamReader as it is, without a copy: a transport gives bytes it does not touch again. */
  dataReceived(data: Uint8Array): void {
    const reader = this._streamReader;
    if (reader === null) return;
    if (data instanceof Uint8Array) reader._feed(data);
    else reader.feedData(data); // a string, or a mistake feedData() reports
  }

  eofReceived(): boolean {
    this._streamReader?.feedEof();
    // Stay half-open: the writer may still have things to say. Not over TLS, which cannot half-close.
    return !this._overSsl;
  }

  /** @internal `writer.startTls()` swapped the transport for a TLS one. */
  _replaceTransport(transport: Transport): void {
    this._transport = transport;
    this._overSsl = true;
    this._streamReader?._replaceTransport(transport);
  }

  /** @internal */
  _getCloseWaiter(): Future<void> {
    return this._closed;
  }
}

/**
 * asyncio.StreamWriter: the writing end of a stream. `write()` never waits;
 * `yield* drain()` after it waits while the transport's buffer is over its
 * high-water mark (and raises if the connection was lost).
 * @example
 * writer.write('hello\n');
 * yield* writer.drain();
 * writer.close();
 * yield* writer.waitClosed();
 */
export class StreamWriter<T extends WriteTransport = Transport> {
  /** @internal */ _transport: T;
  /** @internal */ _protocol: FlowControlMixin;
  /** @internal */ _reader: StreamReader | null;
  /** @internal */ _loop: EventLoop;

  /** A writer over any writing transport: a connection's, or a write pipe's (`loop.connectWritePipe`). */
  constructor(transport: T, protocol: FlowControlMixin, reader: StreamReader | null, loop: EventLoop) {
    this._transport = transport;
    this._protocol = protocol;
    this._reader = reader;
    this._loop = loop;
  }

  /** The underlying transport. */
  get transport(): T {
    return this._transport;
  }

  /** Queues `data` (a string as UTF-8); follow with `yield* drain()`. */
  write(data: Uint8Array | string): void {
    this._transport.write(data);
  }

  /** Queues every item, as one write. */
  writelines(data: Iterable<Uint8Array | string>): void {
    this._transport.writelines(data);
  }

  /** Closes the writing half once the buffer is sent. */
  writeEof(): void {
    this._transport.writeEof();
  }

  canWriteEof(): boolean {
    return this._transport.canWriteEof();
  }

  /** Closes the stream (after the buffer is sent); wait for it with `waitClosed()`. */
  close(): void {
    this._transport.close();
  }

  isClosing(): boolean {
    return this._transport.isClosing();
  }

  /** Waits until the connection is closed; raises the error that ended it, if one did. */
  *waitClosed(): Coroutine<void> {
    const closed = this._protocol._getCloseWaiter(this);
    if (closed.done()) return yield* closed;
    const release = this._loop._holdHostWait();
    try {
      yield* closed;
    } finally {
      release();
    }
  }

  getExtraInfo<K extends keyof TransportExtraInfo>(name: K, defaultValue?: TransportExtraInfo[K]): TransportExtraInfo[K] | undefined;
  getExtraInfo(name: string, defaultValue?: unknown): unknown;
  getExtraInfo(name: string, defaultValue?: unknown): unknown {
    return this._transport.getExtraInfo(name, defaultValue);
  }

  /**
   * Waits until the write buffer is below its high-water mark (returns at
   * once if it is). Raises the reader's error if the connection failed, and
   * ConnectionResetError if it is lost.
   */
  *drain(): Coroutine<void> {
    if (this._reader !== null) {
      const exc = this._reader.exception();
      if (exc !== null) throw exc;
    }
    // A closing transport: give connectionLost() one turn, so that a loop of
    // write(); drain() sees the connection's end instead of spinning.
    if (this._transport.isClosing()) yield;
    yield* this._protocol._drainHelper();
  }

  /**
   * asyncio's `StreamWriter.start_tls`: upgrades the connection to TLS in
   * place (STARTTLS) — waits until what was written has gone out, does the
   * handshake, and from then on this writer and its reader speak TLS. The
   * side is the stream's own (a server's streams take the server side)
   * unless `serverSide` says otherwise; `ssl` is as for `openConnection`
   * (a client) or `startServer` (a server). A failed handshake raises its
   * reason and closes the connection.
   * @example
   * writer.write('STARTTLS\n');
   * yield* reader.readline(); // the server's go-ahead
   * yield* writer.startTls({ ca: cert }, { serverHostname: 'localhost' });
   */
  *startTls(this: StreamWriter<Transport>, ssl: ClientSSL | ServerSSL, options?: StartTlsOptions): Coroutine<void> {
    const opts = checkOptions<StartTlsOptions>('startTls', options, ['serverHostname', 'serverSide', 'sslHandshakeTimeout']);
    const protocol = this._protocol;
    if (!(protocol instanceof StreamReaderProtocol)) throw new TypeError(`startTls() needs a stream made by openConnection() or startServer(), not ${this}`);
    const serverSide = opts.serverSide ?? protocol._clientConnectedCb !== null;
    yield* this.drain();
    const transport = yield* this._loop.startTls(this._transport, protocol, ssl, { ...opts, serverSide });
    this._transport = transport;
    protocol._replaceTransport(transport);
  }

  toString(): string {
    return `<StreamWriter transport=${this._transport}${this._reader !== null ? ` reader=${this._reader}` : ''}>`;
  }
}

// ---- openConnection / startServer ----

/** Options of `openConnection()`: the StreamReader's `limit`, and those of `loop.createConnection()`. */
export interface StreamOptions extends ConnectionOptions {
  /** The StreamReader's limit (default 64 KiB). */
  limit?: number;
}

/**
 * asyncio.open_connection: connects to `host:port` (with `{ ssl }`, then
 * does the TLS handshake) and returns a `[StreamReader, StreamWriter]`
 * pair. Takes `loop.createConnection()`'s options too. Async driver only.
 * @example
 * const [reader, writer] = yield* openConnection('127.0.0.1', 8888);
 * writer.write('ping\n');
 * console.log(new TextDecoder().decode(yield* reader.readline()));
 */
export function openConnection(host: string, port: number, options?: StreamOptions): Coroutine<[StreamReader, StreamWriter]> {
  const plan = planTcp(host, port, options, 'openConnection', ['limit']);
  return connectStreams(plan, checkLimit(plan.options.limit));
}

/** @internal Makes the connection a plan describes, with a StreamReader and StreamWriter on it. */
export function* connectStreams(plan: ConnectPlan, limit: number): Coroutine<[StreamReader, StreamWriter]> {
  const loop = getRunningLoop();
  const [sock, extra] = yield* connectStream(loop, plan);
  const reader = new StreamReader({ limit, loop });
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const transport = new SocketTransport(loop, sock, protocol, null, extra);
  try {
    yield; // one turn, so that connectionMade has run when we return (as asyncio's does)
  } catch (e) {
    transport.close(); // cancelled
    throw e;
  }
  return [reader, new StreamWriter(transport, protocol, reader, loop)];
}

/** Options of `startServer()`: the StreamReaders' `limit`, and those of `loop.createServer()`. */
export interface StreamServerOptions extends ServerOptions {
  /** The limit of each connection's StreamReader (default 64 KiB). */
  limit?: number;
}

/** @internal Checks a `clientConnected` callback. */
export function checkClientConnected(clientConnected: unknown, api: string): void {
  if (typeof clientConnected !== 'function') throw new TypeError(`${api}() needs a clientConnected callback (a function or function*), got ${repr(clientConnected)}`);
}

/** @internal The protocol factory of a stream server: a StreamReaderProtocol that calls `clientConnected` per connection. */
export function streamProtocolFactory(loop: EventLoop, clientConnected: ClientConnectedCallback, limit: number): () => StreamReaderProtocol {
  return () => new StreamReaderProtocol(new StreamReader({ limit, loop }), clientConnected, loop);
}

/**
 * asyncio.start_server: listens on `host:port` (a list of hosts: each of
 * them) and calls `clientConnected(reader, writer)` for each connection — a
 * plain function, or a `function*` whose coroutine runs as a Task (when
 * that task fails or is cancelled, its connection is closed). With
 * `{ ssl: { key, cert } }` it is a TLS server. Takes `loop.createServer()`'s
 * options too. Returns the Server. Async driver only.
 * @example
 * function* echo(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
 *   writer.write(yield* reader.readline());
 *   yield* writer.drain();
 *   writer.close();
 * }
 * const server = yield* startServer(echo, '127.0.0.1', 0);
 */
export function startServer(clientConnected: ClientConnectedCallback, host: string | readonly string[] | null | undefined, port: number, options?: StreamServerOptions): Coroutine<Server> {
  checkClientConnected(clientConnected, 'startServer');
  const plan = checkListenArgs(host, port, options, 'startServer', ['limit']);
  const limit = checkLimit(plan.options.limit);
  return serveStreams(clientConnected, plan, limit);
}

function* serveStreams(clientConnected: ClientConnectedCallback, plan: ReturnType<typeof checkListenArgs>, limit: number): Coroutine<Server> {
  const loop = getRunningLoop();
  return yield* serveTcp(loop, streamProtocolFactory(loop, clientConnected, limit), plan);
}
