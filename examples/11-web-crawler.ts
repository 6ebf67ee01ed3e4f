/**
 * 11 — A web crawler, after "A Web Crawler With asyncio Coroutines"
 *      (Davis & van Rossum, 500 Lines or Less).
 *
 * Hermetic: the program first starts its own little website — an HTTP/1.0
 * server written with tulip's `startServer` — whose pages have link cycles,
 * redirect chains that merge, and a 404. Then it crawls that site the way
 * the chapter does:
 *  - a `Queue` of [url, redirectsLeft] and N worker tasks that loop forever:
 *    `get()`, fetch, `taskDone()`;
 *  - each fetch is a coroutine over `openConnection`: write the request,
 *    read the status line, the headers, and the body to EOF (HTTP/1.0);
 *  - redirects are followed by hand: the target goes back in the queue
 *    (with one redirect less), so two chains leading to the same page merge;
 *  - `seen` makes every URL fetched once, which is what breaks the cycles —
 *    safe without a lock because nothing yields between the check and the add;
 *  - `yield* q.join()` waits until every queued URL is done, then the idle
 *    workers (blocked in `get()`) are cancelled.
 * Workers race, so the report is sorted by URL.
 *
 * Real sockets, real time: the spec normalises timestamps and durations.
 *
 * Run: npx ts-node examples/11-web-crawler.ts
 */
import {
  CancelledError,
  Queue,
  createTask,
  openConnection,
  sleep,
  startServer,
  type Coroutine,
  type StreamReader,
  type StreamWriter,
} from '../lib';
import { heading, intro, runReal, say } from './_shared';

intro(
  '11 — a web crawler (after the 500 Lines chapter)',
  'It starts its own HTTP/1.0 site on 127.0.0.1 port <ephemeral>, then crawls it with 3 workers.',
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

const encoder = new TextEncoder();
const decoder = new TextDecoder();
let served = 0;

/** The server side: one HTTP/1.0 request per connection, answered, then close. */
function* serve(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  try {
    const requestLine = decoder.decode(yield* reader.readline()).trim(); // GET /path HTTP/1.0
    for (;;) {
      const header = yield* reader.readline(); // skip headers up to the blank line
      if (header.length === 0 || decoder.decode(header).trim() === '') break;
    }
    const path = requestLine.split(' ')[1] ?? '/';
    served++;
    yield* sleep(0.02); // the server "thinks": lets the workers overlap
    const page = SITE[path];
    let response: string;
    if (page === undefined) {
      response = 'HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\n\r\n<h1>Not Found</h1>';
    } else if ('redirect' in page) {
      response = `HTTP/1.0 ${page.status} ${page.status === 301 ? 'Moved Permanently' : 'Found'}\r\nLocation: ${page.redirect}\r\n\r\n`;
    } else {
      const body = `<html><body>${page.links.map((l) => `<a href="${l}">${l}</a>`).join(' ')}</body></html>`;
      response = `HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${encoder.encode(body).length}\r\n\r\n${body}`;
    }
    writer.write(response);
    yield* writer.drain();
  } finally {
    writer.close();
  }
}

// ---------------------------------------------------------------------------
// The crawler.

interface Response {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** One HTTP/1.0 GET over a fresh connection. */
function* fetch(port: number, path: string): Coroutine<Response> {
  const [reader, writer] = yield* openConnection('127.0.0.1', port);
  try {
    writer.write(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`);
    yield* writer.drain();
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
  } finally {
    writer.close();
  }
}

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
    readonly port: number,
    readonly maxRedirects = 10,
  ) {}

  /** Queues a URL unless it was seen: no yield between the check and the add, so no race. */
  addUrl(url: string, redirectsLeft: number): void {
    if (this.seen.has(url)) return;
    this.seen.add(url);
    this.q.putNowait([url, redirectsLeft]);
  }

  *work(): Coroutine<void> {
    for (;;) {
      const [url, redirectsLeft] = yield* this.q.get(); // idle workers wait here (and are cancelled here)
      try {
        yield* this.fetchOne(url, redirectsLeft);
      } finally {
        this.q.taskDone(); // even when the fetch failed, or join() would wait forever
      }
    }
  }

  *fetchOne(url: string, redirectsLeft: number): Coroutine<void> {
    const r = yield* fetch(this.port, url);
    if (r.status === 301 || r.status === 302) {
      const target = r.headers.get('location') ?? '/';
      if (redirectsLeft <= 0) {
        this.done.set(url, { status: r.status, bytes: 0, note: `redirect to ${target}: too many redirects` });
        return;
      }
      this.done.set(url, { status: r.status, bytes: 0, note: `redirect to ${target}` });
      this.addUrl(target, redirectsLeft - 1);
      return;
    }
    if (r.status !== 200) {
      this.done.set(url, { status: r.status, bytes: r.body.length, note: 'error page' });
      return;
    }
    const links = [...r.body.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    for (const l of links) this.addUrl(l, this.maxRedirects);
    this.done.set(url, { status: r.status, bytes: r.body.length, note: `${links.length} links: ${links.join(' ')}` });
  }
}

function* main(): Coroutine<void> {
  const server = yield* startServer(serve, '127.0.0.1', 0);
  const port = server.address().port;
  say('site: serving on 127.0.0.1 port <ephemeral>');

  heading('Crawling with 3 workers');
  const crawler = new Crawler(port);
  const started = Date.now();
  crawler.addUrl('/', crawler.maxRedirects);
  const workers = [1, 2, 3].map((i) => createTask(crawler.work(), { name: `worker-${i}` }));
  yield* crawler.q.join(); // every queued URL fetched and marked done
  const elapsed = (Date.now() - started) / 1000;
  for (const w of workers) w.cancel(); // idle in q.get(): cancel them (the chapter's ending)
  for (const w of workers) {
    try {
      yield* w;
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
    }
  }
  say('all URLs done; the idle workers were cancelled');

  heading('Report (sorted by URL)');
  for (const url of [...crawler.done.keys()].sort()) {
    const r = crawler.done.get(url)!;
    console.log(`  ${url.padEnd(9)} ${r.status}  ${String(r.bytes).padStart(4)} bytes  ${r.note}`);
  }
  say(`${crawler.done.size} URLs in ${elapsed.toFixed(3)} s; the server answered ${served} requests: each URL once, cycles and all`);
  say('/go-c is reached twice (from / and through /old-c), but fetched once: the redirect chains merge in `seen`');

  server.close();
  yield* server.waitClosed();
}

runReal(main()).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
