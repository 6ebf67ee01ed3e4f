/**
 * 06 — Callbacks versus coroutines.
 *
 * The same fetch (connect, send the request, read the response in chunks,
 * parse it) written twice on the same loop: once with callbacks, once as a
 * coroutine. Then one response is malformed and the parser throws.
 *
 *  - With callbacks the state lives on an object (locals die when a callback
 *    returns), and the error surfaces in the loop's exception handler with a
 *    stack that says only "the loop called onChunk" — why it was called, and
 *    by whom, is gone ("stack ripping", in "A Web Crawler With asyncio
 *    Coroutines"). The caller never hears about it.
 *  - The coroutine keeps its state in locals, the error travels up through
 *    every `yield*` to a plain try/catch in the caller, and the stack shows
 *    the whole chain: parseResponse ← readResponse ← fetchPage ← main.
 *
 * The network is simulated with timers on the virtual clock.
 *
 * Run: npx ts-node examples/06-callbacks-vs-coroutines.ts [--trace] [--timeline]
 */
import { getRunningLoop, type Coroutine, type EventLoop, type Future } from '../lib';
import { describeError, exampleFrames, heading, intro, makeLoop, runVirtual, say } from './_shared';

const FILE = '06-callbacks-vs-coroutines';

intro(
  '06 — callbacks versus coroutines',
  'One fetch, two styles, one loop. Then a malformed response: who hears about the error?',
);

/** The pretend server: each page arrives in three chunks, 0.2 s apart. */
const PAGES: Record<string, string[]> = {
  '/good': ['HTTP/1.0 200 OK\n', 'Content-Length: 5\n\n', 'hello'],
  '/bad': ['HTTP/1.0 200 OK\n', 'Content-Length: 5\n\n', '\u0000garbage'],
};

/** Parses a response; throws on a body that is not text, like a real parser meeting garbage. */
function parseResponse(raw: string): { status: number; body: string } {
  const [head, body] = raw.split('\n\n');
  const status = Number(head.split(' ')[1]);
  if (body.includes('\u0000')) throw new Error('parse error: NUL byte in the body');
  return { status, body };
}

// ---------------------------------------------------------------------------
// Callback style: every wait ends the function; what must survive goes on an object.

class CallbackFetcher {
  private chunks: string[] = []; // state saved on `this`: locals would not survive between callbacks

  constructor(
    private loop: EventLoop,
    private url: string,
    private done: (result: { status: number; body: string }) => void,
  ) {}

  fetch(): void {
    say(`callbacks: connecting for ${this.url}`);
    this.loop.callLater(0.1, this.connected);
  }

  // Arrow-function fields: callbacks that keep `this`, and show their names in stacks.
  private connected = (): void => {
    say(`callbacks: connected, sending GET ${this.url}`);
    this.loop.callLater(0.2, this.onChunk, 0);
  };

  private onChunk = (i: number): void => {
    this.chunks.push(PAGES[this.url][i]);
    say(`callbacks: chunk ${i + 1}/3 of ${this.url}`);
    if (i < 2) {
      this.loop.callLater(0.2, this.onChunk, i + 1);
      return;
    }
    this.done(parseResponse(this.chunks.join(''))); // a throw here lands in the loop, not in our caller
  };
}

// ---------------------------------------------------------------------------
// Coroutine style: each wait is a `yield*`; state stays in locals.

/** A future the pretend network finishes after `delay` seconds with `value`. */
function arrives<T>(delay: number, value: T): Future<T> {
  const loop = getRunningLoop();
  const fut = loop.createFuture<T>();
  loop.callLater(delay, () => fut.setResult(value));
  return fut;
}

function* readResponse(url: string): Coroutine<{ status: number; body: string }> {
  let raw = '';
  for (let i = 0; i < 3; i++) {
    raw += yield* arrives(0.2, PAGES[url][i]);
    say(`coroutine: chunk ${i + 1}/3 of ${url}`);
  }
  return parseResponse(raw);
}

function* fetchPage(url: string): Coroutine<{ status: number; body: string }> {
  say(`coroutine: connecting for ${url}`);
  yield* arrives(0.1, 'connected');
  say(`coroutine: connected, sending GET ${url}`);
  return yield* readResponse(url);
}

// ---------------------------------------------------------------------------

function* main(): Coroutine<void> {
  const loop = getRunningLoop();
  loop.setExceptionHandler((_loop, context) => {
    say(`exception handler: ${context.message}`);
    say(`  error: ${describeError(context.exception)}`);
    say(`  stack (this file's frames): ${exampleFrames(context.exception, FILE).join(' ← ')} ← (the loop)`);
    say('  main() is not on that stack: it never learns that its fetch failed.');
  });

  heading('1. Both styles fetch /good, side by side on one loop');
  let callbackResult = '';
  new CallbackFetcher(loop, '/good', (r) => (callbackResult = `${r.status} ${JSON.stringify(r.body)}`)).fetch();
  const r = yield* fetchPage('/good');
  say(`coroutine: result ${r.status} ${JSON.stringify(r.body)}`);
  yield* arrives(0.01, null); // let the callback chain finish (it ran in lockstep)
  say(`callbacks: result ${callbackResult}`);

  heading('2. Callbacks meet a malformed response');
  new CallbackFetcher(loop, '/bad', () => say('callbacks: done (never printed)')).fetch();
  yield* arrives(1, null); // main waits a while; nothing tells it the fetch died

  heading('3. The coroutine meets the same malformed response');
  try {
    yield* fetchPage('/bad');
  } catch (e) {
    say(`main: caught ${describeError(e)}`);
    say(`  stack (this file's frames): ${exampleFrames(e, FILE).join(' ← ')}`);
    say('  the whole chain of yield* is on the stack, and a plain try/catch in main caught it.');
  }
}

runVirtual(main(), { loop: makeLoop() });
