/**
 * `npm start`: a short guided tour of tulip — five of the examples, run one
 * after another, each with a heading saying what to look for.
 *
 * `npm start` runs this file with ts-node, which type-checks it; the stops
 * then run in one child process (this file again, with `--stops`, under
 * ts-node's fast transpile-only mode), which loads tulip once and runs each
 * example by requiring it. Everything runs on the virtual clock, so the tour
 * takes a few seconds. Task numbers (`Task-7`) differ from running each
 * example alone, since the stops share one process.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');

interface Stop {
  file: string;
  why: string;
}

/** The stops, in order; a stop whose example is missing is skipped. */
const STOPS: Stop[] = [
  {
    file: '02-be-the-kernel',
    why: 'A coroutine waits by yielding a Future. Play the event loop yourself, by hand.',
  },
  {
    file: '03-task-trampoline',
    why: 'A Task does the same by rule: step, park on a Future, get woken by its done callback.',
  },
  {
    file: '04-countdown-countup',
    why: 'Two tasks, one timer heap, virtual time: six seconds of sleeping in no time at all.',
  },
  {
    file: '07-yield-star-mistakes',
    why: 'Forget the * in yield* and tulip tells you what you wrote and what to write instead.',
  },
  {
    file: '16-dining-philosophers',
    why: 'A deadlock that does not hang: the loop sees nobody can make progress and says who waits for whom.',
  },
];

const stops = STOPS.filter((s) => fs.existsSync(path.join(root, 'examples', `${s.file}.ts`)));

/** In the child: each stop's heading, then the example itself (it runs when it is loaded). */
function runStops(): void {
  stops.forEach((stop, i) => {
    console.log(`\n━━━ Stop ${i + 1} of ${stops.length}: examples/${stop.file}.ts ━━━`);
    console.log(stop.why);
    console.log('');
    try {
      require(path.join(__dirname, stop.file));
    } catch (e) {
      console.error(`(examples/${stop.file}.ts failed: ${e instanceof Error ? e.message : String(e)}; the tour goes on)`);
      process.exitCode = 1;
    }
  });
}

if (process.argv.includes('--stops')) {
  runStops();
} else {
  console.log('tulip — a guided tour');
  console.log("Python's asyncio rebuilt on TypeScript generators: coroutines are function*,");
  console.log('they wait with yield*, a Task steps them, and the loop is a ready deque plus a timer heap.');
  const res = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join('examples', 'tour.ts'), '--stops'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (res.status !== 0) process.exitCode = res.status ?? 1;
  console.log('\n━━━ End of the tour ━━━');
  console.log('examples/README.md lists every example, what it teaches and how to run it:');
  console.log('  npm run example -- NAME            e.g. npm run example -- 08');
  console.log('  npm run example -- NAME --trace    the same, with the Tracer narrating the run');
  console.log('docs/internals.md follows one value from `yield* fut` through the Task and the loop and back.');
}
