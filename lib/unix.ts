/**
 * Unix domain sockets (CPython: `create_unix_connection` and
 * `create_unix_server` in unix_events.py, `open_unix_connection` and
 * `start_unix_server` in streams.py): stream connections between processes
 * of one machine, addressed by a path in the file system instead of a host
 * and port.
 *
 * Everything else is TCP's: the same SocketTransport, the same Server, the
 * same streams, TLS too. What is the path's own, as in CPython 3.13:
 * - a server removes a stale socket file at its path before it binds (a
 *   socket left by a server that died; anything else there is an error:
 *   "Address '…' is already in use");
 * - closing the server removes its socket file — if it is still the one it
 *   made (another server may have taken the path since), and unless it was
 *   made with `cleanupSocket: false`;
 * - a path starting with a NUL byte is Linux's abstract namespace: no file.
 * A transport's `peername` and `sockname` are paths (strings): the client's
 * peername is the server's path, its sockname `''`.
 *
 * Node-only. Importing it adds `loop.createUnixConnection()` and
 * `loop.createUnixServer()` to EventLoop.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { EventLoop } from './loop';
import type { Coroutine } from './futures';
import { getRunningLoop } from './events';
import { checkOptions } from './options';
import { checkFactory, connectTransport, type ConnectPlan, type Protocol, type Transport } from './transports';
import { Server, checkBacklog, checkStartServing, listen } from './servers';
import { checkClientConnected, connectStreams, streamProtocolFactory, type ClientConnectedCallback, type StreamReader, type StreamWriter } from './streams';
import { checkLimit } from './stream-reader';
import { checkClientSSL, checkServerSSL, type ClientSSL, type ServerSSL, type ServerTLS } from './tls';
import { repr } from './repr';

/** Options of `loop.createUnixConnection()` and `openUnixConnection()`. */
export interface UnixConnectionOptions {
  /** TLS over the Unix socket: `true` or Node's TLS options; then `serverHostname` is needed (there is no host to default to). */
  ssl?: ClientSSL;
  /** The name the server's certificate must carry (TLS only). */
  serverHostname?: string | null;
  /** Seconds the TLS handshake may take (TLS only; default 60). */
  sslHandshakeTimeout?: number | null;
}

/** Options of `loop.createUnixServer()` and `startUnixServer()`. */
export interface UnixServerOptions {
  /** The most connections the kernel queues before they are accepted (default 100). */
  backlog?: number;
  /** TLS: Node's TLS options with the server's certificate (`{ key, cert }`). */
  ssl?: ServerSSL;
  /** Seconds each connection's TLS handshake may take (TLS only; default 60). */
  sslHandshakeTimeout?: number | null;
  /** False: bound, but no connection is served until `startServing()` (see ServerOptions). */
  startServing?: boolean;
  /** Remove the socket file when the server closes (default true, as in Python 3.13). */
  cleanupSocket?: boolean;
}

declare module './loop' {
  interface EventLoop {
    /**
     * asyncio's `loop.create_unix_connection`: connects to the Unix domain
     * socket at `path`, makes the protocol with `protocolFactory()` and
     * returns `[transport, protocol]` once `connectionMade` has run. No
     * server there: Node's error (`code` 'ENOENT' or 'ECONNREFUSED').
     * Async driver only.
     * @example
     * const [transport, protocol] = yield* loop.createUnixConnection(() => new Client(), '/tmp/app.sock');
     */
    createUnixConnection<P extends Protocol>(protocolFactory: () => P, path: string, options?: UnixConnectionOptions): Coroutine<[Transport, P]>;
    /**
     * asyncio's `loop.create_unix_server`: listens on the Unix domain
     * socket `path` (removing a stale socket file there first) and makes a
     * protocol and a transport per connection. `server.address()` is the
     * path; closing the server removes the file. Async driver only.
     * @example
     * const server = yield* loop.createUnixServer(() => new Echo(), '/tmp/app.sock');
     */
    createUnixServer(protocolFactory: () => Protocol, path: string, options?: UnixServerOptions): Coroutine<Server<string>>;
  }
}

function checkPath(path: unknown, api: string): string {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${api}() needs the socket's path (a non-empty string), got ${repr(path)}`);
  return path;
}

/** Checks a Unix connection's arguments at the call. */
function planUnix(path: unknown, options: unknown, api: string, extraKeys: readonly string[] = []): ConnectPlan & { options: Record<string, unknown> } {
  const where = checkPath(path, api);
  const opts = checkOptions<UnixConnectionOptions & Record<string, unknown>>(api, options, ['ssl', 'serverHostname', 'sslHandshakeTimeout', ...extraKeys]);
  const tls = checkClientSSL(opts.ssl, opts.serverHostname, opts.sslHandshakeTimeout, null, api);
  return { target: { path: where }, tls, extra: { peername: where, sockname: '' }, options: opts };
}

/** A Unix server's plan, checked at the call. */
interface UnixListenPlan {
  path: string;
  backlog: number;
  tls: ServerTLS | null;
  startServing: boolean;
  cleanupSocket: boolean;
}

function planUnixServer(path: unknown, options: unknown, api: string, extraKeys: readonly string[] = []): UnixListenPlan & { options: Record<string, unknown> } {
  const where = checkPath(path, api);
  const opts = checkOptions<UnixServerOptions & Record<string, unknown>>(api, options, ['backlog', 'ssl', 'sslHandshakeTimeout', 'startServing', 'cleanupSocket', ...extraKeys]);
  const cleanupSocket = opts.cleanupSocket ?? true;
  if (typeof cleanupSocket !== 'boolean') throw new TypeError(`${api}(): cleanupSocket must be true or false, got ${repr(cleanupSocket)}`);
  return {
    path: where,
    backlog: checkBacklog(opts.backlog, api),
    tls: checkServerSSL(opts.ssl, opts.sslHandshakeTimeout, api),
    startServing: checkStartServing(opts.startServing, api),
    cleanupSocket,
    options: opts,
  };
}

EventLoop.prototype.createUnixConnection = function createUnixConnection<P extends Protocol>(
  this: EventLoop,
  protocolFactory: () => P,
  path: string,
  options?: UnixConnectionOptions,
): Coroutine<[Transport, P]> {
  checkFactory(protocolFactory, 'createUnixConnection');
  const plan = planUnix(path, options, 'createUnixConnection');
  this._checkClosed();
  return connectTransport(this, protocolFactory, plan);
};

EventLoop.prototype.createUnixServer = function createUnixServer(
  this: EventLoop,
  protocolFactory: () => Protocol,
  path: string,
  options?: UnixServerOptions,
): Coroutine<Server<string>> {
  checkFactory(protocolFactory, 'createUnixServer');
  const plan = planUnixServer(path, options, 'createUnixServer');
  this._checkClosed();
  return serveUnix(this, protocolFactory, plan);
};

/** Linux's abstract namespace: the name is not a file. */
function isAbstract(path: string): boolean {
  return path.startsWith('\0');
}

function* serveUnix(loop: EventLoop, protocolFactory: () => Protocol, plan: UnixListenPlan): Coroutine<Server<string>> {
  const { path } = plan;
  if (!isAbstract(path)) removeStaleSocket(path);
  const listener = yield* listen(loop, { path, backlog: plan.backlog }); // a path taken: OSError "Address '…' is already in use"
  // The inode tells later whether the file at the path is still ours (asyncio 3.13's cleanup rule).
  let inode: number | null = null;
  if (plan.cleanupSocket && !isAbstract(path)) {
    try {
      inode = fs.statSync(path).ino;
    } catch {
      /* gone already: nothing to clean up */
    }
  }
  const server = new Server<string>(loop, [listener], protocolFactory, { tls: plan.tls, closeListener: (l) => closeListener(l, path, inode) });
  if (plan.startServing) {
    server._startServing();
    yield; // one turn, as asyncio does
  }
  return server;
}

/** A socket file left at the path (by a server that died) is removed; anything else stays, and binding reports it. */
function removeStaleSocket(path: string): void {
  try {
    if (fs.statSync(path).isSocket()) fs.unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') console.error(`Unable to check or remove stale UNIX socket ${repr(path)}: ${repr(err)}`);
  }
}

/**
 * Closes a Unix server's listening socket, removing its file only if it is
 * still the one this server made (`inode`; null: keep it). libuv removes the
 * path whenever it closes a listening socket, whatever file is there by then;
 * a file that must stay is moved aside while Node closes, and put back (all
 * in one turn: nothing else runs in between).
 */
function closeListener(listener: net.Server, path: string, inode: number | null): void {
  let aside: string | null = null;
  if (!isAbstract(path)) {
    try {
      if (fs.statSync(path).ino !== inode) {
        aside = `${path}.${process.pid}.closing`;
        fs.renameSync(path, aside);
      }
    } catch {
      aside = null; // no file there: nothing to keep
    }
  }
  listener.close();
  if (aside !== null) fs.renameSync(aside, path);
}

// ---- streams ----

/** Options of `openUnixConnection()`: the StreamReader's `limit`, and those of `loop.createUnixConnection()`. */
export interface UnixStreamOptions extends UnixConnectionOptions {
  /** The StreamReader's limit (default 64 KiB). */
  limit?: number;
}

/**
 * asyncio.open_unix_connection: connects to the Unix domain socket at
 * `path` and returns a `[StreamReader, StreamWriter]` pair. Async driver only.
 * @example
 * const [reader, writer] = yield* openUnixConnection('/tmp/app.sock');
 * writer.write('ping\n');
 */
export function openUnixConnection(path: string, options?: UnixStreamOptions): Coroutine<[StreamReader, StreamWriter]> {
  const plan = planUnix(path, options, 'openUnixConnection', ['limit']);
  return connectStreams(plan, checkLimit(plan.options.limit));
}

/** Options of `startUnixServer()`: the StreamReaders' `limit`, and those of `loop.createUnixServer()`. */
export interface UnixStreamServerOptions extends UnixServerOptions {
  /** The limit of each connection's StreamReader (default 64 KiB). */
  limit?: number;
}

/**
 * asyncio.start_unix_server: listens on the Unix domain socket `path` and
 * calls `clientConnected(reader, writer)` for each connection, as
 * `startServer()` does. Returns the Server (`address()` is the path). Async
 * driver only.
 * @example
 * const server = yield* startUnixServer(echo, '/tmp/app.sock');
 */
export function startUnixServer(clientConnected: ClientConnectedCallback, path: string, options?: UnixStreamServerOptions): Coroutine<Server<string>> {
  checkClientConnected(clientConnected, 'startUnixServer');
  const plan = planUnixServer(path, options, 'startUnixServer', ['limit']);
  const limit = checkLimit(plan.options.limit);
  return serveUnixStreams(clientConnected, plan, limit);
}

function* serveUnixStreams(clientConnected: ClientConnectedCallback, plan: UnixListenPlan, limit: number): Coroutine<Server<string>> {
  const loop = getRunningLoop();
  return yield* serveUnix(loop, streamProtocolFactory(loop, clientConnected, limit), plan);
}
