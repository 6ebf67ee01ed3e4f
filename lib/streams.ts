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
 * - `openConnection()` and `startServer()` put them together.
 *
 * Node-only, like the transports.
 */
import type { EventLoop } from './loop';
import { _getRunningLoop, getEventLoop, getRunningLoop } from './events';
import type { Coroutine, Future } from './futures';
import { isCoroutine, type CoroutineCall } from './coroutines';
import { ConnectionResetError, checkPort, connectSocket, SocketTransport, type Protocol, type Transport, type TransportExtraInfo } from './transports';
import { checkListenArgs, type Server, type ServerOptions } from './servers';
import { StreamReader, checkLimit } from './stream-reader';
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
  abstract _getCloseWaiter(stream: StreamWriter): Future<void>;
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

  constructor(streamReader: StreamReader | null, clientConnectedCb: ClientConnectedCallback | null = null, loop?: EventLoop) {
    super(loop);
    this._streamReader = streamReader;
    this._clientConnectedCb = clientConnectedCb;
    this._closed = this._loop.createFuture<void>();
  }

  connectionMade(transport: Transport): void {
    this._transport = transport;
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

  dataReceived(data: Uint8Array): void {
    this._streamReader?.feedData(data);
  }

  eofReceived(): boolean {
    this._streamReader?.feedEof();
    return true; // stay half-open: the writer may still have things to say
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
export class StreamWriter {
  /** @internal */ _transport: Transport;
  /** @internal */ _protocol: FlowControlMixin;
  /** @internal */ _reader: StreamReader | null;
  /** @internal */ _loop: EventLoop;

  constructor(transport: Transport, protocol: FlowControlMixin, reader: StreamReader | null, loop: EventLoop) {
    this._transport = transport;
    this._protocol = protocol;
    this._reader = reader;
    this._loop = loop;
  }

  /** The underlying transport. */
  get transport(): Transport {
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

  toString(): string {
    return `<StreamWriter transport=${this._transport}${this._reader !== null ? ` reader=${this._reader}` : ''}>`;
  }
}

// ---- openConnection / startServer ----

/** Options of `openConnection()`. */
export interface StreamOptions {
  /** The StreamReader's limit (default 64 KiB). */
  limit?: number;
}

function checkStreamOptions(options: unknown, api: string): number {
  if (options === null || typeof options !== 'object') throw new TypeError(`${api}() options must be an object, got ${repr(options)}`);
  return checkLimit((options as StreamOptions).limit);
}

/**
 * asyncio.open_connection: connects to `host:port` and returns a
 * `[StreamReader, StreamWriter]` pair. Async driver only.
 * @example
 * const [reader, writer] = yield* openConnection('127.0.0.1', 8888);
 * writer.write('ping\n');
 * console.log(new TextDecoder().decode(yield* reader.readline()));
 */
export function openConnection(host: string, port: number, options: StreamOptions = {}): Coroutine<[StreamReader, StreamWriter]> {
  if (typeof host !== 'string' || host === '') throw new TypeError(`openConnection() needs a host name or address, got ${repr(host)}`);
  checkPort(port, 'openConnection');
  const limit = checkStreamOptions(options, 'openConnection');
  return connectStreams(host, port, limit);
}

function* connectStreams(host: string, port: number, limit: number): Coroutine<[StreamReader, StreamWriter]> {
  const loop = getRunningLoop();
  const sock = yield* connectSocket(loop, host, port);
  const reader = new StreamReader({ limit, loop });
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const transport = new SocketTransport(loop, sock, protocol);
  try {
    yield; // one turn, so that connectionMade has run when we return (as asyncio's does)
  } catch (e) {
    transport.close(); // cancelled
    throw e;
  }
  return [reader, new StreamWriter(transport, protocol, reader, loop)];
}

/**
 * asyncio.start_server: listens on `host:port` and calls
 * `clientConnected(reader, writer)` for each connection — a plain function,
 * or a `function*` whose coroutine runs as a Task (when that task fails or
 * is cancelled, its connection is closed). Returns the Server. Async driver only.
 * @example
 * function* echo(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
 *   writer.write(yield* reader.readline());
 *   yield* writer.drain();
 *   writer.close();
 * }
 * const server = yield* startServer(echo, '127.0.0.1', 0);
 */
export function startServer(clientConnected: ClientConnectedCallback, host: string | null | undefined, port: number, options: StreamOptions & ServerOptions = {}): Coroutine<Server> {
  if (typeof clientConnected !== 'function') throw new TypeError(`startServer() needs a clientConnected callback (a function or function*), got ${repr(clientConnected)}`);
  const limit = checkStreamOptions(options, 'startServer');
  const backlog = checkListenArgs(host, port, options, 'startServer');
  return serveStreams(clientConnected, host, port, limit, backlog);
}

function* serveStreams(clientConnected: ClientConnectedCallback, host: string | null | undefined, port: number, limit: number, backlog: number): Coroutine<Server> {
  const loop = getRunningLoop();
  const factory = () => new StreamReaderProtocol(new StreamReader({ limit, loop }), clientConnected, loop);
  return yield* loop.createServer(factory, host, port, { backlog });
}
