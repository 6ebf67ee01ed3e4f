/**
 * 13 — A web crawler, after "A Web Crawler With asyncio Coroutines"
 *      (Davis & van Rossum, 500 Lines or Less).
 *
 * The chapter's subject is the path from a socket to a coroutine: data
 * arrives, a callback finishes a future, the future's done callback wakes
 * the task, and the coroutine resumes where it waited. Then it crawls a
 * site the chapter's way:
 *  - a `Queue` of [url, redirectsLeft] and N worker tasks that loop
 *    forever: `get()`, fetch, `taskDone()`;
 *  - each fetch writes a request, reads the status line, the headers, and
 *    the body to EOF (HTTP/1.0) from a `StreamReader`;
 *  - redirects are followed by hand: the target goes back in the queue, so
 *    two chains leading to the same page merge;
 *  - `seen` makes every URL fetched once, which is what breaks the cycles —
 *    safe without a lock because nothing yields between the check and the add;
 *  - `yield* q.join()` waits until every queued URL is done, then the idle
 *    workers (blocked in `get()`) are cancelled.
 *
 * Parts 1 and 2 run on a simulated network on the virtual clock, so the
 * interleaving is the same on every run: each response reaches a real
 * tulip StreamReader in two packets, after a latency of its own, through
 * `reader.feedData()` — what a socket transport calls when Node reports
 * data. Part 1 follows one fetch through the machine; part 2 shows three
 * workers interleaving. Part 3 runs the same crawler over real sockets,
 * against a little HTTP/1.0 server written with `startServer`.
 *
 * Run: npx ts-node examples/13-web-crawler.ts [--trace] [--timeline]
 */
import {
  CancelledError,
  Future,
  Queue,
  StreamReader,
  createTask,
  currentTask,
  getRunningLoop,
  openConnection,
  sleep,
  startServer,
  type Coroutine,
  type Instrument,
  type StreamWriter,
  type Task,
} from '../lib';
import { heading, intro, makeLoop, runReal, runVirtual, say } from './_shared';

intro(
  '13 — a web crawler (after the 500 Lines chapter)',
  'From the network to the coroutine: data arrives, a future is finished, a task wakes up.',
);

// ---------------------------------------------------------------------------
// The website: path → page. A page is links (an HTML body), a redirect, or missing.

type Page = { links: string[] } | { redirect: string; status: 301 | 302 };

const SITE: Record<string, Page> = {
  '/': { links: ['/a', '/b', '/go-c', '/missing'] },
  '/a': { links: ['/', '/b', '/a/deep'] }, // a cycle: / → /a → /
  '/b': { links: ['/a', '/c', '/old-c'] },
  '/a/deep': { links: ['/c', '/a'] },
  '/c': { links: ['/', '/old-c'] },
  '/go-c': { redirect: '/c', status: 302 },
  '/old-c': { redirect: '/go-c', status: 301 }, // a chain: /old-c → /go-c → /c
};

/** The simulated network's latency for each page (seconds until the first packet). */
const LATENCY: Record<string, number> = {
  '/': 0.03,
  '/a': 0.08,
  '/b': 0.04,
  '/go-c': 0.02,
  '/missing': 0.01,
  '/c': 0.05,
  '/a/deep': 0.03,
  '/old-c': 0.02,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The HTTP/1.0 response for `path`: [head (status line and headers), body]. */
function respond(path: string): [string, string] {
  const page = SITE[path];
  if (page === undefined) return ['HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\n\r\n', '<h1>Not Found</h1>'];
  if ('redirect' in page) {
    return [`HTTP/1.0 ${page.status} ${page.status === 301 ? 'Moved Permanently' : 'Found'}\r\nLocation: ${page.redirect}\r\n\r\n`, ''];
  }
  const body = `<html><body>${page.links.map((l) => `<a href="${l}">${l}</a>`).join(' ')}</body></html>`;
  return [`HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${encoder.encode(body).length}\r\n\r\n`, body];
}

// ---------------------------------------------------------------------------
// Fetching: the same reading code over a simulated connection or a real one.

interface Response {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Reads one HTTP/1.0 response: the status line, the headers, then the body up to EOF. */
function* readResponse(reader: StreamReader): Coroutine<Response> {
  const statusLine = decoder.decode(yield* reader.readline()).trim();
  const status = Number(statusLine.split(' ')[1]);
  const headers = new Map<string, string>();
  for (;;) {
    const line = decoder.decode(yield* reader.readline()).trim();
    if (line === '') break;
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const body = decoder.decode(yield* reader.read()); // HTTP/1.0: the body runs to EOF
  return { status, headers, body };
}

type Fetch = (path: string) => Coroutine<Response>;

/** What the simulated network prints: only in part 1, where one fetch is followed in detail. */
let narrate = false;
function note(text: string): void {
  if (narrate) say(`  │ ${text}`);
}

/** Readers of the simulated connections, by the worker reading them (to recognise their waiters). */
const readers = new Map<Task<unknown>, StreamReader>();

/**
 * A GET over the simulated network: the response arrives in two packets —
 * the head after the page's latency, the body and EOF 10 ms later — fed to
 * a StreamReader exactly as a socket transport feeds it.
 */
function* simulatedFetch(path: string): Coroutine<Response> {
  const loop = getRunningLoop();
  const reader = new StreamReader();
  const worker = currentTask() as Task<unknown>;
  readers.set(worker, reader);
  const [head, body] = respond(path);
  const latency = LATENCY[path] ?? 0.01;
  loop.callLater(latency, () => {
    note(`network: ${head.length} bytes of ${path} arrive → reader.feedData() → the reader's waiter is done`);
    reader.feedData(head);
  });
  loop.callLater(latency + 0.01, () => {
    note(`network: the body of ${path} (${body.length} bytes) and EOF arrive → reader.feedData(), reader.feedEof()`);
    reader.feedData(body);
    reader.feedEof();
  });
  try {
    return yield* readResponse(reader);
  } finally {
    readers.delete(worker);
  }
}

/** Part 1's narrator: a worker parking on its reader's waiter, and its wakeup going to the ready deque. */
const pathNarrator: Instrument = {
  afterTaskStep(task, yielded) {
    const reader = readers.get(task);
    if (!narrate || reader === undefined || !(yielded instanceof Future)) return;
    const what = yielded === reader._waiter ? "the reader's waiter" : 'a future';
    note(`${task.getName()} parks: its step yielded ${yielded}, ${what}; nothing will step it until that future is done`);
  },
  callbackScheduled(handle) {
    // Every task's wakeup is one function, taskWakeup (lib/tasks.ts), with the task as its argument.
    const task = handle._arg as Task<unknown>;
    if (narrate && handle._callback?.name === 'taskWakeup' && readers.has(task)) note(`  → the future's done callback, ${task.getName()}'s wakeup, joins the ready deque (callSoon)`);
  },
  beforeTaskStep(task) {
    if (narrate && readers.has(task)) note(`the loop runs the wakeup: ${task.getName()} steps, and its coroutine resumes inside readline()/read()`);
  },
};

// ---------------------------------------------------------------------------
// The crawler (the chapter's Crawler class).

interface Report {
  status: number;
  bytes: number;
  note: string;
}

class Crawler {
  readonly q = new Queue<[string, number]>();
  readonly seen = new Set<string>();
  readonly done = new Map<string, Report>();

  constructor(
    readonly fetch: Fetch,
    readonly log: (line: string) => void = () => undefined,
    readonly maxRedirects = 10,
  ) {}

  /** Queues a URL unless it was seen: no yield between the check and the add, so no race. */
  addUrl(url: string, redirectsLeft: number): void {
    if (this.seen.has(url)) return;
    this.seen.add(url);
    this.q.putNowait([url, redirectsLeft]);
  }

  *work(name: string): Coroutine<void> {
    for (;;) {
      const [url, redirectsLeft] = yield* this.q.get(); // idle workers wait here (and are cancelled here)
      try {
        this.log(`${name.padEnd(8)} GET ${url}`);
        yield* this.fetchOne(name, url, redirectsLeft);
      } finally {
        this.q.taskDone(); // even when the fetch failed, or join() would wait forever
      }
    }
  }

  *fetchOne(name: string, url: string, redirectsLeft: number): Coroutine<void> {
    const r = yield* this.fetch(url);
    if (r.status === 301 || r.status === 302) {
      const target = r.headers.get('location') ?? '/';
      const note = redirectsLeft > 0 ? `redirect to ${target}` : `redirect to ${target}: too many redirects`;
      this.done.set(url, { status: r.status, bytes: 0, note });
      const seen = this.seen.has(target);
      this.log(`${name.padEnd(8)} ${url} → ${r.status}, ${note}${redirectsLeft <= 0 ? '' : seen ? ', seen already: the chains merge' : ', queued'}`);
      if (redirectsLeft > 0) this.addUrl(target, redirectsLeft - 1);
      return;
    }
    if (r.status !== 200) {
      this.done.set(url, { status: r.status, bytes: r.body.length, note: 'error page' });
      this.log(`${name.padEnd(8)} ${url} → ${r.status}`);
      return;
    }
    const links = [...r.body.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    const fresh = links.filter((l) => !this.seen.has(l));
    for (const l of links) this.addUrl(l, this.maxRedirects);
    this.done.set(url, { status: r.status, bytes: r.body.length, note: `${links.length} links: ${links.join(' ')}` });
    this.log(`${name.padEnd(8)} ${url} → 200, ${links.length} links${fresh.length > 0 ? `, queued ${fresh.join(' ')}` : ', none new'}`);
  }

  /** Crawls from `root` with `workers` worker tasks until every URL is done. */
  *crawl(root: string, workers: number): Coroutine<void> {
    this.addUrl(root, this.maxRedirects);
    const tasks = Array.from({ length: workers }, (_, i) => createTask(this.work(`worker-${i + 1}`), { name: `worker-${i + 1}` }));
    yield* this.q.join(); // every queued URL fetched and marked done
    for (const t of tasks) t.cancel(); // idle in q.get(): cancel them (the chapter's ending)
    for (const t of tasks) {
      try {
        yield* t;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
    }
  }

  report(): string[] {
    return [...this.done.keys()].sort().map((url) => {
      const r = this.done.get(url)!;
      return `  ${url.padEnd(9)} ${r.status}  ${String(r.bytes).padStart(4)} bytes  ${r.note}`;
    });
  }
}

// ---------------------------------------------------------------------------
// Parts 1 and 2: the simulated network, on the virtual clock.

function* simulated(): Coroutine<void> {
  heading('1. One fetch, followed from the network to the task');
  narrate = true;
  const one = createTask(
    (function* fetchRoot(): Coroutine<void> {
      say('worker-1 GET / — then reads the status line: yield* reader.readline()');
      const r = yield* simulatedFetch('/');
      say(`worker-1 has the whole response: ${r.status}, ${r.body.length} bytes of body`);
    })(),
    { name: 'worker-1' },
  );
  yield* one;
  narrate = false;
  say('Two packets, two waits: each time the coroutine asked for data that had not come, its task parked on');
  say("the reader's waiter; the network finished the waiter; the waiter's done callback woke the task.");

  heading('2. The crawl: three workers, interleaved');
  const crawler = new Crawler(simulatedFetch, say);
  const started = getRunningLoop().time();
  yield* crawler.crawl('/', 3);
  say(`all ${crawler.done.size} URLs done in ${(getRunningLoop().time() - started).toFixed(3)} s; the idle workers were cancelled`);
  simulatedReport = crawler.report();
  console.log('Report (sorted by URL):');
  for (const line of simulatedReport) console.log(line);
  console.log('/go-c is reached twice (from / and through /old-c), but fetched once: the redirect chains merge in `seen`.');
  console.log('While a worker waits for its page, the others run: three fetches take the time of the slowest.');
}

// ---------------------------------------------------------------------------
// Part 3: the same crawler over real sockets, against a real HTTP/1.0 server.

let served = 0;

/** The server side: one HTTP/1.0 request per connection, answered, then close. */
function* serve(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  try {
    const requestLine = decoder.decode(yield* reader.readline()).trim(); // GET /path HTTP/1.0
    for (;;) {
      const header = yield* reader.readline(); // skip headers up to the blank line
      if (header.length === 0 || decoder.decode(header).trim() === '') break;
    }
    served++;
    yield* sleep(0.005); // the server "thinks": lets the workers overlap
    const [head, body] = respond(requestLine.split(' ')[1] ?? '/');
    writer.write(head + body);
    yield* writer.drain();
  } finally {
    writer.close();
  }
}

function* real(): Coroutine<void> {
  const server = yield* startServer(serve, '127.0.0.1', 0);
  const port = server.address().port;
  /** One HTTP/1.0 GET over a fresh TCP connection: Node's socket feeds the StreamReader. */
  function* socketFetch(path: string): Coroutine<Response> {
    const [reader, writer] = yield* openConnection('127.0.0.1', port);
    try {
      writer.write(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`);
      yield* writer.drain();
      return yield* readResponse(reader);
    } finally {
      writer.close();
    }
  }
  const crawler = new Crawler(socketFetch);
  yield* crawler.crawl('/', 3);
  const same = crawler.report().join('\n') === simulatedReport.join('\n');
  console.log(`${crawler.done.size} URLs; the server answered ${served} requests (each URL once, cycles and all);`);
  console.log(`the report is ${same ? 'the same as' : 'NOT the same as'} part 2's.`);
  server.close();
  yield* server.waitClosed();
}

/** Part 2's report, for part 3 to compare with. */
let simulatedReport: string[] = [];
const loop = makeLoop();
loop.addInstrument(pathNarrator);
runVirtual(simulated(), { loop });
heading('3. The same crawler on real sockets (127.0.0.1, port <ephemeral>)');
runReal(real()).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
