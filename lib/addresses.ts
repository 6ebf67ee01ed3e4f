/**
 * How network addresses are written, in and out, and the constants of
 * Python's `socket` module that asyncio's networking calls take.
 *
 * In: wherever tulip takes an address (a datagram endpoint's `localAddr`
 * and `remoteAddr`, `sendto`, `getnameinfo`) it takes Python's tuple,
 * `['127.0.0.1', 8888]`, or Node's object, `{ address: '127.0.0.1', port:
 * 8888 }`. Out: an address tulip gives you is always Node's `AddressInfo`,
 * `{ address, family: 'IPv4' | 'IPv6', port }` — the same shape as a TCP
 * transport's `getExtraInfo('peername')` and `server.address()`.
 * `getaddrinfo` alone keeps Python's tuples, because its entries are
 * Python's shape as a whole.
 *
 * The constants have Linux's values, which are Python's on Linux
 * (`socket.AF_INET == 2`).
 */
import type { AddressInfo } from 'node:net';
import { ValueError } from './exceptions';
import { repr } from './repr';

export type { AddressInfo } from 'node:net';

/** socket.AF_UNSPEC: any address family (IPv4 or IPv6). */
export const AF_UNSPEC = 0;
/** socket.AF_INET: IPv4. */
export const AF_INET = 2;
/** socket.AF_INET6: IPv6. */
export const AF_INET6 = 10;
/** socket.SOCK_STREAM: a stream socket (TCP). */
export const SOCK_STREAM = 1;
/** socket.SOCK_DGRAM: a datagram socket (UDP). */
export const SOCK_DGRAM = 2;
/** socket.SOCK_RAW: a raw socket (getaddrinfo lists it; Node cannot open one). */
export const SOCK_RAW = 3;
/** socket.IPPROTO_TCP. */
export const IPPROTO_TCP = 6;
/** socket.IPPROTO_UDP. */
export const IPPROTO_UDP = 17;
/** getaddrinfo flag: no host means the wildcard address (to listen on), not the loopback one. */
export const AI_PASSIVE = 1;
/** getaddrinfo flag: put the host's canonical name in the first entry. */
export const AI_CANONNAME = 2;
/** getaddrinfo flag: the host must be a numeric address; no name lookup. */
export const AI_NUMERICHOST = 4;
/** getaddrinfo flag: with AF_INET6, give IPv4 addresses as IPv4-mapped IPv6 ones if there is no IPv6 one. */
export const AI_V4MAPPED = 8;
/** getaddrinfo flag: with AI_V4MAPPED, give both IPv6 and IPv4-mapped addresses. */
export const AI_ALL = 16;
/** getaddrinfo flag: only the families this host has an address of. */
export const AI_ADDRCONFIG = 32;
/** getaddrinfo flag: the port is numeric (the only kind tulip takes anyway). */
export const AI_NUMERICSERV = 1024;
/** getnameinfo flag: the host as a numeric address, no reverse lookup. */
export const NI_NUMERICHOST = 1;
/** getnameinfo flag: the port as a number, not a service name. */
export const NI_NUMERICSERV = 2;
/** getnameinfo flag: only the host part of a local name. */
export const NI_NOFQDN = 4;
/** getnameinfo flag: fail when the address has no name, instead of giving the number. */
export const NI_NAMEREQD = 8;
/** getnameinfo flag: the service is a UDP one. */
export const NI_DGRAM = 16;

/** An address as you may give it: Python's `[host, port]` or Node's `{ address, port }`. */
export type AddressLike = readonly [host: string, port: number] | { readonly address: string; readonly port: number };

/** @internal An address given in either form, checked: host and port. */
export interface HostPort {
  address: string;
  port: number;
}

/** @internal Reads an address given as `[host, port]` or `{ address, port }`; `what` names it in errors. */
export function toHostPort(addr: unknown, api: string, what: string): HostPort {
  let address: unknown;
  let port: unknown;
  if (Array.isArray(addr)) {
    [address, port] = addr;
  } else if (addr !== null && typeof addr === 'object') {
    ({ address, port } = addr as { address?: unknown; port?: unknown });
  } else {
    address = undefined;
  }
  if (typeof address !== 'string') {
    throw new TypeError(`${api}(): ${what} must be [host, port] or { address, port }, got ${repr(addr)}`);
  }
  if (typeof port !== 'number' || !Number.isInteger(port)) throw new TypeError(`${api}(): the port of ${what} must be an integer, got ${repr(port)}`);
  if (port < 0 || port > 65535) throw new ValueError(`${api}(): port must be 0-65535, got ${port}`);
  return { address, port };
}

/** @internal An address as tulip gives it out: Node's `{ address, family, port }`, whatever else Node's object holds. */
export function addressInfo(a: AddressInfo): AddressInfo {
  return { address: a.address, family: a.family, port: a.port };
}

/** @internal An address family — Python's AF_UNSPEC, AF_INET, AF_INET6 (0, 2, 10) or Node's 4 and 6 — as Node's: 0, 4 or 6. */
export function nodeFamily(family: unknown, api: string): 0 | 4 | 6 {
  if (family === undefined || family === AF_UNSPEC) return 0;
  if (family === AF_INET || family === 4) return 4;
  if (family === AF_INET6 || family === 6) return 6;
  throw new ValueError(`${api}(): family must be 0 (any), 4 or 6 (Python's AF_INET, AF_INET6: 2, 10), got ${repr(family)}`);
}

/** @internal Node's family (4, 6, 'IPv4', 'IPv6') as Python's constant. */
export function pythonFamily(family: number | string): number {
  return family === 6 || family === 'IPv6' ? AF_INET6 : AF_INET;
}
