/**
 * Helpers of the I/O fault specs: byte patterns that prove a stream arrived
 * whole and in order, misbehaving peers written with Node's own `net` (so
 * that a fault is injected exactly where we want it, outside tulip), and a
 * tulip echo server with a bystander client that must keep being served
 * while the faults happen.
 */
import { expect } from 'chai';
import * as net from 'net';
import {
  ConnectionResetError,
  IncompleteReadError,
  createTask,
  fromPromise,
  getRunningLoop,
  openConnection,
  run,
  sleep,
  startServer,
  waitFor,
  TimeoutError,
  type ExceptionContext,
  type Awaitable,
  type Coroutine,
  type StreamReader,
  type StreamWriter,
} from '../../lib';

/** `n` bytes of the alphabet pattern starting at stream offset `from` (no newline in it). */
export function pattern(n: number, from = 0): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = 97 + ((from + i) % 26);
  return b;
}

/** Index of the first byte that breaks the pattern (from stream offset `from`), or -1. */
export function patternBreak(bytes: Uint8Array, from = 0): number {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 97 + ((from + i) % 26)) return i;
  return -1;
}

/** Checks a stream chunk by chunk without keeping it: `push` each chunk, read `length` and `broken`. */
export class PatternChecker {
  length = 0;
  broken = -1;
  push(chunk: Uint8Array): void {
    if (this.broken < 0) {
      const at = patternBreak(chunk, this.length);
      if (at >= 0) this.broken = this.length + at;
    }
    this.length += chunk.length;
  }
}

/** Errors that mean "the connection is gone": what a coroutine on a broken connection may get. */
export function isConnectionError(e: unknown): boolean {
  if (e instanceof ConnectionResetError || e instanceof IncompleteReadError) return true;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED' || code === 'ERR_STREAM_DESTROYED';
}

/** A raw Node server whose every connection goes to `handler`; `close()` destroys what is left. */
export interface RawServer {
  port: number;
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

export async function rawServer(handler: (sock: net.Socket) => void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {}); // faults are the point here
    handler(sock);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A raw Node client connection (errors swallowed: the tulip side is what is tested). */
export function rawClient(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => resolve(sock));
    sock.once('error', reject);
  }).then((sock) => {
    (sock as net.Socket).on('error', () => {});
    return sock as net.Socket;
  });
}

/** Writes `data` one byte per write, letting Node's loop turn between bytes. */
export async function writeByteByByte(sock: net.Socket, data: Uint8Array): Promise<void> {
  sock.setNoDelay(true);
  for (let i = 0; i < data.length; i++) {
    if (sock.destroyed) return;
    sock.write(data.subarray(i, i + 1));
    await new Promise((r) => setImmediate(r));
  }
}

/** Runs `body` with a time limit of its own (a hang becomes an error naming `what`). */
export function* bounded<T>(what: string, body: Awaitable<T>, seconds = 15): Coroutine<T> {
  try {
    return yield* waitFor(body, seconds);
  } catch (e) {
    if (e instanceof TimeoutError) throw new Error(`${what}: hung (no answer within ${seconds} s)`);
    throw e;
  }
}

/** The echo handler: lines back until EOF; a broken connection just ends it. */
export function* echoLines(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  try {
    for (;;) {
      const line = yield* reader.readline();
      if (line.length === 0) break;
      writer.write(line);
      yield* writer.drain();
    }
  } catch (e) {
    if (!isConnectionError(e)) throw e;
  } finally {
    writer.close();
  }
}

const decoder = new TextDecoder();

/**
 * Runs `body` while a bystander client does round trips with a tulip echo
 * server of its own; afterwards the bystander must still get `after` more
 * round trips through, every one intact: a fault on one connection never
 * stops the loop serving the others.
 */
export function* withBystander<T>(body: () => Coroutine<T>, after = 10): Coroutine<T> {
  const server = yield* startServer(echoLines, '127.0.0.1', 0);
  const [reader, writer] = yield* openConnection('127.0.0.1', server.address().port);
  let trips = 0;
  let stop = false;
  const ticker = createTask(
    (function* (): Coroutine<void> {
      while (!stop) {
        const msg = `ping ${trips}\n`;
        writer.write(msg);
        yield* writer.drain();
        const got = decoder.decode(yield* reader.readline());
        if (got !== msg) throw new Error(`the bystander sent ${JSON.stringify(msg)} and got ${JSON.stringify(got)} back`);
        trips++;
        yield* sleep(0.001);
      }
    })(),
  );
  let result: T;
  try {
    result = yield* body();
  } finally {
    const before = trips;
    yield* bounded('the bystander after the fault', (function* () {
      while (trips < before + after && !ticker.done()) yield* sleep(0.001);
    })());
    stop = true;
    yield* ticker; // raises if a round trip went wrong
    writer.close();
    yield* writer.waitClosed();
    server.close();
    yield* bounded('closing the bystander server', server.waitClosed());
  }
  return result;
}

/** A small seeded PRNG (mulberry32), so that the sizes of a run can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}


/**
 * Runs `main` on the async driver (real clock: real sockets) with an
 * exception handler that records; nothing may reach it.
 */
export async function runGuarded<T>(main: () => Coroutine<T>): Promise<T> {
  const handled: ExceptionContext[] = [];
  const result = await run(
    (function* () {
      getRunningLoop().setExceptionHandler((_loop, ctx) => void handled.push(ctx));
      return yield* main();
    })(),
  );
  expect(handled.map((c) => `${c.message}: ${String(c.exception)}`), 'the exception handler was called').to.deep.equal([]);
  return result;
}

export function concat(chunks: Uint8Array[]): Buffer {
  return Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.length)));
}

/** Reads until EOF or a connection error; returns what came and how it ended. */
export function* readAll(reader: StreamReader, size = 65536): Coroutine<{ data: Buffer; error: unknown }> {
  const chunks: Uint8Array[] = [];
  try {
    for (;;) {
      const chunk = yield* reader.read(size);
      if (chunk.length === 0) return { data: concat(chunks), error: null };
      chunks.push(chunk);
    }
  } catch (e) {
    return { data: concat(chunks), error: e };
  }
}

/** A port nobody listens on (bound, then released). */
export function* freePort(): Coroutine<number> {
  return yield* fromPromise(
    new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    }),
  );
}
