/**
 * Servers (CPython: base_events.Server and loop.create_server), over Node's
 * `net.Server`.
 *
 * A server listens; for each connection Node accepts, it makes a protocol
 * with the factory and a transport (lib/transports.ts) that joins the two.
 * It keeps the set of its live transports, so that `waitClosed()` can wait
 * until the server is closed *and* every connection it accepted is gone
 * (Python 3.12.1+).
 *
 * A listening server is a host wait (only Node can deliver its connections),
 * so the synchronous driver refuses to wait while one listens, and a virtual
 * clock does not jump until it is closed.
 *
 * Node-only. Importing it adds `loop.createServer()` to EventLoop.
 */
import * as net from 'node:net';
import { EventLoop } from './loop';
import { RuntimeError } from './exceptions';
import { fromNodeError } from './os-errors';
import type { Coroutine, Future } from './futures';
import type { AsyncContextManager } from './contexts';
import { SocketTransport, checkFactory, checkPort, type Protocol, type TransportOwner } from './transports';
import { repr } from './repr';

/** Options of `loop.createServer()` and `startServer()`. */
export interface ServerOptions {
  /** The most connections the kernel queues before they are accepted (asyncio's default: 100). */
  backlog?: number;
}

function ignore(): void {}

/**
 * asyncio.Server: what `loop.createServer()` and `startServer()` return. It
 * serves from the moment it is made; `close()` stops listening, and
 * `waitClosed()` waits until every connection it accepted is gone too. As a
 * context manager (`asyncWith`) it closes and waits on exit.
 * @example
 * const server = yield* startServer(handle, '127.0.0.1', 0);
 * console.log('listening on', server.address().port);
 * yield* asyncWith(server, function* (s) { yield* s.serveForever(); });
 */
export class Server implements TransportOwner, AsyncContextManager<Server> {
  /** @internal */ _loop: EventLoop;
  /** @internal Null once closed. */ _netServer: net.Server | null;
  /** @internal */ _protocolFactory: () => Protocol;
  /** @internal The live transports of accepted connections. */ _clients = new Set<SocketTransport>();
  /** @internal waitClosed() futures; null once they were woken. */ _waiters: Future<void>[] | null = [];
  /** @internal */ _servingForeverFut: Future<void> | null = null;
  /** @internal */ _address: net.AddressInfo;
  /** @internal Ends the host wait of listening. */ _release: () => void;
  private readonly _acceptFn = (sock: net.Socket) => this._accept(sock);

  /** @internal Made by `loop.createServer()` once Node listens. */
  constructor(loop: EventLoop, netServer: net.Server, protocolFactory: () => Protocol) {
    this._loop = loop;
    this._netServer = netServer;
    this._protocolFactory = protocolFactory;
    this._address = netServer.address() as net.AddressInfo;
    this._release = loop._holdHostWait();
    netServer.on('connection', (sock: net.Socket) => this._hostConnection(sock));
    // After listening, Node reports accept failures (e.g. too many open files) here.
    netServer.on('error', (err: Error) => {
      const exception = fromNodeError(err); // EMFILE → OSError('[Errno 24] Too many open files')
      if (!loop.isClosed()) loop.callSoon(() => loop.callExceptionHandler({ message: 'socket.accept() out of system resource', exception, server: this }));
    });
  }

  /** Node accepted a connection: make its protocol and transport on the loop. */
  private _hostConnection(sock: net.Socket): void {
    if (this._loop.isClosed() || this._netServer === null) {
      sock.destroy();
      return;
    }
    sock.on('error', ignore); // until its transport listens: an early reset must not go unhandled
    this._loop.callSoon(this._acceptFn, sock);
  }

  private _accept(sock: net.Socket): void {
    sock.removeListener('error', ignore);
    if (sock.destroyed || this._netServer === null) {
      sock.destroy(); // gone already, or the server closed meanwhile
      return;
    }
    let protocol: Protocol;
    try {
      protocol = this._protocolFactory();
    } catch (exception) {
      sock.destroy();
      this._loop.callExceptionHandler({ message: 'Error on transport creation for incoming connection', exception, server: this });
      return;
    }
    new SocketTransport(this._loop, sock, protocol, this);
  }

  /** @internal */
  _attach(transport: SocketTransport): void {
    this._clients.add(transport);
  }

  /** @internal */
  _detach(transport: SocketTransport): void {
    this._clients.delete(transport);
    if (this._clients.size === 0 && this._netServer === null) this._wakeup();
  }

  private _wakeup(): void {
    const waiters = this._waiters;
    this._waiters = null;
    if (waiters === null) return;
    for (const waiter of waiters) if (!waiter.done()) waiter.setResult(undefined);
  }

  /** The loop the server belongs to. */
  getLoop(): EventLoop {
    return this._loop;
  }

  /** True until `close()`. */
  isServing(): boolean {
    return this._netServer !== null;
  }

  /** Node's `{ address, family, port }` of the listening socket (port 0 at creation picks a free port). */
  address(): net.AddressInfo {
    if (this._netServer === null) throw new RuntimeError(`${this} is closed: it has no address any more`);
    return this._address;
  }

  /** Already serving since creation (asyncio's `start_serving=True`); kept for the asyncio API. */
  *startServing(): Coroutine<void> {
    if (this._netServer === null) throw new RuntimeError(`server ${this} is closed`);
  }

  /**
   * Stops listening (connections already accepted stay open) and cancels a
   * pending `serveForever()`. Idempotent.
   */
  close(): void {
    const netServer = this._netServer;
    if (netServer === null) return;
    this._netServer = null;
    netServer.close();
    this._release();
    const fut = this._servingForeverFut;
    if (fut !== null && !fut.done()) fut.cancel();
    this._servingForeverFut = null;
    if (this._clients.size === 0) this._wakeup();
  }

  /** Closes every accepted connection (3.13). */
  closeClients(): void {
    for (const transport of [...this._clients]) transport.close();
  }

  /** Aborts every accepted connection (3.13). */
  abortClients(): void {
    for (const transport of [...this._clients]) transport.abort();
  }

  /**
   * Waits until the server is closed and every connection it accepted is
   * gone (returns at once if that already happened).
   */
  *waitClosed(): Coroutine<void> {
    if (this._waiters === null) return;
    const waiter = this._loop.createFuture<void>();
    this._waiters.push(waiter);
    const release = this._loop._holdHostWait();
    try {
      yield* waiter;
    } finally {
      release();
    }
  }

  /**
   * Serves until cancelled; cancelling it closes the server and waits for
   * its connections to end, then raises the CancelledError. Only one
   * `serveForever()` at a time.
   */
  *serveForever(): Coroutine<void> {
    if (this._servingForeverFut !== null) throw new RuntimeError(`server ${this} is already being awaited on serveForever()`);
    if (this._netServer === null) throw new RuntimeError(`server ${this} is closed`);
    const fut = (this._servingForeverFut = this._loop.createFuture<void>());
    try {
      yield* fut;
    } catch (cancelled) {
      // Only a cancellation ends it (close() cancels it too): close, let the connections end, re-raise.
      this.close();
      yield* this.waitClosed();
      throw cancelled;
    } finally {
      if (this._servingForeverFut === fut) this._servingForeverFut = null;
    }
  }

  /** `async with server:` hands the body the server itself. */
  *enter(): Coroutine<Server> {
    return this;
  }

  /** Closes the server and waits until it is closed. */
  *exit(): Coroutine<void> {
    this.close();
    yield* this.waitClosed();
  }

  toString(): string {
    if (this._netServer === null) return '<Server closed>';
    return `<Server ${this._address.address}:${this._address.port} clients=${this._clients.size}>`;
  }
}

// ---- loop.createServer ----

declare module './loop' {
  interface EventLoop {
    /**
     * asyncio's `loop.create_server`: listens on `host:port` (host null:
     * every interface; port 0: a free port, see `server.address()`), and for
     * each connection makes a protocol with `protocolFactory()` and a
     * transport. Returns the Server once Node listens; it serves at once.
     * Async driver only.
     * @example
     * const server = yield* loop.createServer(() => new Echo(), '127.0.0.1', 0);
     * const { port } = server.address();
     */
    createServer(protocolFactory: () => Protocol, host: string | null | undefined, port: number, options?: ServerOptions): Coroutine<Server>;
  }
}

/** @internal Checks where to listen; returns the backlog. */
export function checkListenArgs(host: unknown, port: unknown, options: ServerOptions, api: string): number {
  if (host != null && typeof host !== 'string') throw new TypeError(`${api}() needs a host (a string, or null for every interface), got ${repr(host)}`);
  checkPort(port, api);
  if (options === null || typeof options !== 'object') throw new TypeError(`${api}() options must be an object, got ${repr(options)}`);
  const backlog = options.backlog ?? 100;
  if (!Number.isInteger(backlog) || backlog < 0) throw new TypeError(`${api}(): backlog must be a non-negative integer, got ${repr(backlog)}`);
  return backlog;
}

EventLoop.prototype.createServer = function createServer(
  this: EventLoop,
  protocolFactory: () => Protocol,
  host: string | null | undefined,
  port: number,
  options: ServerOptions = {},
): Coroutine<Server> {
  checkFactory(protocolFactory, 'createServer');
  const backlog = checkListenArgs(host, port, options, 'createServer');
  this._checkClosed();
  return listen(this, protocolFactory, host ?? undefined, port, backlog);
};

function* listen(loop: EventLoop, protocolFactory: () => Protocol, host: string | undefined, port: number, backlog: number): Coroutine<Server> {
  // allowHalfOpen: a peer's EOF does not end our side; eofReceived() decides (asyncio's rule).
  const netServer = net.createServer({ allowHalfOpen: true });
  const listening = loop.createFuture<void>();
  const release = loop._holdHostWait();
  const onListening = () => {
    release();
    if (!loop.isClosed() && !listening.done()) listening.setResult(undefined);
  };
  const onError = (err: Error) => {
    release();
    if (!loop.isClosed() && !listening.done()) listening.setException(fromNodeError(err)); // EADDRINUSE → OSError, asyncio's message
  };
  netServer.once('listening', onListening);
  netServer.once('error', onError);
  netServer.listen({ host, port, backlog });
  try {
    yield* listening;
  } catch (e) {
    netServer.close(); // failed (EADDRINUSE…) or cancelled
    throw e;
  } finally {
    release();
    netServer.removeListener('listening', onListening);
    netServer.removeListener('error', onError);
  }
  return new Server(loop, netServer, protocolFactory);
}
