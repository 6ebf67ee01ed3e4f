/**
 * 17 — A subprocess pipeline (createSubprocessExec).
 *
 * `yield* createSubprocessExec(program, args, { stdin: PIPE, stdout: PIPE })`
 * starts a child process and gives a Process whose `stdin` is a
 * StreamWriter and whose `stdout`/`stderr` are StreamReaders — the same
 * streams as sockets (10, 11). So a shell pipeline `words | sort | uniq -c`
 * is three children and two small pump tasks, each copying one child's
 * stdout into the next one's stdin, chunk by chunk, with `drain()` for
 * back-pressure and `writeEof()` — closing the pipe — at the end.
 * `communicate(input)` is the shortcut for a single child; `wait()` gives
 * the exit code.
 *
 * The children are `node -e …` scripts and the system's `sort` and `uniq`.
 * Real processes: the spec normalises timestamps; no pids are printed.
 *
 * Run: npx ts-node examples/17-subprocess-pipeline.ts
 */
import { PIPE, createSubprocessExec, createTask, type Coroutine, type StreamReader, type StreamWriter } from '../lib';
import { heading, intro, runReal, say } from './_shared';

intro(
  '17 — a subprocess pipeline',
  'words | sort | uniq -c, built from three child processes and two pump tasks.',
);

const decoder = new TextDecoder();
const NODE = process.execPath;
const WORDS = 'the cat sat on the mat the end the cat ran';

/** Copies a reader into a writer until EOF, then closes the writer's side (the next child sees EOF). */
function* pump(name: string, from: StreamReader, to: StreamWriter): Coroutine<number> {
  let total = 0;
  for (;;) {
    const chunk = yield* from.read(64 * 1024);
    if (chunk.length === 0) break; // EOF
    to.write(chunk);
    yield* to.drain(); // wait while the next child is slow to read
    total += chunk.length;
  }
  to.writeEof();
  say(`pump ${name}: copied ${total} bytes, then closed the pipe`);
  return total;
}

function* main(): Coroutine<void> {
  heading('1. One child: communicate(input)');
  const upper = yield* createSubprocessExec(NODE, ['-e', "process.stdin.pipe(require('stream').Transform({transform(c,e,cb){cb(null,String(c).toUpperCase())}})).pipe(process.stdout)"], {
    stdin: PIPE,
    stdout: PIPE,
  });
  const [out] = yield* upper.communicate('hello from the parent\n');
  say(`child wrote ${JSON.stringify(decoder.decode(out!))}; exit code ${upper.returncode}`);

  heading('2. Three children, two pumps: words | sort | uniq -c');
  const words = yield* createSubprocessExec(NODE, ['-e', `for (const w of ${JSON.stringify(WORDS)}.split(' ')) console.log(w)`], { stdout: PIPE });
  const sort = yield* createSubprocessExec('sort', [], { stdin: PIPE, stdout: PIPE });
  const uniq = yield* createSubprocessExec('uniq', ['-c'], { stdin: PIPE, stdout: PIPE });
  say('started words, sort and uniq -c');
  const pumps = [
    createTask(pump('words → sort', words.stdout!, sort.stdin!), { name: 'pump-1' }),
    createTask(pump('sort → uniq', sort.stdout!, uniq.stdin!), { name: 'pump-2' }),
  ];
  const result = decoder.decode(yield* uniq.stdout!.read());
  for (const p of pumps) yield* p;
  const codes = [yield* words.wait(), yield* sort.wait(), yield* uniq.wait()];
  say(`exit codes: words ${codes[0]}, sort ${codes[1]}, uniq ${codes[2]}`);
  say('uniq -c says:');
  for (const line of result.trimEnd().split('\n')) console.log(`    ${line.trim().replace(/^(\d+)\s+/, '$1 × ')}`);

  heading('3. A child that fails');
  const failing = yield* createSubprocessExec(NODE, ['-e', "console.error('something went wrong'); process.exit(3)"], { stderr: PIPE });
  const [, err] = yield* failing.communicate();
  say(`exit code ${failing.returncode}; its stderr: ${JSON.stringify(decoder.decode(err!).trim())}`);
}

runReal(main()).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
