/**
 * The soak: a tulip echo server (`startServer`, async driver) under a steady
 * churn of clients for minutes. Each client — a plain Node socket, so that
 * every fault lands outside tulip — connects, sends a few messages (a few
 * bytes to 256 KiB, bursts included) and checks each echo byte for byte,
 * then leaves in one of three ways: it closes, it resets the connection
 * (RST), or it resets in the middle of a message. Then it comes back.
 *
 * Every few seconds the harness collects garbage and samples the process's
 * RSS, JavaScript heap and ArrayBuffer memory. The run fails if any byte of
 * a completed exchange is lost or changed, if an exchange hangs, if a
 * server handler is left running at the end, or if memory grows past a
 * bound after the warm-up (the first fifth of the run): a leak of even a
 * few hundred bytes per connection shows over thousands of them.
 *
 * `npm run stress -- --soak [minutes]` runs it (2 minutes by default; the
 * figures of the last run are in docs/reliability.md); soak.spec.ts runs a
 * few seconds of it in `npm test`, to keep the harness itself honest.
 */
import * as net from 'node:net';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Event, getRunningLoop, run, startServer, type Coroutine, type EventLoop, type StreamReader, type StreamWriter } from '../../lib';
import { isConnectionError, pattern, patternBreak, prng } from './peers';

export interface SoakOptions {
  /** How long the clients keep coming, in seconds. */
  seconds: number;
  /** Clients at once (each one connects again as soon as it has left). */
  clients?: number;
  /** Seconds between memory samples. */
  sampleEvery?: number;
  seed?: number;
  /** Called with each sample as it is taken. */
  onSample?: (sample: Sample) => void;
}

export interface Sample {
  /** Seconds since the start. */
  t: number;
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
  /** Connections the server has open. */
  open: number;
  connections: number;
}

export interface SoakReport {
  seconds: number;
  clients: number;
  connections: number;
  roundTrips: number;
  bytesEchoed: number;
  endings: { closed: number; reset: number; resetMidMessage: number };
  dataLost: number;
  samples: Sample[];
  /** The sample at the end of the warm-up, and how far memory rose above it later (the most of any later sample). */
  baseline: Sample;
  growth: { rss: number; heapUsed: number; arrayBuffers: number };
  bounds: { rss: number; heapUsed: number; arrayBuffers: number };
  handlersLeft: number;
  failures: string[];
}

const MiB = 1024 * 1024;
/** How far memory may rise above the warm-up baseline (after a full collection): far below a per-connection leak. */
const BOUNDS = { rss: 64 * MiB, heapUsed: 8 * MiB, arrayBuffers: 8 * MiB };

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** Message sizes: mostly small, some a few socket reads long, a few bursts of up to 4 × the reader's limit. */
function messageSize(random: () => number): number {
  const r = random();
  if (r < 0.7) return 1 + Math.floor(random() * 512);
  if (r < 0.95) return 512 + Math.floor(random() * 16 * 1024);
  return 64 * 1024 + Math.floor(random() * 192 * 1024);
}

/** A Node socket read by exact amounts. */
class Peer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private wake: (() => void) | null = null;
  private ended = false;
  constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.buffered += d.length;
      this.wake?.();
    });
    sock.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    sock.on('error', () => {}); // the 'close' that follows says it
  }

  static connect(port: number): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ port, host: '127.0.0.1' }, () => resolve(new Peer(sock)));
      sock.once('error', reject);
    });
  }

  /** Exactly `n` bytes, or fewer if the connection ended first, or null after `seconds`. */
  async readExactly(n: number, seconds: number): Promise<Buffer | null> {
    const giveUp = Date.now() + seconds * 1000;
    while (this.buffered < n && !this.ended) {
      const left = giveUp - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    const all = Buffer.concat(this.chunks);
    const out = all.subarray(0, Math.min(n, all.length));
    this.chunks = all.length > n ? [all.subarray(n)] : [];
    this.buffered = all.length - out.length;
    return out;
  }

  closed(): Promise<void> {
    return this.ended ? Promise.resolve() : new Promise((resolve) => this.sock.once('close', () => resolve()));
  }
}

/** Runs the soak; resolves with its report (`failures` empty when it held). */
export async function soak(options: SoakOptions): Promise<SoakReport> {
  const clients = options.clients ?? 50;
  const sampleEvery = options.sampleEvery ?? 5;
  const seed = options.seed ?? 20260514;
  const started = Date.now();
  const deadline = started + options.seconds * 1000;
  const failures: string[] = [];
  const samples: Sample[] = [];
  const stats = { connections: 0, roundTrips: 0, bytesEchoed: 0, dataLost: 0, closed: 0, reset: 0, resetMidMessage: 0, handlersStarted: 0, handlersEnded: 0 };

  // The server: echo whatever comes, until EOF or a broken connection.
  function* echo(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
    stats.handlersStarted++;
    try {
      let data: Uint8Array;
      while ((data = yield* reader.read(65536)).length > 0) {
        writer.write(data);
        yield* writer.drain();
      }
    } catch (e) {
      if (!isConnectionError(e)) failures.push(`server handler: ${String(e)}`);
    } finally {
      writer.close();
      stats.handlersEnded++;
    }
  }
  let loop: EventLoop | null = null;
  let stop: Event | null = null;
  let port = 0;
  let ready!: () => void;
  const serving = new Promise<void>((resolve) => (ready = resolve));
  function* serverMain(): Coroutine<void> {
    loop = getRunningLoop();
    stop = new Event();
    const server = yield* startServer(echo, '127.0.0.1', 0);
    port = server.address().port;
    ready();
    yield* stop.wait();
    server.close();
    yield* server.waitClosed();
  }
  const running = run(serverMain());
  await Promise.race([serving, running]);

  const sample = (): Sample => {
    for (let i = 0; i < 2; i++) gc();
    const m = process.memoryUsage();
    const s = { t: (Date.now() - started) / 1000, rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, open: stats.handlersStarted - stats.handlersEnded, connections: stats.connections };
    samples.push(s);
    options.onSample?.(s);
    return s;
  };
  const sampler = setInterval(sample, sampleEvery * 1000);
  sample();

  async function client(id: number): Promise<void> {
    const random = prng(seed + id);
    let offset = 0;
    while (Date.now() < deadline && failures.length === 0) {
      const peer = await Peer.connect(port);
      stats.connections++;
      const exchanges = 1 + Math.floor(random() * 4);
      for (let k = 0; k < exchanges; k++) {
        const size = messageSize(random);
        const msg = pattern(size, offset);
        peer.sock.write(msg);
        const back = await peer.readExactly(size, 30);
        if (back === null) {
          failures.push(`client ${id}: no echo of ${size} bytes within 30 s`);
          break;
        }
        const broken = patternBreak(back, offset);
        if (back.length !== size || broken !== -1) {
          stats.dataLost += size - (broken === -1 ? back.length : broken);
          failures.push(`client ${id}: ${back.length} bytes back of ${size}, first wrong at ${broken}`);
          break;
        }
        stats.roundTrips++;
        stats.bytesEchoed += size;
        offset = (offset + size) % 26;
      }
      const ending = random();
      if (ending < 0.4) {
        peer.sock.end(); // the server sees EOF, closes its side
        await peer.closed();
        stats.closed++;
      } else if (ending < 0.7) {
        peer.sock.resetAndDestroy();
        stats.reset++;
      } else {
        peer.sock.write(pattern(1 + Math.floor(random() * 32 * 1024), offset));
        peer.sock.resetAndDestroy();
        stats.resetMidMessage++;
      }
    }
  }
  await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  clearInterval(sampler);

  // Every handler must end once its client has gone (resets included).
  const settleBy = Date.now() + 10_000;
  while (stats.handlersEnded < stats.handlersStarted && Date.now() < settleBy) await new Promise((r) => setTimeout(r, 20));
  (loop as EventLoop | null)?.callSoonThreadsafe(() => (stop as Event | null)?.set());
  await running;
  sample();

  const warm = samples.find((s) => s.t >= options.seconds / 5) ?? samples[0];
  const later = samples.filter((s) => s.t > warm.t);
  const rise = (key: 'rss' | 'heapUsed' | 'arrayBuffers') => Math.max(0, ...later.map((s) => s[key] - warm[key]));
  const growth = { rss: rise('rss'), heapUsed: rise('heapUsed'), arrayBuffers: rise('arrayBuffers') };
  for (const key of ['rss', 'heapUsed', 'arrayBuffers'] as const) {
    if (growth[key] > BOUNDS[key]) failures.push(`${key} rose ${(growth[key] / MiB).toFixed(1)} MiB after the warm-up (bound ${BOUNDS[key] / MiB} MiB)`);
  }
  const handlersLeft = stats.handlersStarted - stats.handlersEnded;
  if (handlersLeft !== 0) failures.push(`${handlersLeft} server handlers still running after their clients left`);
  return {
    seconds: (Date.now() - started) / 1000,
    clients,
    connections: stats.connections,
    roundTrips: stats.roundTrips,
    bytesEchoed: stats.bytesEchoed,
    endings: { closed: stats.closed, reset: stats.reset, resetMidMessage: stats.resetMidMessage },
    dataLost: stats.dataLost,
    samples,
    baseline: warm,
    growth,
    bounds: BOUNDS,
    handlersLeft,
    failures,
  };
}

// `node -r ts-node/register spec/reliability/soak.ts --minutes 2 [--clients 50] [--report file.json]` (scripts/stress.js does this).
if (require.main === module) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const reportAt = process.argv.indexOf('--report');
  const minutes = arg('--minutes', 2);
  const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
  console.log(`soak: ${minutes} min, ${arg('--clients', 50)} clients, an echo server; memory sampled every 5 s after a full collection`);
  soak({
    seconds: minutes * 60,
    clients: arg('--clients', 50),
    onSample: (s) => console.log(`  t=${s.t.toFixed(0).padStart(4)} s  rss ${mib(s.rss)}  heap ${mib(s.heapUsed)}  buffers ${mib(s.arrayBuffers)}  open ${s.open}  connections ${s.connections}`),
  }).then(
    (r) => {
      console.log(`\nsoak: ${r.connections} connections, ${r.roundTrips} round trips, ${mib(r.bytesEchoed)} echoed, ` +
        `endings ${r.endings.closed} closed / ${r.endings.reset} reset / ${r.endings.resetMidMessage} reset mid-message, data lost ${r.dataLost}`);
      console.log(`  after the warm-up (t=${r.baseline.t.toFixed(0)} s) memory rose at most: rss ${mib(r.growth.rss)}, heap ${mib(r.growth.heapUsed)}, buffers ${mib(r.growth.arrayBuffers)}`);
      if (reportAt >= 0) require('node:fs').writeFileSync(process.argv[reportAt + 1], JSON.stringify(r));
      if (r.failures.length > 0) {
        console.log(`\nsoak FAILED:\n  ${r.failures.join('\n  ')}`);
        process.exitCode = 1;
      } else console.log('soak held');
    },
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
