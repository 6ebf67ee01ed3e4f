/**
 * Fault injection on real sockets, loopback only, on the async driver: peers
 * that reset mid-write, close mid-read, send one byte at a time, never read,
 * connect and vanish; servers closed with clients attached. For each:
 *   - the coroutine waiting on the broken connection gets a clear error or EOF;
 *   - what arrived is exactly what was sent, in order (a prefix when the
 *     connection was reset; everything when it was closed gracefully);
 *   - nothing hangs: every wait is bounded (peers.ts `bounded`), well inside
 *     the spec's own timeout;
 *   - the loop keeps serving others: a bystander client of another server
 *     keeps getting its round trips through (peers.ts `withBystander`), and
 *     the exception handler is never called.
 * The sizes and cut points are drawn from a seeded PRNG (TULIP_PROP_SEED).
 * Child processes and worker threads: process-faults.spec.ts.
 */
import { expect } from 'chai';
import * as net from 'net';
import {
  IncompleteReadError,
  createTask,
  fromPromise,
  getRunningLoop,
  openConnection,
  sleep,
  startServer,
  type StreamReader,
  type StreamWriter,
  type Coroutine,
} from '../../lib';
import {
  PatternChecker,
  bounded,
  echoLines,
  isConnectionError,
  pattern,
  patternBreak,
  prng,
  rawClient,
  rawServer,
  readAll,
  runGuarded,
  withBystander,
  writeByteByByte,
} from './peers';
import { RUNS_SCALE, SEED, countFault, tally } from './tally';

const ITER = Math.max(1, Math.round(3 * RUNS_SCALE));
const decoder = new TextDecoder();

describe('reliability: faults on real I/O (loopback)', function () {
  this.timeout(Math.max(120_000, 240_000 * RUNS_SCALE));

  it('a peer that resets mid-write: the writer gets a connection error; what arrived is an exact prefix', async () => {
    const random = prng(SEED + 11);
    for (let i = 0; i < ITER * 2; i++) {
      const cut = 1 + Math.floor(random() * 400_000);
      const checker = new PatternChecker();
      const peer = await rawServer((sock) => {
        sock.on('data', (chunk: Buffer) => {
          checker.push(chunk);
          if (checker.length >= cut) sock.resetAndDestroy();
        });
      });
      try {
        const { sent, error, after } = await runGuarded(() =>
          withBystander(function* () {
            const [reader, writer] = yield* openConnection('127.0.0.1', peer.port);
            let sent = 0;
            let error: unknown = null;
            try {
              yield* bounded('writing to a peer that resets', (function* () {
                for (;;) {
                  const n = 1 + Math.floor(random() * 32768);
                  writer.write(pattern(n, sent));
                  sent += n;
                  yield* writer.drain();
                }
              })());
            } catch (e) {
              error = e;
            }
            // Reading the reset connection ends too: an error or EOF, never a hang.
            const after = yield* bounded('reading a reset connection', readAll(reader));
            writer.close();
            return { sent, error, after };
          }),
        );
        countFault('peer resets mid-write');
        expect(isConnectionError(error), `writer error: ${String(error)}`).to.equal(true);
        expect(after.data.length).to.equal(0);
        expect(after.error === null || isConnectionError(after.error), String(after.error)).to.equal(true);
        expect(checker.broken, 'corrupt bytes at the peer').to.equal(-1);
        expect(checker.length).to.be.at.least(cut).and.at.most(sent);
      } finally {
        await peer.close();
      }
    }
  });

  it('a peer that resets mid-read: the reader gets an exact prefix, then a connection error or EOF', async () => {
    const random = prng(SEED + 12);
    for (let i = 0; i < ITER * 2; i++) {
      const n = 1 + Math.floor(random() * 300_000);
      const peer = await rawServer((sock) => {
        sock.write(pattern(n), () => setTimeout(() => sock.resetAndDestroy(), Math.floor(random() * 3)));
      });
      try {
        const got = await runGuarded(() =>
          withBystander(function* () {
            const [reader, writer] = yield* openConnection('127.0.0.1', peer.port);
            const got = yield* bounded('reading from a peer that resets', readAll(reader, 1 + Math.floor(random() * 70_000)));
            writer.close();
            return got;
          }),
        );
        countFault('peer resets mid-read');
        expect(got.error === null || isConnectionError(got.error), String(got.error)).to.equal(true);
        expect(patternBreak(got.data), 'corrupt bytes').to.equal(-1);
        expect(got.data.length).to.be.at.most(n);
      } finally {
        await peer.close();
      }
    }
  });

  it('a peer that closes mid-read: every read method gets all the bytes sent, then EOF or IncompleteReadError', async () => {
    const random = prng(SEED + 13);
    const methods = ['readexactly', 'readuntil', 'readline', 'read(-1)', 'read(k)'] as const;
    for (let i = 0; i < ITER; i++) {
      for (const method of methods) {
        const n = Math.floor(random() * 200_000);
        const oneByOne = n < 2000 && random() < 0.5;
        const peer = await rawServer((sock) => {
          const data = pattern(n);
          if (oneByOne) void writeByteByByte(sock, data).then(() => sock.end());
          else sock.end(data);
        });
        try {
          const got = await runGuarded(() =>
            withBystander(function* () {
              const [reader, writer] = yield* openConnection('127.0.0.1', peer.port, { limit: 1 << 20 });
              try {
                return yield* bounded(`${method} on a peer that closes`, (function* (): Coroutine<Buffer> {
                  switch (method) {
                    case 'readexactly':
                    case 'readuntil': {
                      const want = method === 'readexactly' ? n + 1 + Math.floor(random() * 10) : null;
                      try {
                        if (want !== null) yield* reader.readexactly(want);
                        else yield* reader.readuntil('\n');
                      } catch (e) {
                        expect(e).to.be.instanceOf(IncompleteReadError);
                        expect((e as IncompleteReadError).expected).to.equal(want);
                        return Buffer.from((e as IncompleteReadError).partial);
                      }
                      throw new Error(`${method} did not raise IncompleteReadError at EOF`);
                    }
                    case 'readline': {
                      const line = yield* reader.readline(); // a partial last line comes back as it is
                      expect((yield* reader.readline()).length).to.equal(0);
                      return Buffer.from(line);
                    }
                    case 'read(-1)':
                      return Buffer.from(yield* reader.read());
                    default: {
                      const all = yield* readAll(reader, 1 + Math.floor(random() * 5000));
                      expect(all.error).to.equal(null);
                      return all.data;
                    }
                  }
                })());
              } finally {
                writer.close();
              }
            }),
          );
          countFault(`peer closes mid-read (${method})`);
          if (got.length !== n) tally.dataLost += Math.abs(n - got.length);
          expect(got.length, `${method}: bytes received of ${n}`).to.equal(n);
          expect(patternBreak(got)).to.equal(-1);
        } finally {
          await peer.close();
        }
      }
    }
  });

  it('peers that send one byte at a time: lines, headers and bodies arrive whole, both ways', async () => {
    const random = prng(SEED + 14);
    for (let i = 0; i < ITER; i++) {
      const lines = Array.from({ length: 1 + Math.floor(random() * 20) }, (_, k) => `line ${k} ${'x'.repeat(Math.floor(random() * 30))}\n`);
      const peer = await rawServer((sock) => void writeByteByByte(sock, Buffer.from(lines.join(''))).then(() => sock.end()));
      const bodyLength = Math.floor(random() * 3000);
      try {
        const got = await runGuarded(() =>
          withBystander(function* () {
            // tulip reads a byte-by-byte sender…
            const [reader, writer] = yield* openConnection('127.0.0.1', peer.port);
            const got: string[] = [];
            yield* bounded('readline from a byte-at-a-time peer', (function* () {
              for (;;) {
                const line = yield* reader.readline();
                if (line.length === 0) break;
                got.push(decoder.decode(line));
              }
            })());
            writer.close();
            // …and a tulip server reads a byte-by-byte client.
            const server = yield* startServer(function* (r: StreamReader, w: StreamWriter): Coroutine<void> {
              const header = decoder.decode(yield* r.readuntil('\r\n\r\n'));
              const len = Number(/length: (\d+)/.exec(header)?.[1]);
              const body = yield* r.readexactly(len);
              w.write(`ok ${body.length} ${patternBreak(body)}\n`);
              yield* w.drain();
              w.close();
            }, '127.0.0.1', 0);
            const port = server.address().port;
            const served = rawClient(port).then(async (sock) => {
              const reply = new Promise<string>((resolve) => {
                let text = '';
                sock.on('data', (d: Buffer) => (text += d.toString()));
                sock.on('end', () => resolve(text));
                sock.on('close', () => resolve(text));
              });
              await writeByteByByte(sock, Buffer.concat([Buffer.from(`length: ${bodyLength}\r\n\r\n`), pattern(bodyLength)]));
              return reply;
            });
            const reply = yield* bounded('the byte-at-a-time client being served', fromPromise(served));
            server.close();
            yield* bounded('closing the server', server.waitClosed());
            return { got, reply };
          }),
        );
        countFault('peer sends one byte at a time', 2);
        expect(got.got).to.deep.equal(lines);
        expect(got.reply).to.equal(`ok ${bodyLength} -1\n`);
      } finally {
        await peer.close();
      }
    }
  });

  it('a peer that never reads: drain() blocks with a bounded buffer, and nothing is lost once it reads', async () => {
    const TOTAL = 48 << 20;
    let peerSock: net.Socket | null = null;
    const checker = new PatternChecker();
    const peer = await rawServer((sock) => {
      peerSock = sock;
      sock.pause(); // never reads, until told
      sock.on('data', (chunk: Buffer) => checker.push(chunk));
    });
    try {
      const report = await runGuarded(() =>
        withBystander(function* () {
          const [, writer] = yield* openConnection('127.0.0.1', peer.port);
          const [, high] = writer.transport.getWriteBufferLimits();
          let sent = 0;
          let biggest = 0;
          const writerTask = createTask((function* () {
            const chunk = 65536;
            while (sent < TOTAL) {
              writer.write(pattern(chunk, sent));
              sent += chunk;
              yield* writer.drain();
              biggest = Math.max(biggest, writer.transport.getWriteBufferSize());
            }
          })());
          // Wait until the transport has paused the writer (its buffer over the high-water mark).
          yield* bounded('the writer being held back', (function* () {
            while (!(writer as unknown as { _protocol: { _paused: boolean } })._protocol._paused && !writerTask.done()) yield* sleep(0.005);
          })());
          yield* sleep(0.1); // the writer stays held back while nobody reads
          const stuck = !writerTask.done();
          const sentWhileStuck = sent;
          (peerSock as unknown as net.Socket).resume();
          yield* bounded('the writer once the peer reads', writerTask);
          writer.close();
          yield* bounded('the peer receiving everything', (function* () {
            while (checker.length < TOTAL) yield* sleep(0.005);
          })());
          return { stuck, sentWhileStuck, biggest, high };
        }),
      );
      countFault('peer never reads (back-pressure)');
      expect(report.stuck, 'drain() should have held the writer back').to.equal(true);
      expect(report.sentWhileStuck).to.be.below(TOTAL);
      expect(report.biggest, 'the write buffer after drain()').to.be.at.most(report.high);
      expect(checker.length).to.equal(TOTAL);
      expect(checker.broken).to.equal(-1);
    } finally {
      await peer.close();
    }
  });

  it('a reader that does not read: the transport pauses, the buffer stays bounded, nothing is lost', async () => {
    const TOTAL = 48 << 20;
    const limit = 1 << 16;
    const result = await runGuarded(() =>
      withBystander(function* () {
        let serverReader: StreamReader | null = null;
        const go = getRunningLoop().createFuture<void>();
        const checker = new PatternChecker();
        const done = getRunningLoop().createFuture<void>();
        const server = yield* startServer(function* (r: StreamReader, w: StreamWriter): Coroutine<void> {
          serverReader = r;
          yield* go; // do not read until told
          for (;;) {
            const chunk = yield* r.read(65536);
            if (chunk.length === 0) break;
            checker.push(chunk);
          }
          w.close();
          done.setResult(undefined);
        }, '127.0.0.1', 0, { limit });
        const sock = yield* fromPromise(rawClient(server.address().port));
        for (let sent = 0; sent < TOTAL; sent += 1 << 20) sock.write(pattern(1 << 20, sent));
        sock.end();
        // Wait until the reader has paused its transport, then give the sender time to push more.
        yield* bounded('the reader pausing its transport', (function* () {
          while (serverReader === null || !(serverReader as StreamReader)._paused) yield* sleep(0.005);
        })());
        yield* sleep(0.1);
        const r = serverReader as unknown as StreamReader;
        const buffered = r._length;
        const paused = r._paused;
        go.setResult(undefined);
        yield* bounded('the slow reader reading everything', done);
        server.close();
        yield* bounded('closing the server', server.waitClosed());
        return { buffered, paused, length: checker.length, broken: checker.broken };
      }),
    );
    countFault('reader does not read (back-pressure)');
    expect(result.paused, 'the transport should be paused').to.equal(true);
    expect(result.buffered, 'bytes buffered in the reader').to.be.at.most(2 * limit + (1 << 20));
    expect(result.length).to.equal(TOTAL);
    expect(result.broken).to.equal(-1);
  });

  it('clients that connect and vanish: every handler ends, the server goes on serving', async () => {
    const VANISH = Math.max(10, Math.round(40 * RUNS_SCALE));
    const random = prng(SEED + 15);
    const ended = await runGuarded(() =>
      withBystander(function* () {
        let ended = 0;
        let errors = 0;
        const server = yield* startServer(function* (r: StreamReader, w: StreamWriter): Coroutine<void> {
          try {
            yield* echoLines(r, w);
          } catch {
            errors++;
          } finally {
            ended++;
          }
        }, '127.0.0.1', 0);
        const port = server.address().port;
        for (let i = 0; i < VANISH; i++) {
          const sock = yield* fromPromise(rawClient(port));
          switch (Math.floor(random() * 5)) {
            case 0: sock.destroy(); break;
            case 1: sock.write('half a li'); sock.destroy(); break;
            case 2: sock.resetAndDestroy(); break;
            case 3: sock.end('a whole line\n'); break; // half-close without reading the reply
            default: sock.end(); break;
          }
          if (random() < 0.3) yield* sleep(0);
        }
        yield* bounded('every handler of a vanished client ending', (function* () {
          while (ended < VANISH || server._clients.size > 0) yield* sleep(0.005);
        })());
        // A well-behaved client is still served.
        const [reader, writer] = yield* openConnection('127.0.0.1', port);
        writer.write('still there?\n');
        expect(decoder.decode(yield* bounded('a client after the vanishers', reader.readline()))).to.equal('still there?\n');
        writer.close();
        yield* writer.waitClosed();
        server.close();
        yield* bounded('closing the server', server.waitClosed());
        expect(errors).to.equal(0);
        return ended;
      }),
    );
    countFault('client connects and vanishes', VANISH);
    expect(ended).to.equal(VANISH + 1);
  });

  for (const how of ['closeClients', 'abortClients', 'clients close themselves'] as const) {
    it(`a server closed with clients attached (${how}): waitClosed() returns, clients get EOF or an error`, async () => {
      const CLIENTS = 5;
      const outcome = await runGuarded(() =>
        withBystander(function* () {
          const server = yield* startServer(echoLines, '127.0.0.1', 0);
          const port = server.address().port;
          const conns: [StreamReader, StreamWriter][] = [];
          for (let i = 0; i < CLIENTS; i++) {
            const c = yield* openConnection('127.0.0.1', port);
            c[1].write(`hello ${i}\n`);
            expect(decoder.decode(yield* c[0].readline())).to.equal(`hello ${i}\n`);
            conns.push(c);
          }
          // Each client now waits for a line that will never come.
          const pending = conns.map(([r]) => createTask(readAll(r)));
          server.close();
          const closed = createTask(server.waitClosed());
          yield* sleep(0.05);
          const closedEarly = closed.done();
          if (how === 'closeClients') server.closeClients();
          else if (how === 'abortClients') server.abortClients();
          else for (const [, w] of conns) w.close();
          yield* bounded('server.waitClosed() with clients attached', closed);
          const ends = [];
          for (const t of pending) ends.push(yield* bounded('a client of a closed server', t));
          for (const [, w] of conns) w.close();
          // Nobody listens there any more: a new connection is refused with a clear error.
          let refused: unknown = null;
          try {
            yield* bounded('connecting to a closed server', openConnection('127.0.0.1', port));
          } catch (e) {
            refused = e;
          }
          return { closedEarly, ends, refused };
        }),
      );
      countFault(`server closed with clients attached (${how})`, CLIENTS);
      expect(outcome.closedEarly, 'waitClosed() returned while clients were attached').to.equal(false);
      for (const end of outcome.ends) {
        expect(end.data.length).to.equal(0);
        expect(end.error === null || isConnectionError(end.error), String(end.error)).to.equal(true);
      }
      expect((outcome.refused as NodeJS.ErrnoException | null)?.code).to.equal('ECONNREFUSED');
    });
  }
});
