/**
 * 12 — An echo server: one task per connection.
 *
 * The classic first network program of every coroutine tutorial (pyos,
 * concurrencylive, curio's echoserv), and its one idea: the server does not
 * juggle its clients. `startServer(handle, '127.0.0.1', 0)` runs
 * `handle(reader, writer)` as a new Task for every connection, and each
 * handler is written as if it had its client to itself — read a line
 * (`yield* reader.readline()` parks the task until one arrives), write it
 * back, repeat. A client that says nothing costs a parked task, nothing
 * more: it holds up no one.
 *  - part 1: a quiet client and a busy one; the busy one is served while
 *    the quiet one's handler waits, as the task tree shows;
 *  - part 2: three clients at once, three handler tasks.
 * The streams API itself (`openConnection`, `write`/`drain`, closing) is in
 * docs/io.md. The port is printed as `<ephemeral>`.
 *
 * Real sockets, real time: the spec normalises timestamps (t=#.###).
 *
 * Run: npx ts-node examples/12-echo-server.ts
 */
import {
  Event,
  createTask,
  currentTask,
  formatTaskTree,
  gather,
  getRunningLoop,
  openConnection,
  sleep,
  startServer,
  type Coroutine,
  type StreamReader,
  type StreamWriter,
} from '../lib';
import { heading, intro, loopEpoch, runReal, say } from './_shared';

intro(
  '12 — an echo server: one task per connection',
  'Each connection gets its own Task: read a line, write it back, until the client hangs up.',
);

const decoder = new TextDecoder();
let quiet = false; // part 2 runs clients concurrently: the server keeps its log to itself then
let clients = 0;
let connected = 0;
let mostAtOnce = 0;
const arrived = new Event(); // set when a handler starts: part 1 connects its clients one after the other
const gone = new Map<number, Event>(); // set when the handler of client N is done

/** The server's side of one connection: runs as its own Task. */
function* handleClient(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  const id = ++clients;
  currentTask()?.setName(`handler-${id}`);
  connected++;
  mostAtOnce = Math.max(mostAtOnce, connected);
  gone.set(id, new Event());
  if (!quiet) say(`server: client ${id} connected — a new Task, handler-${id}, serves it`);
  arrived.set();
  try {
    for (;;) {
      const line = yield* reader.readline(); // suspends until a whole line (or EOF) has arrived
      if (line.length === 0) break; // EOF: the client closed its side
      const text = decoder.decode(line).trimEnd();
      if (!quiet) say(`server: client ${id} says ${JSON.stringify(text)}`);
      writer.write(`echo: ${text}\n`);
      yield* writer.drain();
    }
    if (!quiet) say(`server: client ${id} hung up`);
  } finally {
    connected--;
    writer.close();
    yield* writer.waitClosed();
    gone.get(id)!.set();
  }
}

/** Part 2 pauses every client after its first echo, so the task tree can be printed at a known moment. */
const allConnected = new Event();
const carryOn = new Event();
let pausedClients = 0;

/** A client: connect, send lines (a pause before each), read each echo. */
function* client(name: string, lines: string[], pause: number, pauseAfterFirst = false): Coroutine<string[]> {
  const [reader, writer] = yield* openConnection('127.0.0.1', port);
  const echoes: string[] = [];
  for (const text of lines) {
    yield* sleep(pause);
    writer.write(`${text}\n`);
    yield* writer.drain();
    const echo = decoder.decode(yield* reader.readline()).trimEnd();
    if (!quiet) say(`${name}: sent ${JSON.stringify(text)}, got back ${JSON.stringify(echo)}`);
    echoes.push(echo);
    if (pauseAfterFirst && echoes.length === 1) {
      if (++pausedClients === 3) allConnected.set();
      yield* carryOn.wait();
    }
  }
  writer.close();
  yield* writer.waitClosed();
  return echoes;
}

let port = 0;

/** Connects a client and waits until its handler task has started (so the logs come in order). */
function* connect(name: string): Coroutine<[StreamReader, StreamWriter]> {
  arrived.clear();
  const pair = yield* openConnection('127.0.0.1', port);
  yield* arrived.wait();
  return pair;
}

/** Sends one line and reads its echo. */
function* exchange(name: string, reader: StreamReader, writer: StreamWriter, text: string): Coroutine<void> {
  writer.write(`${text}\n`);
  yield* writer.drain();
  const echo = decoder.decode(yield* reader.readline()).trimEnd();
  say(`${name}: sent ${JSON.stringify(text)}, got back ${JSON.stringify(echo)}`);
}

/** Prints the loop's task tree, with times as stamp() shows them. */
function printTree(): void {
  const loop = getRunningLoop();
  const tree = formatTaskTree(loop).replace(/t=(\d+\.\d+)/g, (_, t: string) => `t=${(Number(t) - loopEpoch(loop)).toFixed(3)}`);
  for (const line of tree.split('\n')) console.log(`    ${line}`);
}

function* main(): Coroutine<void> {
  const server = yield* startServer(handleClient, '127.0.0.1', 0);
  port = server.address().port;
  say(`server: listening on 127.0.0.1 port <ephemeral>`);

  heading('1. A quiet client does not hold up a busy one');
  const [quietReader, quietWriter] = yield* connect('quiet');
  say('quiet: connected, and says nothing yet');
  const [busyReader, busyWriter] = yield* connect('busy');
  for (const text of ['a', 'b', 'c']) yield* exchange('busy', busyReader, busyWriter, text);
  say("the task tree: handler-1 still waits for quiet's first line; handler-2 waits for busy's next one");
  printTree();
  yield* exchange('quiet', quietReader, quietWriter, 'hello, at last');
  for (const [id, writer] of [[1, quietWriter], [2, busyWriter]] as const) {
    writer.close(); // EOF for the handler: it ends
    yield* writer.waitClosed();
    yield* gone.get(id)!.wait();
  }

  heading('2. Three clients at once');
  quiet = true;
  const tree = createTask(
    (function* peek(): Coroutine<void> {
      yield* allConnected.wait(); // every client has had its first echo and waits for carryOn
      say('the task tree while they are connected: three clients in a gather, three handler tasks');
      printTree();
      carryOn.set();
    })(),
    { name: 'peek' },
  );
  const results = yield* gather([
    createTask(client('alice', ['a1', 'a2', 'a3'], 0.1, true), { name: 'alice' }),
    createTask(client('bob', ['b1', 'b2', 'b3'], 0.1, true), { name: 'bob' }),
    createTask(client('carol', ['c1', 'c2', 'c3'], 0.1, true), { name: 'carol' }),
  ]);
  yield* tree;
  for (const [i, name] of ['alice', 'bob', 'carol'].entries()) say(`${name} got back: ${results[i].join(' | ')}`);
  say(`server: served ${clients} connections so far, at most ${mostAtOnce} at once`);

  server.close(); // stop listening
  yield* server.waitClosed();
  say('server: closed');
}

runReal(main()).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
