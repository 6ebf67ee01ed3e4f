/**
 * Name resolution on the loop (CPython: `loop.getaddrinfo` and
 * `loop.getnameinfo`), over Node's `dns.lookup` and `dns.lookupService`.
 *
 * CPython runs the blocking C calls in the default executor so the loop
 * goes on meanwhile; Node already runs the same C calls (getaddrinfo(3),
 * getnameinfo(3)) on its own thread pool and answers with a promise, so
 * here they are a host wait like a socket's: the coroutine waits, the loop
 * does not.
 *
 * The answers have Python's shape: `getaddrinfo` gives
 * `[family, type, proto, canonname, [address, port]]` entries, one per
 * address and socket type, with the constants of lib/addresses.ts;
 * `getnameinfo` gives `[host, service]`.
 *
 * Node-only. Importing it adds both methods to EventLoop.
 */
import * as dns from 'node:dns';
import { isIP } from 'node:net';
import { EventLoop } from './loop';
import { OSError, ValueError } from './exceptions';
import { fromNodeError } from './os-errors';
import type { Coroutine } from './futures';
import { checkOptions } from './options';
import { fromPromise } from './promises';
import { repr } from './repr';
import {
  AI_ADDRCONFIG,
  AI_ALL,
  AI_CANONNAME,
  AI_NUMERICHOST,
  AI_PASSIVE,
  AI_V4MAPPED,
  IPPROTO_TCP,
  IPPROTO_UDP,
  NI_NAMEREQD,
  NI_NUMERICHOST,
  NI_NUMERICSERV,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  nodeFamily,
  pythonFamily,
  toHostPort,
  type AddressLike,
} from './addresses';

/** One answer of `getaddrinfo`: Python's `(family, type, proto, canonname, sockaddr)`. */
export type AddrInfo = [family: number, type: number, proto: number, canonname: string, sockaddr: [address: string, port: number]];

/** Options of `loop.getaddrinfo()`: Python's keyword arguments, each 0 by default. */
export interface GetAddrInfoOptions {
  /** AF_UNSPEC (any), AF_INET or AF_INET6. */
  family?: number;
  /** 0 (every type), SOCK_STREAM, SOCK_DGRAM or SOCK_RAW. */
  type?: number;
  /** 0 (the type's own), IPPROTO_TCP or IPPROTO_UDP. */
  proto?: number;
  /** AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, AI_ADDRCONFIG, AI_V4MAPPED, AI_ALL, AI_NUMERICSERV, or'ed. */
  flags?: number;
}

declare module './loop' {
  interface EventLoop {
    /**
     * asyncio's `loop.getaddrinfo`: the addresses of `host` (a name, a
     * numeric address, or null: the loopback address, or with AI_PASSIVE
     * the wildcard one), each as `[family, type, proto, canonname, [address,
     * port]]` — one entry per socket type unless `type` or `proto` picks
     * one. `port` is a number, a numeric string or null (0). A name that
     * does not resolve raises OSError, as Python's socket.gaierror
     * (`[Errno -2] Name or service not known`, `code` 'ENOTFOUND'). Async
     * driver only.
     * @example
     * const infos = yield* loop.getaddrinfo('localhost', 80, { family: AF_INET, type: SOCK_STREAM });
     * // [[2, 1, 6, '', ['127.0.0.1', 80]]]
     */
    getaddrinfo(host: string | null, port: number | string | null, options?: GetAddrInfoOptions): Coroutine<AddrInfo[]>;
    /**
     * asyncio's `loop.getnameinfo`: the host name and service name of a
     * numeric address, `[host, service]`, e.g. `['localhost', 'http']` for
     * `['127.0.0.1', 80]`. An address with no name gives the number back
     * (unless `flags` has NI_NAMEREQD); NI_NUMERICHOST and NI_NUMERICSERV
     * skip the lookups. Async driver only.
     * @example
     * const [host, service] = yield* loop.getnameinfo(['127.0.0.1', 22]); // ['localhost', 'ssh']
     */
    getnameinfo(sockaddr: AddressLike, flags?: number): Coroutine<[host: string, service: string]>;
  }
}

/** The socket types getaddrinfo(3) lists for an address when not told which: type and its protocol. */
const SOCKET_TYPES: ReadonlyArray<readonly [number, number]> = [
  [SOCK_STREAM, IPPROTO_TCP],
  [SOCK_DGRAM, IPPROTO_UDP],
  [SOCK_RAW, 0],
];

/**
 * getaddrinfo(3)'s errors that tulip finds before asking the system, as
 * Python raises them: socket.gaierror (an OSError) with glibc's EAI number
 * and text, and Node's name for the code.
 */
const GAI = {
  noName: [-2, 'Name or service not known', 'ENOTFOUND'],
  sockType: [-7, 'ai_socktype not supported', 'EAI_SOCKTYPE'],
  addrFamily: [-9, 'Address family for hostname not supported', 'EAI_ADDRFAMILY'],
} as const;

function gaiError([errno, strerror, code]: (typeof GAI)[keyof typeof GAI]): OSError {
  return new OSError(errno, strerror, { code });
}

function checkInteger(value: unknown, api: string, what: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${api}(): ${what} must be an integer, got ${repr(value)}`);
  return value;
}

/** Python's port argument: a number, a numeric string, or null for 0. Node cannot look up service names. */
function toPort(port: unknown): number {
  if (port === null || port === undefined) return 0;
  const n = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw new TypeError(`getaddrinfo(): port must be a number, a numeric string or null (service names are not looked up), got ${repr(port)}`);
  }
  if (n < 0 || n > 65535) throw new ValueError(`getaddrinfo(): port must be 0-65535, got ${n}`);
  return n;
}

/** The (type, proto) pairs an answer lists, as getaddrinfo(3) filters them. */
function socketTypes(type: number, proto: number): Array<readonly [number, number]> {
  if (![0, SOCK_STREAM, SOCK_DGRAM, SOCK_RAW].includes(type)) throw new ValueError(`getaddrinfo(): type must be 0, SOCK_STREAM, SOCK_DGRAM or SOCK_RAW, got ${type}`);
  if (type === SOCK_RAW && proto !== 0) return [[SOCK_RAW, proto]];
  const pairs = SOCKET_TYPES.filter(([t, p]) => (type === 0 || t === type) && (proto === 0 || p === proto));
  if (pairs.length === 0) throw gaiError(GAI.sockType); // e.g. SOCK_STREAM with IPPROTO_UDP
  return pairs;
}

EventLoop.prototype.getaddrinfo = function getaddrinfo(
  this: EventLoop,
  host: string | null,
  port: number | string | null,
  options: GetAddrInfoOptions = {},
): Coroutine<AddrInfo[]> {
  const opts = checkOptions<GetAddrInfoOptions>('getaddrinfo', options, ['family', 'type', 'proto', 'flags']);
  if (host !== null && host !== undefined && typeof host !== 'string') throw new TypeError(`getaddrinfo(): host must be a string or null, got ${repr(host)}`);
  const family = nodeFamily(opts.family, 'getaddrinfo');
  const flags = checkInteger(opts.flags, 'getaddrinfo', 'flags');
  const pairs = socketTypes(checkInteger(opts.type, 'getaddrinfo', 'type'), checkInteger(opts.proto, 'getaddrinfo', 'proto'));
  const numericPort = toPort(port);
  this._checkClosed();
  return resolve(this, host ?? null, numericPort, family, flags, pairs);
};

function* resolve(loop: EventLoop, host: string | null, port: number, family: 0 | 4 | 6, flags: number, pairs: Array<readonly [number, number]>): Coroutine<AddrInfo[]> {
  let found: dns.LookupAddress[];
  if (host === null) {
    // No host: where to listen (the wildcard) or where to connect (the loopback), in glibc's order.
    const passive = (flags & AI_PASSIVE) !== 0;
    const v4 = { address: passive ? '0.0.0.0' : '127.0.0.1', family: 4 };
    const v6 = { address: passive ? '::' : '::1', family: 6 };
    found = family === 4 ? [v4] : family === 6 ? [v6] : passive ? [v4, v6] : [v6, v4];
  } else {
    if ((flags & AI_NUMERICHOST) !== 0 && isIP(host) === 0) throw gaiError(GAI.noName); // a name, where a numeric address was asked for
    const hints = (flags & AI_ADDRCONFIG ? dns.ADDRCONFIG : 0) | (flags & AI_V4MAPPED ? dns.V4MAPPED : 0) | (flags & AI_ALL ? dns.ALL : 0);
    try {
      found = yield* fromPromise(dns.promises.lookup(host, { all: true, family, hints, verbatim: true }), loop);
    } catch (e) {
      throw fromNodeError(e); // ENOTFOUND → OSError [Errno -2] Name or service not known
    }
    // Node answers a numeric address as it is, whatever the family asked; getaddrinfo(3) refuses.
    if (family !== 0 && found.every((a) => a.family !== family)) throw gaiError(GAI.addrFamily);
  }
  const infos: AddrInfo[] = [];
  for (const { address, family: f } of found) {
    for (const [type, proto] of pairs) {
      // AI_CANONNAME: the first entry names the host (Node's lookup does not report a CNAME chain).
      const canonname = infos.length === 0 && (flags & AI_CANONNAME) !== 0 ? (host ?? '') : '';
      infos.push([pythonFamily(f), type, proto, canonname, [address, port]]);
    }
  }
  return infos;
}

EventLoop.prototype.getnameinfo = function getnameinfo(this: EventLoop, sockaddr: AddressLike, flags = 0): Coroutine<[string, string]> {
  const { address, port } = toHostPort(sockaddr, 'getnameinfo', 'sockaddr');
  checkInteger(flags, 'getnameinfo', 'flags');
  this._checkClosed();
  return nameOf(this, address, port, flags);
};

function* nameOf(loop: EventLoop, address: string, port: number, flags: number): Coroutine<[string, string]> {
  // As getnameinfo(3) via Python: the host must be numeric; a name is not resolved first.
  if (isIP(address) === 0) throw gaiError(GAI.noName);
  const numericHost = (flags & NI_NUMERICHOST) !== 0;
  const numericService = (flags & NI_NUMERICSERV) !== 0;
  if (numericHost && numericService) return [address, String(port)];
  let host = address;
  let service = String(port);
  try {
    // Node asks for a name or nothing (NI_NAMEREQD): no name is an ENOTFOUND error.
    const answer = yield* fromPromise(dns.promises.lookupService(address, port), loop);
    if (!numericHost) host = answer.hostname;
    if (!numericService) service = answer.service;
  } catch (e) {
    if ((flags & NI_NAMEREQD) !== 0) throw fromNodeError(e);
    // No name (or no answer): getnameinfo(3) gives the number back, and still names the service.
    if (!numericService) service = yield* serviceName(loop, port);
  }
  return [host, service];
}

/** The service name of `port` (the port as a string if it has none): asked about the loopback address, which always has a name. */
function* serviceName(loop: EventLoop, port: number): Coroutine<string> {
  try {
    return (yield* fromPromise(dns.promises.lookupService('127.0.0.1', port), loop)).service;
  } catch {
    return String(port);
  }
}
