/**
 * W8 TCP echo on tulip, as a user runs it: `run()` (the real clock, the
 * async driver), the streams API on both sides. Compare with `w8` in
 * bench/python/echo.py and bench/native/echo.ts.
 */
import { createTask, openConnection, run, startServer, type Coroutine, type StreamReader, type StreamWriter } from '../../lib';
import type { Server } from '../../lib/servers';
import type { Stopwatch, Workload } from '../harness';
import { ECHO_BATCH, ECHO_CLIENTS, ECHO_LINE, checkEcho, echoLines, type EchoOutcome } from '../workloads';

/** The server's handler: readline → write → drain, until EOF; then close. */
function* echo(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  for (;;) {
    const line = yield* reader.readline();
    if (line.length === 0) break;
    writer.write(line);
    yield* writer.drain();
  }
  writer.close();
}

/** One write() per line, a drain() after every batch. */
function* send(writer: StreamWriter, data: Buffer, lines: number): Coroutine<void> {
  for (let j = 0; j < lines; j++) {
    writer.write(data.subarray(j * ECHO_LINE, (j + 1) * ECHO_LINE));
    if ((j + 1) % ECHO_BATCH === 0 || j === lines - 1) yield* writer.drain();
  }
}

/** A client: sends its lines (a task of its own) while it reads the echoes back and checks each. */
function* client(port: number, data: Buffer, lines: number, outcome: EchoOutcome): Coroutine<void> {
  const [reader, writer] = yield* openConnection('127.0.0.1', port);
  const sender = createTask(send(writer, data, lines));
  for (let j = 0; j < lines; j++) {
    const line = yield* reader.readline();
    if (Buffer.compare(line, data.subarray(j * ECHO_LINE, (j + 1) * ECHO_LINE)) === 0) outcome.checked++;
    else outcome.mismatches++;
  }
  yield* sender;
  writer.close();
  yield* writer.waitClosed();
}

function* main(n: number, inputs: Buffer[], sw: Stopwatch): Coroutine<EchoOutcome> {
  const server: Server = yield* startServer(echo, '127.0.0.1', 0);
  const port = (server.sockets[0].address() as { port: number }).port;
  const lines = n / ECHO_CLIENTS;
  const outcome: EchoOutcome = { checked: 0, mismatches: 0 };
  try {
    sw.start();
    const clients = inputs.map((data) => createTask(client(port, data, lines, outcome)));
    for (const c of clients) yield* c;
    sw.stop();
  } finally {
    server.close();
    yield* server.waitClosed();
  }
  return outcome;
}

/** Each client's lines, made before any run. */
export function echoInputs(n: number): Buffer[] {
  const lines = n / ECHO_CLIENTS;
  if (!Number.isInteger(lines)) throw new Error(`W8 needs N a multiple of ${ECHO_CLIENTS}, got ${n}`);
  return Array.from({ length: ECHO_CLIENTS }, (_, c) => echoLines(c, lines));
}

export const W8: Workload<Buffer[], EchoOutcome> = {
  prepare: echoInputs,
  once: (n, inputs, sw) => run(main(n, inputs, sw)),
  check: checkEcho,
};
