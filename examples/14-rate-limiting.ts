/**
 * 14 — Rate limiting: a semaphore versus a token bucket.
 *
 * Two different promises to a server you call:
 *  - a Semaphore(3) caps how many requests are *in flight at once*: a new
 *    one starts the moment one finishes, however fast that is;
 *  - a token bucket caps how many requests *start per second*: a bucket of
 *    `burst` tokens refills at `rate` per second; each start takes a token,
 *    and an empty bucket means waiting for the next one — however quickly
 *    the earlier requests finished.
 * Ten requests of known durations run through each; the virtual clock makes
 * the start times exact, so the difference shows in the numbers and in the
 * lanes (█ = the request is in flight, one column per 0.1 s).
 *
 * Run: npx ts-node examples/14-rate-limiting.ts [--trace] [--timeline]
 */
import { Lock, Semaphore, asyncWith, createTask, getRunningLoop, sleep, type Coroutine } from '../lib';
import { heading, intro, runVirtual, say } from './_shared';

intro(
  '14 — rate limiting: semaphore versus token bucket',
  'Ten requests, two limiters: "at most 3 at once" versus "at most 2 starts per second (burst 2)".',
);

/** How long each request takes at the server, in seconds. */
const DURATIONS = [0.8, 0.3, 1.2, 0.5, 0.4, 0.9, 0.2, 0.6, 0.7, 0.3];

interface Span {
  start: number;
  end: number;
}

/**
 * A token bucket: `burst` tokens at first, refilled at `rate` per second.
 * A Lock makes waiters take their turn in order (FIFO), one at a time at the head.
 */
class TokenBucket {
  private tokens: number;
  private last: number;
  private lock = new Lock();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
    this.last = getRunningLoop().time();
  }

  private refill(): void {
    const now = getRunningLoop().time();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.rate);
    this.last = now;
  }

  /** Waits for a token and takes it. */
  *take(): Coroutine<void> {
    const bucket = this;
    yield* asyncWith(this.lock, function* () {
      bucket.refill();
      if (bucket.tokens < 1) {
        yield* sleep((1 - bucket.tokens) / bucket.rate); // until the next token has dripped in
        bucket.refill();
      }
      bucket.tokens -= 1;
    });
  }
}

/** One request: wait for the limiter, then spend `duration` at the server. */
function* request(i: number, limit: (body: () => Coroutine<void>) => Coroutine<void>, spans: Span[]): Coroutine<void> {
  const loop = getRunningLoop();
  yield* limit(function* () {
    const start = loop.time();
    yield* sleep(DURATIONS[i]);
    spans[i] = { start, end: loop.time() };
  });
}

/** Runs all requests at once through `limit`, and prints what happened. */
function* trial(title: string, limit: (body: () => Coroutine<void>) => Coroutine<void>): Coroutine<Span[]> {
  heading(title);
  const loop = getRunningLoop();
  const t0 = loop.time();
  say(`all ${DURATIONS.length} requests start at once, each through the limiter`);
  const spans: Span[] = [];
  const tasks = DURATIONS.map((_, i) => createTask(request(i, limit, spans), { name: `req-${i + 1}` }));
  for (const t of tasks) yield* t;
  const rel = spans.map((s) => ({ start: s.start - t0, end: s.end - t0 }));
  const width = Math.ceil(Math.max(...rel.map((s) => s.end)) * 10);
  let scale = '';
  for (let c = 0; c < width; c += 10) scale += String(c / 10).padEnd(10);
  console.log(`  req  took  start → end    ${scale.trimEnd()}   (seconds since the trial began)`);
  for (let i = 0; i < rel.length; i++) {
    const { start, end } = rel[i];
    let lane = '';
    for (let c = 0; c < width; c++) lane += c >= Math.round(start * 10) && c < Math.round(end * 10) ? '█' : '·';
    console.log(`  ${String(i + 1).padStart(3)}  ${DURATIONS[i].toFixed(1).padStart(4)}  ${start.toFixed(1).padStart(5)} → ${end.toFixed(1).padEnd(5)}  ${lane}`);
  }
  let maxInFlight = 0;
  for (const s of rel) maxInFlight = Math.max(maxInFlight, rel.filter((o) => o.start <= s.start && s.start < o.end).length);
  let maxStarts = 0;
  for (const s of rel) maxStarts = Math.max(maxStarts, rel.filter((o) => o.start >= s.start && o.start < s.start + 1 - 1e-9).length);
  say(`done: at most ${maxInFlight} in flight at once; at most ${maxStarts} starts in any 1-second window`);
  return rel;
}

function* main(): Coroutine<void> {
  const sem = new Semaphore(3);
  const bySemaphore = yield* trial('Semaphore(3): at most 3 in flight', (body) => asyncWith(sem, body));

  const bucket = new TokenBucket(2, 2);
  const byBucket = yield* trial('Token bucket: 2 per second, burst 2', function* (body) {
    yield* bucket.take();
    yield* body();
  });

  heading('What to notice');
  const last = (spans: Span[]) => Math.max(...spans.map((s) => s.end)).toFixed(1);
  say(`the semaphore finished everything by ${last(bySemaphore)} s: it keeps 3 busy, starting a request whenever one ends`);
  say(`the bucket took until ${last(byBucket)} s: after the burst of 2, starts come 0.5 s apart, even when the server is idle`);
  say('pick by what the other side limits: concurrent connections (semaphore) or requests per second (bucket)');
}

runVirtual(main());
