/**
 * TLS (CPython: sslproto.py and the `ssl` arguments of base_events.py), on
 * Node's `tls`.
 *
 * A TLS connection is a TCP (or Unix) connection first: the library
 * connects or accepts a plain `net.Socket`, wraps it in a `tls.TLSSocket`,
 * and waits for the handshake. Only then does the protocol hear of the
 * connection — `connectionMade` comes after a finished handshake, never
 * before — and a `tls.TLSSocket` is a `net.Socket`, so the ordinary
 * SocketTransport (lib/transports.ts) carries it from there. The rules of
 * the handshake are asyncio's:
 *
 * - certificates are verified unless the options say otherwise (Node's
 *   `rejectUnauthorized` defaults to true), and the server's name is
 *   checked against its certificate (`serverHostname`, by default the host
 *   that was connected to; `''` skips the name check, as in Python);
 * - a failed handshake fails the connection with an error that names the
 *   reason, in Python's words (`SSLCertVerificationError: [SSL:
 *   CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed
 *   certificate`) — never a silent plaintext connection;
 * - a handshake that takes longer than `sslHandshakeTimeout` seconds (60 by
 *   default) is aborted with ConnectionAbortedError. The timer is the
 *   loop's, so on the virtual clock it cannot fire while the handshake
 *   waits for the network (see docs/io.md, "Two rules first").
 *
 * Node-only. `loop.startTls()` (upgrading a live connection) is in
 * lib/start-tls.ts.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { EventLoop } from './loop';
import type { Coroutine } from './futures';
import { watchEnd } from './early-eof';
import { ConnectionAbortedError, ConnectionResetError, ValueError } from './exceptions';
import { fromNodeError } from './os-errors';
import { repr } from './repr';

/**
 * What a client's `ssl` option may be: `true` (verify the server against
 * Node's trusted CAs), Node's TLS options (`ca`, `cert`, `key`,
 * `rejectUnauthorized`, …), or false/null/undefined for plain TCP.
 */
export type ClientSSL = boolean | tls.ConnectionOptions | null | undefined;

/** What a server's `ssl` option may be: Node's TLS options with its certificate (`{ key, cert }`, `{ pfx }`…), or null. */
export type ServerSSL = tls.TlsOptions | null | undefined;

/** asyncio's default handshake timeout (constants.SSL_HANDSHAKE_TIMEOUT), in seconds. */
export const SSL_HANDSHAKE_TIMEOUT = 60.0;

/** How long a closed TLS connection waits for the peer's goodbye before it is dropped (constants.SSL_SHUTDOWN_TIMEOUT), in seconds. */
export const SSL_SHUTDOWN_TIMEOUT = 30.0;

/** @internal A client's TLS settings, checked. */
export interface ClientTLS {
  options: tls.ConnectionOptions;
  /** The name to check the certificate against; '' skips the check. */
  serverHostname: string;
  timeout: number;
}

/** @internal A server's TLS settings, checked; the secure context is made once for all its connections. */
export interface ServerTLS {
  options: tls.TlsOptions;
  context: tls.SecureContext;
  timeout: number;
}

// ---- checking the options (at the call, as asyncio does) ----

function checkHandshakeTimeout(timeout: unknown, api: string): number {
  if (timeout === undefined || timeout === null) return SSL_HANDSHAKE_TIMEOUT;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) throw new TypeError(`${api}(): sslHandshakeTimeout must be a number of seconds, got ${repr(timeout)}`);
  if (timeout <= 0) throw new ValueError(`ssl_handshake_timeout should be a positive number, got ${timeout}`);
  return timeout;
}

/**
 * @internal Checks a client's `ssl`, `serverHostname` and
 * `sslHandshakeTimeout` (asyncio's messages); null means plain TCP.
 * `host` is what `serverHostname` defaults to (null: there is none, as on a
 * Unix socket).
 */
export function checkClientSSL(ssl: unknown, serverHostname: unknown, timeout: unknown, host: string | null, api: string): ClientTLS | null {
  if (ssl !== undefined && ssl !== null && typeof ssl !== 'boolean' && (typeof ssl !== 'object' || Array.isArray(ssl))) {
    throw new TypeError(`${api}(): ssl must be true, false or Node's TLS options ({ ca, cert, key, rejectUnauthorized, … }), got ${repr(ssl)}`);
  }
  if (serverHostname !== undefined && serverHostname !== null && typeof serverHostname !== 'string') {
    throw new TypeError(`${api}(): serverHostname must be a string, got ${repr(serverHostname)}`);
  }
  if (!ssl) {
    if (serverHostname != null) throw new ValueError('server_hostname is only meaningful with ssl');
    if (timeout != null) throw new ValueError('ssl_handshake_timeout is only meaningful with ssl');
    return null;
  }
  const options: tls.ConnectionOptions = ssl === true ? {} : (ssl as tls.ConnectionOptions);
  let name = serverHostname ?? options.servername;
  if (name == null) {
    if (host === null) throw new ValueError('you have to pass server_hostname when using ssl');
    if (host === '') throw new ValueError('You must set server_hostname when using ssl without a host');
    name = host;
  }
  return { options, serverHostname: name, timeout: checkHandshakeTimeout(timeout, api) };
}

/** @internal Checks a server's `ssl` and `sslHandshakeTimeout`; null means plain TCP. */
export function checkServerSSL(ssl: unknown, timeout: unknown, api: string): ServerTLS | null {
  if (ssl === undefined || ssl === null || ssl === false) {
    if (timeout != null) throw new ValueError('ssl_handshake_timeout is only meaningful with ssl');
    return null;
  }
  if (typeof ssl !== 'object' || Array.isArray(ssl)) {
    throw new TypeError(`${api}(): a server's ssl must be Node's TLS options with its certificate ({ key, cert, … }) or null, got ${repr(ssl)}`);
  }
  const options = ssl as tls.TlsOptions;
  if (options.cert == null && options.pfx == null && options.secureContext == null && options.SNICallback == null) {
    throw new ValueError(`${api}(): a TLS server needs its certificate: ssl: { key, cert } (PEM), or { pfx }`);
  }
  return { options, context: options.secureContext ?? tls.createSecureContext(options), timeout: checkHandshakeTimeout(timeout, api) };
}

// ---- wrapping a socket ----

function ignore(): void {}

/** @internal Wraps a connected socket in the client side of TLS; the handshake starts at once. */
export function wrapClient(sock: net.Socket, settings: ClientTLS): tls.TLSSocket {
  const options: tls.ConnectionOptions = { ...settings.options, socket: sock };
  const name = settings.serverHostname;
  if (name === '') {
    options.checkServerIdentity = () => undefined; // Python: server_hostname='' skips the name check
  } else {
    options.host = name; // the name Node checks the certificate against
    options.servername = net.isIP(name) ? undefined : name; // SNI carries names only (RFC 6066)
  }
  sock.on('error', ignore); // the TLSSocket reports the errors from now on
  return tls.connect(options);
}

/** @internal Wraps an accepted socket in the server side of TLS; the handshake starts at once. */
export function wrapServer(sock: net.Socket, settings: ServerTLS): tls.TLSSocket {
  sock.on('error', ignore);
  const { options } = settings;
  // As tls.Server does: a client certificate that is asked for must verify, unless told otherwise.
  return new tls.TLSSocket(sock, { ...options, isServer: true, secureContext: settings.context, rejectUnauthorized: options.rejectUnauthorized ?? true });
}

/**
 * @internal Ends a TLS connection the polite way, as asyncio's SSL shutdown
 * does: `end()` sends close_notify after what is buffered, and Node closes
 * the socket once the peer has ended too — or after SSL_SHUTDOWN_TIMEOUT.
 * (Destroying it at once would reset a connection that still has unread
 * data, such as TLS 1.3's session tickets, and the peer could lose what we
 * sent last.) The transport's protocol has had connectionLost by then; this
 * is Node's business only.
 */
export function closeTls(sock: net.Socket): void {
  if (sock.destroyed) return;
  sock.on('error', ignore);
  const timer = setTimeout(() => sock.destroy(), SSL_SHUTDOWN_TIMEOUT * 1000);
  timer.unref(); // never what keeps the process alive
  sock.once('close', () => clearTimeout(timer));
  sock.end();
  sock.resume(); // read (and drop) what still comes, so that the peer's end arrives
}

// ---- the handshake ----

/** Python prints a float's seconds with a decimal point: 60.0, 0.5. */
function seconds(t: number): string {
  return Number.isInteger(t) ? t.toFixed(1) : String(t);
}

/** Node checks a client's certificate on a server only inside tls.Server; a lone TLSSocket asks its handle. */
function clientCertError(sock: tls.TLSSocket): Error | null {
  const handle = (sock as unknown as { _handle?: { verifyError?(): Error | null } })._handle;
  return handle?.verifyError?.() ?? null;
}

/**
 * @internal Waits for `sock`'s handshake, then calls `done(null)` on the
 * loop; or `done(error)` — the reason in Python's words — once it failed,
 * took longer than `timeout` seconds, or the peer went away (the socket is
 * destroyed then). Returns a function that abandons the handshake.
 */
export function handshake(loop: EventLoop, sock: tls.TLSSocket, serverSide: boolean, timeout: number, done: (exc: Error | null) => void): () => void {
  const release = loop._holdHostWait(); // only Node can finish it
  const secureEvent = serverSide ? 'secure' : 'secureConnect';
  let finished = false;
  const finish = (exc: Error | null, report: boolean): void => {
    if (finished) return;
    finished = true;
    release();
    timer.cancel();
    sock.removeListener(secureEvent, onSecure);
    sock.removeListener('error', onError);
    sock.removeListener('close', onClose);
    sock.removeListener('end', onClose);
    // Until its transport listens (a turn later), an error must not go unhandled, nor an EOF unheard.
    sock.on('error', ignore);
    if (exc !== null) sock.destroy();
    else watchEnd(sock);
    if (report && !loop.isClosed()) loop.callSoon(done, exc);
  };
  const onSecure = (): void => {
    const options = sock as unknown as { _requestCert?: boolean; _rejectUnauthorized?: boolean };
    const rejected = serverSide && options._requestCert && options._rejectUnauthorized !== false ? clientCertError(sock) : null;
    finish(rejected === null ? null : fromNodeError(rejected), true);
  };
  // Node's error in Python's words: SSLCertVerificationError "[SSL: CERTIFICATE_VERIFY_FAILED] …", SSLError, ConnectionResetError…
  const onError = (err: Error): void => finish(fromNodeError(err), true);
  const onClose = (): void => finish(connectionLost(), true);
  sock.once(secureEvent, onSecure);
  sock.on('error', onError);
  sock.once('close', onClose);
  sock.once('end', onClose); // the peer's EOF mid-handshake (a half-open socket would not close by itself)
  const timer = loop.callLater(timeout, () => {
    finish(new ConnectionAbortedError(`SSL handshake is taking longer than ${seconds(timeout)} seconds: aborting the connection`), true);
  });
  return () => finish(connectionLost(), false);
}

/** @internal The handshake as a coroutine: returns once it is done, raises why it failed; cancelling it destroys the socket. */
export function* secure(loop: EventLoop, sock: tls.TLSSocket, serverSide: boolean, timeout: number): Coroutine<void> {
  const result = loop.createFuture<void>();
  const abandon = handshake(loop, sock, serverSide, timeout, (exc) => {
    if (result.done()) return;
    if (exc === null) result.setResult(undefined);
    else result.setException(exc);
  });
  try {
    yield* result;
  } finally {
    abandon(); // nothing if it finished; destroys the socket if we were cancelled
  }
}

/** @internal What a TLS transport adds to its extra info once the handshake is done. */
export function tlsExtraInfo(sock: tls.TLSSocket): Record<string, unknown> {
  const cert = sock.getPeerCertificate();
  return {
    peercert: cert && Object.keys(cert).length > 0 ? cert : null, // Node's {} means "the peer sent none"
    cipher: sock.getCipher(),
    sslObject: sock,
  };
}

// ---- errors ----

/** @internal The peer went away mid-handshake without an error from Node: Python's ConnectionResetError. */
export function connectionLost(): ConnectionResetError {
  return new ConnectionResetError('Connection lost during the TLS handshake');
}
