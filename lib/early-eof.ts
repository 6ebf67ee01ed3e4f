/**
 * An EOF that comes before anyone listens (internal, Node-only).
 *
 * Between the moment Node hands over a socket and the moment its transport
 * attaches listeners there can be a turn of the loop: an accepted
 * connection waits for its callSoon (or for `startServing()`), a finished
 * TLS handshake for its callback. If the peer ends its side then, with no
 * data left to read, Node emits 'end' with nobody listening, and the
 * transport would wait for an EOF that already came. `watchEnd()` notes it;
 * the transport (lib/transports.ts) asks `endedEarly()` when it starts.
 */
import type * as net from 'node:net';

const ended = new WeakSet<net.Socket>();

function markEnded(this: net.Socket): void {
  ended.add(this);
}

/** @internal Starts noting an EOF on `sock` until its transport listens. */
export function watchEnd(sock: net.Socket): void {
  sock.once('end', markEnded);
}

/** @internal Stops noting; whether the peer's EOF came meanwhile. */
export function endedEarly(sock: net.Socket): boolean {
  sock.removeListener('end', markEnded);
  return ended.has(sock);
}
