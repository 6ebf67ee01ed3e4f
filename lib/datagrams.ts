/**
 * UDP (CPython: `loop.create_datagram_endpoint`, `DatagramProtocol` and
 * the datagram transport of selector_events.py), over Node's `dgram`.
 *
 * A datagram endpoint is a socket that sends and receives whole messages,
 * with no connection: every datagram that arrives goes to
 * `protocol.datagramReceived(data, addr)` with the sender's address, and
 * `transport.sendto(data, addr)` sends one. Given a `remoteAddr` the socket
 * is *connected*: it talks to that address only, `sendto(data)` needs no
 * address, and the kernel reports an unreachable peer — a
 * ConnectionRefusedError — which arrives at `protocol.errorReceived(exc)`. Errors of
 * the network never close the endpoint; only `close()` and `abort()` do,
 * and `connectionLost` comes last, once.
 *
 * As with every transport, the protocol's callbacks run on the loop, never
 * inside Node's event: a datagram is handed over with `loop.callSoon`.
 *
 * An open endpoint is a host wait, like a listening server: datagrams may
 * come at any time, so the synchronous driver refuses to wait and a virtual
 * clock does not jump until it is closed. The loop owns it: closing the
 * loop closes it (lib/loop-resources.ts).
 *
 * Node-only. Importing it adds `loop.createDatagramEndpoint()` to EventLoop.
 */
import * as dgram from 'node:dgram';
import { EventLoop, type ExceptionContext } from './loop';
import { ValueError } from './exceptions';
import type { Coroutine } from './futures';
import { fromPromise } from './promises';
import { fromNodeError } from './os-errors';
import { checkOptions } from './options';
import { checkFactory, toBuffer } from './transports';
import { ownResource, releaseResource, type LoopResource } from './loop-resources';
import { AF_INET, AF_INET6, SOCK_DGRAM, addressInfo, nodeFamily, toHostPort, type AddressInfo, type AddressLike, type HostPort } from './addresses';
import type { AddrInfo } from './resolver';
import './resolver'; // loop.getaddrinfo(), which resolves the addresses
import { repr } from './repr';

/**
 * asyncio.DatagramProtocol: your side of a UDP endpoint. Extend it (or
 * write an object with the same optional methods) and implement what you
 * need; the methods left out do nothing.
 * @example
 * class Echo extends DatagramProtocol {
 *   transport!: DatagramTransport;
 *   connectionMade(t: DatagramTransport) { this.transport = t; }
 *   datagramReceived(data: Uint8Array, addr: AddressInfo) { this.transport.sendto(data, addr); }
 * }
 * const [transport] = yield* loop.createDatagramEndpoint(() => new Echo(), { localAddr: ['127.0.0.1', 9999] });
 */
export class DatagramProtocol {
  /** The endpoint is ready; `transport` is how you send. Called first, once. */
  connectionMade?(transport: DatagramTransport): void;
  /** A datagram arrived from `addr` (`{ address, family, port }`). */
  datagramReceived?(data: Uint8Array, addr: AddressInfo): void;
  /** A send or a receive failed (e.g. ECONNREFUSED on a connected endpoint); the endpoint stays open. */
  errorReceived?(exc: Error): void;
  /** The endpoint is closed: `exc` is null after `close()` or `abort()`. Called last, once. */
  connectionLost?(exc: Error | null): void;
}

/** What `getExtraInfo(name)` returns for each name a datagram transport knows. */
export interface DatagramExtraInfo {
  /** The local address, `{ address, family, port }`. */
  sockname: AddressInfo;
  /** The remote address of a connected endpoint (undefined for an unconnected one). */
  peername: AddressInfo;
  /** The Node socket itself. */
  socket: dgram.Socket;
}

/** Options of `loop.createDatagramEndpoint()`. */
export interface DatagramEndpointOptions {
  /** Where to bind: `[host, port]` or `{ address, port }`; port 0 picks a free one. */
  localAddr?: AddressLike | null;
  /** Connect to this address: the endpoint then talks to it only. */
  remoteAddr?: AddressLike | null;
  /** AF_INET or AF_INET6 (or Node's 4 or 6); needed when neither address is given. */
  family?: number;
  /** Refused when true, as by CPython since 3.8: SO_REUSEADDR lets another process steal the port's datagrams. */
  reuseAddress?: boolean;
  /** Share the port with other sockets that ask for it too (SO_REUSEPORT), where Node has it (22.12+). */
  reusePort?: boolean;
  /** May send to broadcast addresses (SO_BROADCAST). */
  allowBroadcast?: boolean;
}

declare module './loop' {
  interface EventLoop {
    /**
     * asyncio's `loop.create_datagram_endpoint`: opens a UDP socket, bound
     * to `localAddr` and/or connected to `remoteAddr` (host names are
     * resolved first), makes the protocol with `protocolFactory()` and
     * returns `[transport, protocol]` once `connectionMade` has run. A
     * failure raises Python's OSError (`[Errno 98] Address already in
     * use`, `[Errno -2] Name or service not known`…). Async driver only.
     * @example
     * const [transport, protocol] = yield* loop.createDatagramEndpoint(() => new Client(), { remoteAddr: ['127.0.0.1', 9999] });
     * transport.sendto('ping');
     */
    createDatagramEndpoint<P extends DatagramProtocol>(protocolFactory: () => P, options?: DatagramEndpointOptions): Coroutine<[DatagramTransport, P]>;
  }
}

// asyncio warns after this many sends to a closed endpoint (constants.py).
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/** Python's tuple repr of an address, as CPython's messages show it: `['127.0.0.1', 9999]`. */
function formatAddress(a: HostPort): string {
  return `[${repr(a.address)}, ${a.port}]`;
}

/**
 * asyncio's DatagramTransport, over a Node `dgram.Socket`. Made by
 * `loop.createDatagramEndpoint()`; you do not construct it yourself.
 * `sendto()` never waits and never throws for the network's sake (errors go
 * to `protocol.errorReceived`); `close()` and `abort()` end it with
 * `connectionLost(null)`, once.
 * @example
 * const [endpoint] = yield* loop.createDatagramEndpoint(() => new DatagramProtocol(), { localAddr: ['127.0.0.1', 0] });
 * endpoint.sendto('ping', ['127.0.0.1', 9999]);
 * console.log(endpoint.getExtraInfo('sockname')); // { address: '127.0.0.1', family: 'IPv4', port: … }
 * endpoint.close();
 */
export class DatagramTransport implements LoopResource {
  /** @internal */ _loop: EventLoop;
  /** @internal */ _sock: dgram.Socket;
  /** @internal */ _protocol: DatagramProtocol;
  /** @internal The peer of a connected endpoint, as resolved. */ _remote: HostPort | null;
  /** @internal */ _extra: Record<string, unknown>;
  /** @internal close() or abort() was called. */ _closing = false;
  /** @internal connectionLost is scheduled (then counts sends made after it). */ _connLost = 0;
  /** @internal Sends Node has not finished. */ _sending = 0;
  /** @internal */ _sockClosed = false;
  private readonly _release: () => void;
  private readonly _sentFn = (err: Error | null) => this._hostSent(err);
  private readonly _deliverFn = (data: Buffer, rinfo: dgram.RemoteInfo) => this._deliver(data, rinfo);
  // A network error as Python's class (ECONNREFUSED → ConnectionRefusedError…), to errorReceived on the loop.
  private readonly _errorFn = (exc: Error) => this._protocol.errorReceived?.(fromNodeError(exc));
  private readonly _connectionLostFn = (exc: Error | null) => this._callConnectionLost(exc);

  /** @internal */
  constructor(loop: EventLoop, sock: dgram.Socket, protocol: DatagramProtocol, remote: HostPort | null) {
    this._loop = loop;
    this._sock = sock;
    this._protocol = protocol;
    this._remote = remote;
    this._extra = { socket: sock, sockname: addressInfo(sock.address()) };
    if (remote !== null) this._extra.peername = addressInfo(sock.remoteAddress());
    sock.on('message', (data: Buffer, rinfo: dgram.RemoteInfo) => this._hostMessage(data, rinfo));
    sock.on('error', (err: Error) => this._hostError(err));
    this._release = loop._holdHostWait();
    ownResource(loop, this);
    loop.callSoon(() => this._protocol.connectionMade?.(this));
  }

  // ---- Node's side: events arrive here, outside the loop ----

  private _hostMessage(data: Buffer, rinfo: dgram.RemoteInfo): void {
    if (!this._closing) this._loop.callSoon(this._deliverFn, data, rinfo);
  }

  private _hostError(err: Error): void {
    if (!this._closing) this._loop.callSoon(this._errorFn, err);
  }

  private _hostSent(err: Error | null): void {
    this._sending--;
    if (this._sockClosed) return; // the loop closed meanwhile
    if (err) this._loop.callSoon(this._errorFn, err); // asyncio: a failed send is an error_received, not fatal
    if (this._closing && this._sending === 0 && this._connLost === 0) this._scheduleConnectionLost(null);
  }

  // ---- the loop's side ----

  private _deliver(data: Buffer, rinfo: dgram.RemoteInfo): void {
    // No datagram after close(), as asyncio removes its reader. An error thrown here goes to the exception handler.
    if (!this._closing) this._protocol.datagramReceived?.(data, addressInfo(rinfo as AddressInfo));
  }

  /**
   * Sends one datagram (a string as UTF-8; an empty one is a datagram too).
   * A connected endpoint sends to its peer and refuses any other `addr`
   * (`ValueError`); an unconnected one needs `addr`. Never waits: a send
   * that fails goes to `protocol.errorReceived`. After `close()`, sends are
   * dropped.
   */
  sendto(data: Uint8Array | string, addr?: AddressLike | null): void {
    const buf = toBuffer(data, 'sendto');
    const target = addr === undefined || addr === null ? null : toHostPort(addr, 'sendto', 'addr');
    const remote = this._remote;
    if (remote !== null && target !== null && (target.address !== remote.address || target.port !== remote.port)) {
      throw new ValueError(`Invalid address: must be null or ${formatAddress(remote)}`);
    }
    if (remote === null && target === null) {
      throw new TypeError('sendto() on an endpoint with no remoteAddr needs the address to send to: sendto(data, [host, port])');
    }
    if (this._closing) {
      // asyncio drops sends to a closed endpoint silently, then warns.
      if (this._connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) console.warn('socket.send() raised exception.');
      this._connLost++;
      return;
    }
    this._sending++;
    if (remote !== null) this._sock.send(buf, this._sentFn);
    else this._sock.send(buf, (target as HostPort).port, (target as HostPort).address, this._sentFn);
  }

  /** Closes the endpoint once the datagrams already given to `sendto` are sent; `connectionLost(null)` follows. */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    if (this._sending === 0) this._scheduleConnectionLost(null);
  }

  /** Closes at once; datagrams not yet sent may be lost. `connectionLost(null)` follows. */
  abort(): void {
    this._closing = true;
    if (this._connLost === 0) this._scheduleConnectionLost(null);
  }

  isClosing(): boolean {
    return this._closing;
  }

  /** Bytes given to `sendto` that Node has not sent yet. */
  getWriteBufferSize(): number {
    return this._sockClosed ? 0 : this._sock.getSendQueueSize();
  }

  getExtraInfo<K extends keyof DatagramExtraInfo>(name: K, defaultValue?: DatagramExtraInfo[K]): DatagramExtraInfo[K] | undefined;
  getExtraInfo(name: string, defaultValue?: unknown): unknown;
  getExtraInfo(name: string, defaultValue?: unknown): unknown {
    return this._extra[name] !== undefined ? this._extra[name] : defaultValue;
  }

  getProtocol(): DatagramProtocol {
    return this._protocol;
  }

  setProtocol(protocol: DatagramProtocol): void {
    this._protocol = protocol;
  }

  private _scheduleConnectionLost(exc: Error | null): void {
    this._connLost++;
    this._loop.callSoon(this._connectionLostFn, exc);
  }

  private _callConnectionLost(exc: Error | null): void {
    try {
      this._protocol.connectionLost?.(exc);
    } finally {
      this._closeWithLoop();
    }
  }

  /** @internal Debug mode, at loop close: a socket the program never closed (CPython's ResourceWarning). */
  _unclosedReport(): ExceptionContext | null {
    return this._closing ? null : { message: `unclosed transport ${this}`, transport: this };
  }

  /** @internal Closes the socket and ends the host wait; no callbacks (the loop may be closing). */
  _closeWithLoop(): void {
    if (this._sockClosed) return;
    this._sockClosed = true;
    this._closing = true;
    this._sock.close();
    this._release();
    releaseResource(this._loop, this);
  }

  toString(): string {
    const state = this._sockClosed ? 'closed' : this._closing ? 'closing' : 'open';
    const local = this._extra.sockname as AddressInfo;
    const peer = this._extra.peername as AddressInfo | undefined;
    return `<DatagramTransport ${state} sockname=${local.address}:${local.port}${peer ? ` peer=${peer.address}:${peer.port}` : ''}>`;
  }
}

// ---- loop.createDatagramEndpoint ----

/** Node has dgram's `reusePort` from 22.12 (and 23.1) on. */
function nodeHasReusePort(): boolean {
  const [major, minor] = process.versions.node.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

EventLoop.prototype.createDatagramEndpoint = function createDatagramEndpoint<P extends DatagramProtocol>(
  this: EventLoop,
  protocolFactory: () => P,
  options: DatagramEndpointOptions = {},
): Coroutine<[DatagramTransport, P]> {
  checkFactory(protocolFactory, 'createDatagramEndpoint');
  const opts = checkOptions<DatagramEndpointOptions>('createDatagramEndpoint', options, [
    'localAddr',
    'remoteAddr',
    'family',
    'reuseAddress',
    'reusePort',
    'allowBroadcast',
  ]);
  const local = opts.localAddr == null ? null : toHostPort(opts.localAddr, 'createDatagramEndpoint', 'localAddr');
  const remote = opts.remoteAddr == null ? null : toHostPort(opts.remoteAddr, 'createDatagramEndpoint', 'remoteAddr');
  if (remote !== null && remote.port === 0) throw new ValueError('createDatagramEndpoint(): remoteAddr needs a port (1-65535), got 0');
  const family = nodeFamily(opts.family, 'createDatagramEndpoint');
  if (local === null && remote === null && family === 0) throw new ValueError('unexpected address family');
  if (opts.reuseAddress) {
    // CPython 3.8.1-3.10's words (the option is gone since 3.11).
    throw new ValueError('Passing `reuseAddress: true` is no longer supported, as the usage of SO_REUSEPORT in UDP poses a significant security concern.');
  }
  if (opts.reusePort && !nodeHasReusePort()) {
    throw new ValueError(`reusePort is not supported by Node ${process.versions.node} (dgram has it from Node 22.12 on)`);
  }
  this._checkClosed();
  return openEndpoint(this, protocolFactory, local, remote, family, Boolean(opts.reusePort), Boolean(opts.allowBroadcast));
};

function* openEndpoint<P extends DatagramProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  local: HostPort | null,
  remote: HostPort | null,
  family: 0 | 4 | 6,
  reusePort: boolean,
  allowBroadcast: boolean,
): Coroutine<[DatagramTransport, P]> {
  // As CPython: resolve both addresses, then try each family both have, in the order of the local address's.
  const locals = local === null ? null : yield* loop.getaddrinfo(local.address, local.port, { family, type: SOCK_DGRAM });
  const remotes = remote === null ? null : yield* loop.getaddrinfo(remote.address, remote.port, { family, type: SOCK_DGRAM });
  const first = (infos: AddrInfo[] | null, f: number): HostPort | null => {
    const info = infos?.find((i) => i[0] === f);
    return info === undefined ? null : { address: info[4][0], port: info[4][1] };
  };
  const candidates = locals ?? remotes;
  const families = candidates === null ? [family === 6 ? AF_INET6 : AF_INET] : [...new Set(candidates.map((i) => i[0]))];
  const usable = families.filter((f) => (locals === null || first(locals, f) !== null) && (remotes === null || first(remotes, f) !== null));
  if (usable.length === 0) throw new ValueError('can not get address information');
  let firstError: unknown = null;
  for (const f of usable) {
    const connectTo = first(remotes, f);
    const sock = dgram.createSocket({ type: f === AF_INET6 ? 'udp6' : 'udp4', ...(reusePort ? { reusePort: true } : {}) });
    try {
      yield* fromPromise(openSocket(sock, f === AF_INET6 ? '::' : '0.0.0.0', first(locals, f), connectTo), loop);
      if (allowBroadcast) sock.setBroadcast(true);
    } catch (e) {
      sock.close();
      if (!(e instanceof Error) || (e as NodeJS.ErrnoException).code === undefined) throw e; // cancelled
      firstError ??= fromNodeError(e, { plainBind: true }); // an OS error (EADDRINUSE: OSError, as sock.bind() raises it): try the next family
      continue;
    }
    return yield* makeTransport(loop, sock, protocolFactory, connectTo);
  }
  throw firstError;
}

/** Binds (to the wildcard address when there is no local address) and connects; settles when Node says it is done. */
function openSocket(sock: dgram.Socket, wildcard: string, bindTo: HostPort | null, connectTo: HostPort | null): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    const connect = () => {
      if (connectTo === null) {
        sock.removeListener('error', reject);
        resolve();
        return;
      }
      sock.connect(connectTo.port, connectTo.address, () => {
        sock.removeListener('error', reject);
        resolve();
      });
    };
    if (bindTo === null && connectTo !== null) connect(); // connecting binds to an ephemeral port, as the kernel does
    else sock.bind(bindTo ?? { port: 0, address: wildcard }, connect);
  });
}

function* makeTransport<P extends DatagramProtocol>(loop: EventLoop, sock: dgram.Socket, protocolFactory: () => P, remote: HostPort | null): Coroutine<[DatagramTransport, P]> {
  let protocol: P;
  try {
    protocol = protocolFactory();
  } catch (e) {
    sock.close();
    throw e;
  }
  const transport = new DatagramTransport(loop, sock, protocol, remote);
  try {
    yield; // one turn, so that connectionMade (already scheduled) has run when we return
  } catch (e) {
    transport.close(); // cancelled
    throw e;
  }
  return [transport, protocol];
}
