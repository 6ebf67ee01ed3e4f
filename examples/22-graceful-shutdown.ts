/**
 * 22 — Graceful shutdown: SIGTERM (or Ctrl-C) stops a server cleanly.
 *
 * What a service does when its supervisor (systemd, Kubernetes, you at the
 * keyboard) asks it to stop:
 *  - `loop.addSignalHandler('SIGTERM', …)` and `('SIGINT', …)` turn the
 *    signal into an ordinary callback on the loop, which sets an Event;
 *  - main waits for that Event instead of serving forever; then
 *  - `server.close()` stops accepting (a new client is refused at once),
 *  - the requests already in flight finish and get their answers, and
 *    `server.waitClosed()` returns once every accepted connection is gone,
 *  - the handlers are removed, and the program ends normally (exit code 0).
 * To be deterministic it sends itself SIGTERM (as `kill <pid>` would) once
 * three requests are in flight. Run it and press Ctrl-C before that to see
 * the same shutdown start from SIGINT.
 *
 * Real sockets, real signals, real time: the spec normalises timestamps
 * (t=#.###). The port is printed as `<ephemeral>`.
 *
 * Run: npx ts-node examples/22-graceful-shutdown.ts
 */
import { Event, createTask, getRunningLoop, openConnection, sleep, startServer, type Coroutine, type StreamReader, type StreamWriter, type Task } from '../lib';
import { intro, runReal, say } from './_shared';

intro(
  '22 — graceful shutdown',
  'SIGTERM or Ctrl-C: stop accepting, let the requests in flight finish, then close.',
);

const decoder = new TextDecoder();
const REQUESTS = [1.5, 1.0, 0.5]; // seconds of work each; they finish in the opposite order
let accepted = 0;
const allInFlight = new Event();

/** One request per connection: acknowledge it, do the work, answer, hang up. */
function* handle(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  const line = decoder.decode(yield* reader.readline()).trim(); // "work 1.5"
  const id = ++accepted;
  const seconds = Number(line.split(' ')[1]);
  writer.write('accepted\n');
  yield* writer.drain();
  if (id === REQUESTS.length) allInFlight.set();
  yield* allInFlight.wait(); // the work starts together, so it ends in a fixed order
  yield* sleep(seconds); // the work: a shutdown must not cut it short
  say(`server: request ${id} (work ${seconds}) done, answering`);
  writer.write(`done: ${line}\n`);
  writer.close();
  yield* writer.waitClosed();
}

/** A client: send one request, wait until it is accepted, then (in a task of its own) for the answer. */
function* client(id: number, port: number, seconds: number): Coroutine<Task<void>> {
  const [reader, writer] = yield* openConnection('127.0.0.1', port);
  writer.write(`work ${seconds}\n`);
  say(`client ${id}: sent "work ${seconds}", ${decoder.decode(yield* reader.readline()).trim()}`);
  return createTask(
    (function* (): Coroutine<void> {
      const answer = decoder.decode(yield* reader.readline()).trim();
      say(`client ${id}: got "${answer}"`);
      writer.close();
    })(),
    { name: `client-${id}` },
  );
}

function* main(): Coroutine<void> {
  const loop = getRunningLoop();
  const server = yield* startServer(handle, '127.0.0.1', 0);
  const port = server.address().port;
  const stop = new Event();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    loop.addSignalHandler(sig, () => {
      say(`server: ${sig} received — shutting down`);
      stop.set();
    });
  }
  say('server: listening on 127.0.0.1 port <ephemeral>, with handlers for SIGTERM and SIGINT');

  const waiting: Task<void>[] = [];
  for (const [i, seconds] of REQUESTS.entries()) waiting.push(yield* client(i + 1, port, seconds));

  say('main: 3 requests in flight — sending ourselves SIGTERM');
  process.kill(process.pid, 'SIGTERM');

  yield* stop.wait(); // a real server would serve here until the signal comes
  server.close();
  say('server: stopped accepting (server.close())');
  try {
    yield* openConnection('127.0.0.1', port);
  } catch (e) {
    say(`late client: refused (${(e as NodeJS.ErrnoException).code})`);
  }
  yield* server.waitClosed();
  for (const task of waiting) yield* task;
  say('server: every request answered, every connection closed (server.waitClosed())');
  for (const sig of ['SIGTERM', 'SIGINT'] as const) loop.removeSignalHandler(sig);
  say('server: signal handlers removed; exiting normally');
}

runReal(main()).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
