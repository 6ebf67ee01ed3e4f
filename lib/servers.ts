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
 * A serving server is a host wait (only Node can deliver its connections),
 * so the synchronous driver refuses to wait while one serves, and a virtual
 * clock does not jump until it is closed.
 *
 * One Server may listen on several sockets (several hosts, or a name with
 * several addresses: one Node `net.Server` each). With `ssl` it is a TLS
 * server: each accepted connection does its handshake (lib/tls.ts) before
 * the factory makes its protocol; one that fails is dropped quietly, as
 * asyncio does. A Unix domain socket server (lib/unix.ts) is the same class.
 *
 * Node-only. Importing it adds `loop.createServer()` to EventLoop.
 */
import * as dns from 'node:dns';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import { EventLoop, type ExceptionContext } from './loop';
import { RuntimeError, ValueError } from './exceptions';
import { fromNodeError } from './os-errors';
import type { Coroutine, Future } from './futures';
import type { AsyncContextManager } from './contexts';
import { SocketTransport, checkFactory, checkPort, type Protocol, type TransportOwner } from './transports';
import { watchEnd } from './early-eof';
import { checkOptions } from './options';
import { ownResource, releaseResource, type LoopResource } from './loop-resources';
import { fromPromise } from './promises';
import { checkServerSSL, handshake, tlsExtraInfo, wrapServer, type ServerSSL, type ServerTLS } from './tls';
import { repr } from './repr';

/**
 * Options of `loop.createServer()` and `startServer()` (asyncio's keyword
 * arguments, in camelCase). An option the function does not take is a TypeError.
 */
export interface ServerOptions {
  /** The most connections the kernel queues before they are accepted (asyncio's default: 100). */
  backlog?: number;
  /** TLS: Node's TLS options with the server's certificate, `{ key, cert }` (PEM) or `{ pfx }`, plus any other (`ca`, `requestCert`, …). */
  ssl?: ServerSSL;
  /** Seconds each connection's TLS handshake may take before it is dropped (TLS only; default 60). */
  sslHandshakeTimeout?: number | null;
  /**
   * SO_REUSEADDR. Node always sets it on a listening TCP socket on Unix (and
   * never on Windows) — asyncio's default there too — so only that value is
   * accepted; the other is a ValueError.
   */
  reuseAddress?: boolean | null;
  /** SO_REUSEPORT: several servers share one port, the kernel spreads the connections (Node 22.12+ on Linux and a few others; elsewhere a ValueError). */
  reusePort?: boolean | null;
  /**
   * True (the default): serve at once. False: the server is bound and has
   * its address, but hands no connection to a protocol until
   * `startServing()` or `serveForever()`; connections that arrive meanwhile
   * wait (Node accepts them; the server holds them back).
   */
  startServing?: boolean;
}

const SERVER_OPTIONS = ['backlog', 'ssl', 'sslHandshakeTimeout', 'reuseAddress', 'reusePort', 'startServing'] as const;

function ignore(): void {}

/** @internal How a Server was set up (by `loop.createServer()` or `loop.createUnixServer()`). */
export interface ServerSetup {
  tls: ServerTLS | null;
  /** Closes one listening socket (a Unix server keeps or removes its socket file here). */
  closeListener?: (listener: net.Server) => void;
}

/**
 * asyncio.Server: what `loop.createServer()` and `startServer()` return (and
 * their Unix versions). It serves from the moment it is made, unless made
 * with `startServing: false`; `close()` stops listening, and `waitClosed()`
 * waits until every connection it accepted is gone too. As a context
 * manager (`asyncWith`) it closes and waits on exit. `A` is the type of its
 * address: Node's `{ address, family, port }`, or a path for a Unix server.
 * @example
 * const server = yield* startServer(handle, '127.0.0.1', 0);
 * console.log('listening on', server.address().port);
 * yield* asyncWith(server, function* (s) { yield* s.serveForever(); });
 */
export class Server<A extends net.AddressInfo | string = net.AddressInfo> implements TransportOwner, AsyncContextManager<Server<A>>, LoopResource {
  /** @internal */ _loop: EventLoop;
  /** @internal The listening sockets; null once closed. */ _listeners: net.Server[] | null;
  /** @internal */ _protocolFactory: () => Protocol;
  /** @internal The live transports of accepted connections. */ _clients = new Set<SocketTransport>();
  /** @internal Accepted TLS connections still in their handshake: they count as clients. */ _handshakes = new Set<tls.TLSSocket>();
  /** @internal Connections Node accepted before the server started serving. */ _held: net.Socket[] = [];
  /** @internal */ _serving = false;
  /** @internal */ _tls: ServerTLS | null;
  /** @internal */ _closeListener: (listener: net.Server) => void;
  /** @internal waitClosed() futures; null once they were woken. */ _waiters: Future<void>[] | null = [];
  /** @internal */ _servingForeverFut: Future<void> | null = null;
  /** @internal The addresses of the listening sockets, as they were when it started listening. */ _addresses: A[];
  /** @internal Ends the host wait of serving (null while not serving). */ _release: (() => void) | null = null;
  private readonly _acceptFn = (sock: net.Socket) => this._accept(sock);

  /** @internal Made by `loop.createServer()` (or `createUnixServer()`) once Node listens; it serves once `_startServing()` is called. */
  constructor(loop: EventLoop, listeners: net.Server[], protocolFactory: () => Protocol, setup: ServerSetup = { tls: null }) {
    this._loop = loop;
    this._listeners = listeners;
    this._protocolFactory = protocolFactory;
    this._tls = setup.tls;
    this._closeListener = setup.closeListener ?? ((listener) => listener.close());
    this._addresses = listeners.map((l) => l.address() as A);
    for (const listener of listeners) {
      listener.on('connection', (sock: net.Socket) => this._hostConnection(sock));
      // After listening, Node reports accept failures (e.g. too many open files) here.
      listener.on('error', (err: Error) => {
        const exception = fromNodeError(err); // EMFILE → OSError('[Errno 24] Too many open files')
        if (!loop.isClosed()) loop.callSoon(() => loop.callExceptionHandler({ message: 'socket.accept() out of system resource', exception, server: this }));
      });
    }
    ownResource(loop, this); // a server left listening is closed with its loop
  }

  /** @internal The first listening socket (null once closed). */
  get _netServer(): net.Server | null {
    return this._listeners === null ? null : this._listeners[0];
  }

  /** Node accepted a connection: make its protocol and transport on the loop (or hold it until the server serves). */
  private _hostConnection(sock: net.Socket): void {
    if (this._loop.isClosed() || this._listeners === null) {
      sock.destroy();
      return;
    }
    sock.on('error', ignore); // until its transport listens: an early reset must not go unhandled
    watchEnd(sock); // and an early EOF must not go unheard
    if (this._serving) this._loop.callSoon(this._acceptFn, sock);
    else this._held.push(sock);
  }

  private _accept(sock: net.Socket): void {
    sock.removeListener('error', ignore);
    if (sock.destroyed || this._listeners === null) {
      sock.destroy(); // gone already, or the server closed meanwhile
      return;
    }
    if (this._tls === null) this._makeTransport(sock, {});
    else this._handshake(sock, this._tls);
  }

  /** TLS: the handshake first; a connection whose handshake fails is dropped quietly (asyncio logs it only in debug mode). */
  private _handshake(sock: net.Socket, settings: ServerTLS): void {
    const tlsSock = wrapServer(sock, settings);
    this._handshakes.add(tlsSock);
    handshake(this._loop, tlsSock, true, settings.timeout, (exc) => {
      this._handshakes.delete(tlsSock);
      if (exc === null) this._makeTransport(tlsSock, tlsExtraInfo(tlsSock));
      else this._maybeWakeup();
    });
  }

  private _makeTransport(sock: net.Socket, extra: Record<string, unknown>): void {
    let protocol: Protocol;
    try {
      protocol = this._protocolFactory();
    } catch (exception) {
      sock.destroy();
      this._loop.callExceptionHandler({ message: 'Error on transport creation for incoming connection', exception, server: this });
      this._maybeWakeup();
      return;
    }
    if (typeof this._addresses[0] === 'string') extra = { peername: '', sockname: this._addresses[0], ...extra }; // Unix: Python's names
    new SocketTransport(this._loop, sock, protocol, this, extra);
  }

  /** @internal */
  _attach(transport: SocketTransport): void {
    this._clients.add(transport);
  }

  /** @internal */
  _detach(transport: SocketTransport): void {
    this._clients.delete(transport);
    this._maybeWakeup();
  }

  /** Wakes waitClosed() once the server is closed and no connection it accepted is left. */
  private _maybeWakeup(): void {
    if (this._handshakes.size === 0 && this._listeners === null) releaseResource(this._loop, this); // nothing of its own left in the host
    if (this._clients.size === 0 && this._handshakes.size === 0 && this._listeners === null) this._wakeup();
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

  /** True while it serves: from creation (or `startServing()`) until `close()`. */
  isServing(): boolean {
    return this._serving;
  }

  /**
   * The address of its (first) listening socket: Node's `{ address, family,
   * port }` (port 0 at creation picks a free port), or a Unix server's path.
   */
  address(): A {
    if (this._listeners === null) throw new RuntimeError(`${this} is closed: it has no address any more`);
    return this._addresses[0];
  }

  /** Python's `server.sockets`: Node's listening sockets (`.address()` on each); none once closed. */
  get sockets(): readonly net.Server[] {
    return this._listeners === null ? [] : [...this._listeners];
  }

  /** @internal Starts handing connections to protocols (with those that came meanwhile first). */
  _startServing(): void {
    if (this._serving || this._listeners === null) return;
    this._serving = true;
    this._release = this._loop._holdHostWait();
    for (const sock of this._held.splice(0)) this._loop.callSoon(this._acceptFn, sock);
  }

  /** Starts serving (after `startServing: false`); nothing to do if it serves already. */
  *startServing(): Coroutine<void> {
    if (this._listeners === null) throw new RuntimeError(`server ${this} is closed`);
    this._startServing();
    yield; // one turn, as asyncio's sleep(0)
  }

  /**
   * Stops listening (connections already accepted stay open) and cancels a
   * pending `serveForever()`. Idempotent.
   */
  close(): void {
    if (this._listeners === null) return;
    this._stopListening();
    const fut = this._servingForeverFut;
    if (fut !== null && !fut.done()) fut.cancel();
    this._servingForeverFut = null;
    this._maybeWakeup();
  }

  /** Closes the listening sockets and drops the connections never served: the host's half of close(). */
  private _stopListening(): void {
    const listeners = this._listeners as net.Server[];
    this._listeners = null;
    this._serving = false;
    for (const listener of listeners) this._closeListener(listener);
    for (const sock of this._held.splice(0)) sock.destroy(); // never served
    this._release?.();
    this._release = null;
  }

  /** @internal Debug mode, at loop close: a server still listening was never closed. */
  _unclosedReport(): ExceptionContext | null {
    return this._listeners === null ? null : { message: `unclosed ${this}`, server: this };
  }

  /**
   * @internal Its loop closed while it listened: it stops listening and drops
   * the handshakes in progress (its connections are the loop's too, closed
   * in their turn). Nothing is woken: nothing runs on a closed loop.
   */
  _closeWithLoop(): void {
    if (this._listeners !== null) this._stopListening();
    for (const sock of this._handshakes) sock.destroy();
    this._handshakes.clear();
  }

  /** Closes every accepted connection (3.13); one still in its TLS handshake is dropped. */
  closeClients(): void {
    for (const sock of [...this._handshakes]) sock.destroy();
    for (const transport of [...this._clients]) transport.close();
  }

  /** Aborts every accepted connection (3.13). */
  abortClients(): void {
    for (const sock of [...this._handshakes]) sock.destroy();
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
   * Serves until cancelled (starting to serve if it was made with
   * `startServing: false`); cancelling it closes the server and waits for
   * its connections to end, then raises the CancelledError. Only one
   * `serveForever()` at a time.
   */
  *serveForever(): Coroutine<void> {
    if (this._servingForeverFut !== null) throw new RuntimeError(`server ${this} is already being awaited on serveForever()`);
    if (this._listeners === null) throw new RuntimeError(`server ${this} is closed`);
    this._startServing();
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
  *enter(): Coroutine<Server<A>> {
    return this;
  }

  /** Closes the server and waits until it is closed. */
  *exit(): Coroutine<void> {
    this.close();
    yield* this.waitClosed();
  }

  toString(): string {
    if (this._listeners === null) return '<Server closed>';
    const where = this._addresses.map((a) => (typeof a === 'string' ? a : `${a.address}:${a.port}`)).join(', ');
    return `<Server ${where}${this._tls !== null ? ' tls' : ''} clients=${this._clients.size}>`;
  }
}

// ---- loop.createServer ----

declare module './loop' {
  interface EventLoop {
    /**
     * asyncio's `loop.create_server`: listens on `host:port` (host null or
     * `''`: every interface; a list of hosts: each of them; port 0: a free
     * port, see `server.address()`), and for each connection makes a
     * protocol with `protocolFactory()` and a transport — after the TLS
     * handshake, with `{ ssl }`. Returns the Server once Node listens; it
     * serves at once unless `{ startServing: false }`. Async driver only.
     * @example
     * const server = yield* loop.createServer(() => new Echo(), '127.0.0.1', 0);
     * const { port } = server.address();
     * const secure = yield* loop.createServer(() => new Echo(), 'localhost', 8443, { ssl: { key, cert } });
     */
    createServer(protocolFactory: () => Protocol, host: string | readonly string[] | null | undefined, port: number, options?: ServerOptions): Coroutine<Server>;
  }
}

/** @internal Where and how to listen, checked at the call. */
export interface ListenPlan {
  /** The hosts to listen on; `[undefined]` is every interface. */
  hosts: (string | undefined)[];
  port: number;
  backlog: number;
  tls: ServerTLS | null;
  reusePort: boolean;
  startServing: boolean;
}

/** @internal Checks the backlog (asyncio's default: 100). */
export function checkBacklog(backlog: unknown, api: string): number {
  const b = backlog ?? 100;
  if (typeof b !== 'number' || !Number.isInteger(b) || b < 0) throw new TypeError(`${api}(): backlog must be a non-negative integer, got ${repr(backlog)}`);
  return b;
}

/** @internal Checks `startServing`. */
export function checkStartServing(startServing: unknown, api: string): boolean {
  if (startServing === undefined) return true;
  if (typeof startServing !== 'boolean') throw new TypeError(`${api}(): startServing must be true or false, got ${repr(startServing)}`);
  return startServing;
}

/** Node's listen() takes `reusePort` from 22.12 and 23.1 on; older versions ignore it silently, so tulip refuses it there. */
function nodeHasReusePort(): boolean {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/** @internal Checks where to listen and the options of a TCP server; `extraKeys` are the caller's own options. */
export function checkListenArgs(host: unknown, port: unknown, options: unknown, api: string, extraKeys: readonly string[] = []): ListenPlan & { options: Record<string, unknown> } {
  let hosts: (string | undefined)[];
  if (host === null || host === undefined || host === '') hosts = [undefined];
  else if (typeof host === 'string') hosts = [host];
  else if (Array.isArray(host) && host.length > 0 && host.every((h) => typeof h === 'string' && h !== '')) hosts = [...(host as string[])];
  else throw new TypeError(`${api}() needs a host (a string, a non-empty list of strings, or null for every interface), got ${repr(host)}`);
  checkPort(port, api);
  const opts = checkOptions<ServerOptions & Record<string, unknown>>(api, options, [...SERVER_OPTIONS, ...extraKeys]);
  const backlog = checkBacklog(opts.backlog, api);
  const tlsSettings = checkServerSSL(opts.ssl, opts.sslHandshakeTimeout, api);
  const nodeReusesAddress = process.platform !== 'win32';
  if (opts.reuseAddress != null && opts.reuseAddress !== nodeReusesAddress) {
    throw new ValueError(`${api}(): reuseAddress ${opts.reuseAddress} is not possible: Node ${nodeReusesAddress ? 'always' : 'never'} sets SO_REUSEADDR on a listening socket here (leave the option out)`);
  }
  const reusePort = opts.reusePort ?? false;
  if (typeof reusePort !== 'boolean') throw new TypeError(`${api}(): reusePort must be true or false, got ${repr(reusePort)}`);
  if (reusePort && !nodeHasReusePort()) throw new ValueError(`reuse_port not supported by socket module (Node ${process.version} has no reusePort; it needs 22.12 or 23.1+)`);
  return { hosts, port: port as number, backlog, tls: tlsSettings, reusePort, startServing: checkStartServing(opts.startServing, api), options: opts };
}

EventLoop.prototype.createServer = function createServer(
  this: EventLoop,
  protocolFactory: () => Protocol,
  host: string | readonly string[] | null | undefined,
  port: number,
  options?: ServerOptions,
): Coroutine<Server> {
  checkFactory(protocolFactory, 'createServer');
  const plan = checkListenArgs(host, port, options, 'createServer');
  this._checkClosed();
  return serveTcp(this, protocolFactory, plan);
};

/** @internal Listens as the plan says and makes the Server (serving unless told not to). */
export function* serveTcp(loop: EventLoop, protocolFactory: () => Protocol, plan: ListenPlan): Coroutine<Server> {
  // A name may stand for several addresses: listen on each, as asyncio binds each getaddrinfo() result.
  const targets: net.ListenOptions[] = [];
  const seen = new Set<string>();
  for (const host of plan.hosts) {
    const found = host === undefined || net.isIP(host) ? [{ address: host }] : yield* fromPromise(resolve(host), loop);
    for (const { address } of found) {
      if (seen.has(String(address))) continue;
      seen.add(String(address));
      // An IPv6 address means IPv6 only (asyncio sets IPV6_V6ONLY); no host is Node's dual-stack socket.
      const target: net.ListenOptions = { host: address, port: plan.port, backlog: plan.backlog, ipv6Only: address !== undefined && net.isIP(address) === 6 };
      if (plan.reusePort) (target as { reusePort?: boolean }).reusePort = true;
      targets.push(target);
    }
  }
  const listeners: net.Server[] = [];
  try {
    for (const target of targets) listeners.push(yield* listen(loop, target));
  } catch (e) {
    for (const listener of listeners) listener.close();
    throw e;
  }
  const server = new Server(loop, listeners, protocolFactory, { tls: plan.tls });
  if (plan.startServing) {
    server._startServing();
    yield; // one turn, as asyncio does
  }
  return server;
}

/** All the addresses of a host name (a failure as Python's socket.gaierror, an OSError). */
function resolve(host: string): Promise<dns.LookupAddress[]> {
  return dns.promises.lookup(host, { all: true }).catch((e: unknown) => Promise.reject(fromNodeError(e)));
}

/** @internal Makes one listening socket: a host wait until Node listens (or fails: EADDRINUSE…). */
export function* listen(loop: EventLoop, target: net.ListenOptions): Coroutine<net.Server> {
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
  netServer.listen(target);
  try {
    yield* listening;
  } catch (e) {
    netServer.close(); // failed or cancelled
    throw e;
  } finally {
    release();
    netServer.removeListener('listening', onListening);
    netServer.removeListener('error', onError);
  }
  return netServer;
}
