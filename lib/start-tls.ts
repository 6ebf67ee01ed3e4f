/**
 * Upgrading a live connection to TLS (CPython: `loop.start_tls` in
 * base_events.py; STARTTLS in SMTP, IMAP, XMPP…): the two ends talk in
 * plaintext, agree to switch, and from then on the same connection carries
 * TLS.
 *
 * `loop.startTls(transport, protocol, ssl)` waits until what was written
 * has gone out (in plaintext, first, as in asyncio's transport buffer),
 * takes the socket from the transport — which is unusable from then on —
 * wraps it in a `tls.TLSSocket` and does the handshake. It returns a new
 * transport over the TLSSocket, carrying the same protocol: the protocol
 * does not get connectionMade again, it just keeps receiving, now through
 * TLS. A failed handshake raises its reason and ends the connection (the
 * protocol gets connectionLost). `writer.startTls()` (lib/streams.ts) does
 * the same for a stream.
 *
 * The peer must wait for the go-ahead before it starts its handshake: data
 * the protocol has already received is not TLS's to read.
 *
 * Node-only. Importing it adds `loop.startTls()` to EventLoop.
 */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { EventLoop } from './loop';
import { CancelledError, RuntimeError } from './exceptions';
import type { Coroutine } from './futures';
import { checkOptions } from './options';
import { SocketTransport, type Protocol, type Transport } from './transports';
import { checkClientSSL, checkServerSSL, connectionLost, secure, tlsExtraInfo, wrapClient, wrapServer, type ClientSSL, type ClientTLS, type ServerSSL } from './tls';
import { repr } from './repr';

/** Options of `loop.startTls()` and `writer.startTls()`. */
export interface StartTlsOptions {
  /** Take the server's side of the handshake (then `ssl` holds the certificate). Default: false for `loop.startTls()`; the stream's own side for `writer.startTls()`. */
  serverSide?: boolean;
  /** Client side: the name the server's certificate must carry; default: the host the connection was made to. `''` skips the name check. */
  serverHostname?: string | null;
  /** Seconds the handshake may take before the connection is aborted (default 60). */
  sslHandshakeTimeout?: number | null;
}

declare module './loop' {
  interface EventLoop {
    /**
     * asyncio's `loop.start_tls`: upgrades the connection of `transport`
     * to TLS and returns the new transport that `protocol` must use from
     * now on (the old one is unusable: writing to it is a RuntimeError).
     * Client side by default, with `ssl` as for `createConnection`
     * (`true`, or Node's TLS options); with `{ serverSide: true }`, `ssl`
     * is a server's (`{ key, cert }`). Async driver only.
     * @example
     * transport.write('STARTTLS\r\n');
     * // … once the peer said go ahead:
     * transport = yield* loop.startTls(transport, protocol, { ca: cert }, { serverHostname: 'localhost' });
     */
    startTls(transport: Transport, protocol: Protocol, ssl: ClientSSL | ServerSSL, options?: StartTlsOptions): Coroutine<Transport>;
  }
}

EventLoop.prototype.startTls = function startTls(
  this: EventLoop,
  transport: Transport,
  protocol: Protocol,
  ssl: ClientSSL | ServerSSL,
  options?: StartTlsOptions,
): Coroutine<Transport> {
  const opts = checkOptions<StartTlsOptions>('startTls', options, ['serverSide', 'serverHostname', 'sslHandshakeTimeout']);
  if (!(transport instanceof SocketTransport) || transport._upgraded) throw new TypeError(`transport ${repr(transport)} is not supported by startTls()`);
  if (protocol === null || typeof protocol !== 'object') throw new TypeError(`startTls() needs the protocol that will use the new transport, got ${repr(protocol)}`);
  const serverSide = opts.serverSide ?? false;
  if (typeof serverSide !== 'boolean') throw new TypeError(`startTls(): serverSide must be true or false, got ${repr(serverSide)}`);
  let wrap: (sock: net.Socket) => tls.TLSSocket;
  let timeout: number;
  if (serverSide) {
    const settings = checkServerSSL(ssl, opts.sslHandshakeTimeout, 'startTls');
    if (settings === null) throw new TypeError(`startTls() needs TLS options, got ${repr(ssl)}`);
    wrap = (sock) => wrapServer(sock, settings);
    timeout = settings.timeout;
  } else {
    if (!ssl) throw new TypeError(`startTls() needs TLS options (or true), got ${repr(ssl)}`);
    const sock = transport._sock as net.Socket & { _host?: string | null };
    const host = sock._host ?? (transport.getExtraInfo('peername') as net.AddressInfo | undefined)?.address ?? null;
    const settings = checkClientSSL(ssl, opts.serverHostname, opts.sslHandshakeTimeout, host, 'startTls') as ClientTLS; // not null: ssl is set
    wrap = (s) => wrapClient(s, settings);
    timeout = settings.timeout;
  }
  if (transport.isClosing() || transport._eof) throw new RuntimeError('startTls(): the transport is closing');
  this._checkClosed();
  return upgrade(this, transport, protocol, wrap, serverSide, timeout);
};

function* upgrade(loop: EventLoop, old: SocketTransport, protocol: Protocol, wrap: (sock: net.Socket) => tls.TLSSocket, serverSide: boolean, timeout: number): Coroutine<Transport> {
  yield* flushed(loop, old);
  if (old.isClosing()) throw new RuntimeError('startTls(): the connection was closed before it could be upgraded');
  const server = old._server;
  const [sock, peerEnded] = old._handOver();
  let tlsSock: tls.TLSSocket;
  try {
    if (peerEnded) {
      sock.destroy();
      throw connectionLost(); // the peer hung up before the handshake could start (asyncio: ConnectionResetError)
    }
    tlsSock = wrap(sock);
    yield* secure(loop, tlsSock, serverSide, timeout);
  } catch (exc) {
    // The connection is gone. Its protocol had connectionMade, so it hears of the loss (null when we were cancelled).
    loop.callSoon(lose, protocol, exc instanceof Error && !(exc instanceof CancelledError) ? exc : null);
    server?._detach(old);
    throw exc;
  }
  const transport = new SocketTransport(loop, tlsSock, protocol, server, tlsExtraInfo(tlsSock), false);
  server?._detach(old); // after the new one is attached: a server's waitClosed() must not wake in between
  return transport;
}

function lose(protocol: Protocol, exc: Error | null): void {
  protocol.connectionLost?.(exc);
}

/** Waits until the transport's write buffer is empty: an empty write's callback comes after every write before it. */
function* flushed(loop: EventLoop, transport: SocketTransport): Coroutine<void> {
  const sock = transport._sock;
  if (sock.writableLength === 0) return;
  const done = loop.createFuture<void>();
  const release = loop._holdHostWait();
  sock.write(Buffer.alloc(0), () => {
    release();
    if (!loop.isClosed() && !done.done()) done.setResult(undefined);
  });
  try {
    yield* done;
  } finally {
    release();
  }
}
