/**
 * 19 — A subprocess pipeline, and back-pressure through it.
 *
 * A child process's pipes are streams: `stdin` a StreamWriter, `stdout` and
 * `stderr` StreamReaders — the same streams as sockets (12, 13). A shell
 * pipeline `words | sort | uniq -c` is therefore three children and two
 * small pump tasks, each copying one child's stdout into the next child's
 * stdin, chunk by chunk, closing the pipe (`writeEof()`) at the end.
 *
 * The pumps' `yield* drain()` is what makes this safe: it waits while the
 * next child reads more slowly than the previous one writes, so the parent
 * never holds more than the pipe's high-water mark (64 KiB) plus the chunk
 * it just wrote. Part 2 shows it with a fast writer and a slow reader: with
 * `drain()` the buffer stays that small; without it, the parent ends up
 * holding most of the data the reader has not taken yet. (`communicate()`, exit codes and errors are in docs/io.md.)
 *
 * Real processes (`node -e …`, the system's `sort` and `uniq`): the spec
 * normalises timestamps and durations; no pids are printed.
 *
 * Run: npx ts-node examples/19-subprocess-pipeline.ts
 */
import { PIPE, createSubprocessExec, createTask, type Coroutine, type StreamReader, type StreamWriter } from '../lib';
import { heading, intro, runReal, say } from './_shared';

intro(
  '19 — a subprocess pipeline, and back-pressure through it',
  'words | sort | uniq -c from three child processes and two pump tasks; then a fast writer and a slow reader.',
);

const decoder = new TextDecoder();
const NODE = process.execPath;
const WORDS = 'the cat sat on the mat the end the cat ran';

/** What a pump saw: bytes copied, and the most the parent held for the next child at once. */
interface PumpReport {
  bytes: number;
  mostBuffered: number;
}

/** Copies a reader into a writer until EOF, then closes the writer's side (the next child sees EOF). */
function* pump(from: StreamReader, to: StreamWriter, useDrain = true): Coroutine<PumpReport> {
  let bytes = 0;
  let mostBuffered = 0;
  for (;;) {
    const chunk = yield* from.read(64 * 1024);
    if (chunk.length === 0) break; // EOF
    to.write(chunk);
    mostBuffered = Math.max(mostBuffered, to.transport.getWriteBufferSize());
    if (useDrain) yield* to.drain(); // wait while the next child is slow to read
    bytes += chunk.length;
  }
  to.writeEof();
  return { bytes, mostBuffered };
}

const MB = 4;
/** Writes MB megabytes to stdout as fast as it can. */
const FAST_WRITER = `const line = 'x'.repeat(1023) + '\\n'; for (let i = 0; i < ${MB} * 1024; i++) process.stdout.write(line);`;
/** Reads stdin slowly (a pause after every chunk), then says how much it read. */
const SLOW_READER =
  "let n = 0; process.stdin.on('data', (d) => { n += d.length; process.stdin.pause(); setTimeout(() => process.stdin.resume(), 5); }); process.stdin.on('end', () => console.log(n));";

function* fastIntoSlow(useDrain: boolean): Coroutine<void> {
  const writer = yield* createSubprocessExec(NODE, ['-e', FAST_WRITER], { stdout: PIPE });
  const reader = yield* createSubprocessExec(NODE, ['-e', SLOW_READER], { stdin: PIPE, stdout: PIPE });
  const copying = createTask(pump(writer.stdout!, reader.stdin!, useDrain), { name: 'pump' });
  const readerSaid = decoder.decode(yield* reader.stdout!.read()).trim();
  const report = yield* copying;
  yield* writer.wait();
  yield* reader.wait();
  const kib = Math.round(report.mostBuffered / 1024);
  const highKiB = Math.round(reader.stdin!.transport.getWriteBufferLimits()[1] / 1024);
  say(`${useDrain ? 'with drain()   ' : 'without drain()'}: copied ${report.bytes / 1024 / 1024} MB (the reader got ${Number(readerSaid) / 1024 / 1024} MB)`);
  say(
    useDrain
      ? `  the parent never held more than the high-water mark (${highKiB} KiB) plus one chunk (64 KiB): ${kib <= highKiB + 64 ? 'yes' : `no, ${kib} KiB (?)`}`
      : `  the parent held ${kib > 1024 ? 'over 1 MB' : `only ${kib} KiB (?)`} at once: everything the slow reader had not taken yet`,
  );
}

function* main(): Coroutine<void> {
  heading('1. Three children, two pumps: words | sort | uniq -c');
  const words = yield* createSubprocessExec(NODE, ['-e', `for (const w of ${JSON.stringify(WORDS)}.split(' ')) console.log(w)`], { stdout: PIPE });
  const sort = yield* createSubprocessExec('sort', [], { stdin: PIPE, stdout: PIPE });
  const uniq = yield* createSubprocessExec('uniq', ['-c'], { stdin: PIPE, stdout: PIPE });
  say('started words, sort and uniq -c');
  const pumps = [
    createTask(pump(words.stdout!, sort.stdin!), { name: 'pump words → sort' }),
    createTask(pump(sort.stdout!, uniq.stdin!), { name: 'pump sort → uniq' }),
  ];
  const result = decoder.decode(yield* uniq.stdout!.read());
  for (const p of pumps) say(`${p.getName()}: copied ${(yield* p).bytes} bytes, then closed the pipe`);
  const codes = [yield* words.wait(), yield* sort.wait(), yield* uniq.wait()];
  say(`exit codes: words ${codes[0]}, sort ${codes[1]}, uniq ${codes[2]}`);
  say('uniq -c says:');
  for (const line of result.trimEnd().split('\n')) console.log(`    ${line.trim().replace(/^(\d+)\s+/, '$1 × ')}`);

  heading(`2. Back-pressure: ${MB} MB from a fast writer into a slow reader`);
  yield* fastIntoSlow(true);
  yield* fastIntoSlow(false);
}

runReal(main()).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
