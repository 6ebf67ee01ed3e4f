/**
 * 10 — An echo server on real sockets (startServer, openConnection).
 *
 * The classic first network program of every coroutine tutorial (pyos,
 * concurrencylive, curio's echoserv), with tulip's streams:
 *  - `startServer(handle, '127.0.0.1', 0)` listens (port 0: the OS picks a
 *    free port) and runs `handle(reader, writer)` as a new Task for every
 *    connection — one task per client, no threads, no callbacks;
 *  - `yield* reader.readline()` waits for a line (an empty result is EOF);
 *    `writer.write(data)` buffers, `yield* writer.drain()` waits until the
 *    socket has taken it (back-pressure);
 *  - `openConnection(host, port)` is the client side: the same reader/writer pair.
 * While the three clients of part 2 are connected, the task tree shows one
 * handler task per connection. The port is printed as `<ephemeral>`.
 *
 * Real sockets, real time: the spec normalises timestamps (t=#.###).
 *
 * Run: npx ts-node examples/10-echo-server.ts
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
  '10 — an echo server on real sockets',
  'One task per connection: read a line, write it back, until the client hangs up.',
);

const decoder = new TextDecoder();
let quiet = false; // part 2 runs clients concurrently: the server keeps its log to itself then
let clients = 0;
let connected = 0;
let mostAtOnce = 0;
const firstClientGone = new Event(); // set when client 1's handler is done, so part 2 starts after it

/** The server's side of one connection: runs as its own Task. */
function* handleClient(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  const id = ++clients;
  currentTask()?.setName(`handler-${id}`);
  connected++;
  mostAtOnce = Math.max(mostAtOnce, connected);
  if (!quiet) say(`server: client ${id} connected — a new Task handles it`);
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
    if (id === 1) firstClientGone.set();
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

function* main(): Coroutine<void> {
  const server = yield* startServer(handleClient, '127.0.0.1', 0);
  port = server.address().port;
  say(`server: listening on 127.0.0.1 port <ephemeral>`);

  heading('1. One client, three lines');
  yield* client('client', ['hello', 'how are you?', 'bye'], 0.05);
  yield* firstClientGone.wait(); // until the server has seen the hang-up

  heading('2. Three clients at once');
  quiet = true;
  const tree = createTask(
    (function* peek(): Coroutine<void> {
      yield* allConnected.wait(); // every client has had its first echo and waits for carryOn
      say('the task tree while they are connected: three clients in a gather, three handler tasks');
      const loop = getRunningLoop();
      const tree = formatTaskTree(loop).replace(/t=(\d+\.\d+)/g, (_, t: string) => `t=${(Number(t) - loopEpoch(loop)).toFixed(3)}`); // times as stamp() shows them
      for (const line of tree.split('\n')) console.log(`    ${line}`);
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

  heading('3. Shutting down');
  server.close(); // stop listening
  yield* server.waitClosed();
  say('server: closed');
}

runReal(main()).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
