/**
 * W8 TCP echo on raw Node `net`: the floor. The same protocol as the tulip
 * and asyncio versions — one `socket.write()` per line, a drain after each
 * batch of 20 (wait for 'drain' when the last write returned false), the
 * server pauses reading while its socket is over Node's high-water mark —
 * with a plain line splitter instead of a StreamReader. Lines are views of
 * Node's chunks where they can be (a line split over two chunks is joined).
 */
import * as net from 'net';
import type { Stopwatch, Workload } from '../harness';
import { ECHO_BATCH, ECHO_CLIENTS, ECHO_LINE, checkEcho, type EchoOutcome } from '../workloads';
import { echoInputs } from '../tulip/echo';

/** Calls `onLine` with each `\n`-terminated line of the chunks fed to it. */
class LineSplitter {
  private pending: Buffer | null = null;
  constructor(private readonly onLine: (line: Buffer) => void) {}

  feed(chunk: Buffer): void {
    let from = 0;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, from)) {
      const part = chunk.subarray(from, i + 1);
      if (this.pending !== null) {
        const line = Buffer.concat([this.pending, part]);
        this.pending = null;
        this.onLine(line);
      } else {
        this.onLine(part);
      }
      from = i + 1;
    }
    if (from < chunk.length) {
      const rest = chunk.subarray(from);
      this.pending = this.pending === null ? rest : Buffer.concat([this.pending, rest]);
    }
  }
}

function serve(sock: net.Socket): void {
  sock.setNoDelay(true);
  const splitter = new LineSplitter((line) => {
    if (!sock.write(line)) sock.pause();
  });
  sock.on('drain', () => sock.resume());
  sock.on('data', (chunk: Buffer) => splitter.feed(chunk));
  sock.on('end', () => sock.end());
  sock.on('error', () => sock.destroy());
}

function client(port: number, data: Buffer, lines: number, outcome: EchoOutcome): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    sock.on('error', reject);
    let received = 0;
    const splitter = new LineSplitter((line) => {
      const j = received++;
      if (Buffer.compare(line, data.subarray(j * ECHO_LINE, (j + 1) * ECHO_LINE)) === 0) outcome.checked++;
      else outcome.mismatches++;
      if (received === lines) sock.end();
    });
    sock.on('data', (chunk: Buffer) => splitter.feed(chunk));
    sock.on('close', () => (received === lines ? resolve() : reject(new Error(`closed after ${received} lines`))));
    let j = 0;
    // As asyncio's drain(): go straight on unless the socket is over its high-water mark.
    const send = (): void => {
      while (j < lines) {
        let ok = true;
        const end = Math.min(lines, j + ECHO_BATCH);
        for (; j < end; j++) ok = sock.write(data.subarray(j * ECHO_LINE, (j + 1) * ECHO_LINE));
        if (!ok && j < lines) {
          sock.once('drain', send);
          return;
        }
      }
    };
    sock.once('connect', send);
  });
}

export const W8: Workload<Buffer[], EchoOutcome> = {
  prepare: echoInputs,
  async once(n, inputs, sw: Stopwatch) {
    const server = net.createServer(serve);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const outcome: EchoOutcome = { checked: 0, mismatches: 0 };
    try {
      sw.start();
      await Promise.all(inputs.map((data) => client(port, data, n / ECHO_CLIENTS, outcome)));
      sw.stop();
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    return outcome;
  },
  check: checkEcho,
};
