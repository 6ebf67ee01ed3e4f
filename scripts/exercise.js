#!/usr/bin/env node
// Checks the build-your-own-asyncio exercises (exercises/README.md).
//
//   npm run exercise              lists the steps, and which of them pass
//   npm run exercise -- 3         runs step 3's specs against your exercises/*.ts
//   npm run exercise -- 3 --solutions   the same against exercises/solutions/
//
// The specs of a step are exercises/specs/NN-*.spec.ts. They run in a child
// mocha (ts-node, transpile-only: start `npm run -s typecheck` for type errors)
// with TULIP_EXERCISES=learner, which exercises/specs/mini.ts reads; the
// results come back as mocha's JSON report. A step also runs the specs of the
// steps it builds on, to tell you when the trouble is further back.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const specDir = path.join(root, 'exercises', 'specs');

const STEPS = [
  {
    n: 1,
    name: 'the Future',
    code: 'exercises/futures.ts: Future',
    needs: [],
    hint: 'A future never calls a callback itself: setResult, setException and cancel hand every callback to this._loop.callSoon(callback, this), and so does addDoneCallback on a future that is done. The iterator yields `this` while pending, then returns this.result().',
  },
  {
    n: 2,
    name: 'the loop',
    code: 'exercises/loop.ts: callSoon, callLater, _runOnce, runUntilComplete',
    needs: [1],
    hint: '_runOnce runs only the handles that were in _ready when it began (count them before the loop). With nothing ready it jumps the clock to the first live timer; with no timer either it throws. runUntilComplete stops from a done callback of the future, and sets runningLoop in a try/finally.',
  },
  {
    n: 3,
    name: 'the Task',
    code: 'exercises/tasks.ts: the Task constructor, _step, _wakeup',
    needs: [1, 2],
    hint: 'The constructor only does loop.callSoon(this._stepFn). _step calls next() or throw(exc) inside try/catch; a yielded Future gets this._wakeupFn as done callback; a bare yield schedules _stepFn again. _wakeup calls future.result() and steps with what it throws.',
  },
  {
    n: 4,
    name: 'sleep',
    code: 'exercises/tasks.ts: sleep',
    needs: [1, 2, 3],
    hint: 'sleep(d): a new Future on getRunningLoop(), loop.callLater(d, …) that sets its result unless it was cancelled, then `return yield* fut`. sleep(0) is just a bare `yield` — no timer.',
  },
  {
    n: 5,
    name: 'gather',
    code: 'exercises/combinators.ts: ensureFuture, gather',
    needs: [1, 2, 3, 4],
    hint: 'One outer Future, and one done callback on every child: return at once if the outer future is done; set the exception if child.result() throws; when the last child has a result, set the results, read from the children in argument order.',
  },
  {
    n: 6,
    name: 'cancellation',
    code: 'exercises/tasks.ts: Task.cancel, the _mustCancel check in _step, sleep’s try/finally',
    needs: [1, 2, 3, 4],
    hint: 'cancel(): if _futWaiter accepts cancel(msg), you are done — its callbacks wake the task with CancelledError. Otherwise set _mustCancel, and let _step turn it into a CancelledError thrown into the coroutine. sleep cancels its timer in a finally.',
  },
  {
    n: 7,
    name: 'a Lock',
    code: 'exercises/locks.ts: Lock.acquire, release',
    needs: [1, 2, 3, 4, 6],
    hint: 'acquire() takes a free lock at once only if no live waiter is queued; otherwise it queues a Future and waits, removing it in a finally. release() wakes only the first waiter. A waiter that gets CancelledError while the lock is free must wake the next one before re-throwing.',
  },
  {
    n: 8,
    name: 'where the loop waits',
    code: 'exercises/loop.ts: the wait in _runOnce, addReader, removeReader, sockRecv',
    needs: [1, 2, 3, 4, 6],
    hint: 'timeout = 0 if _ready is not empty, else the time until the first timer (at least 0), else null. for (const key of this._selector.select(timeout)) this.callSoon(key.callback) — then the due timers, then the ready handles as before.',
  },
];

function specFile(n) {
  const prefix = String(n).padStart(2, '0') + '-';
  const name = fs.readdirSync(specDir).find((f) => f.startsWith(prefix) && f.endsWith('.spec.ts'));
  if (name === undefined) throw new Error(`no spec file exercises/specs/${prefix}*.spec.ts`);
  return path.join('exercises', 'specs', name);
}

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const green = (s) => (color ? `\x1b[32m${s}\x1b[0m` : s);
const red = (s) => (color ? `\x1b[31m${s}\x1b[0m` : s);
const dim = (s) => (color ? `\x1b[2m${s}\x1b[0m` : s);

/** Runs the specs of `steps`; returns Map n → { tests, passed, failed }, or exits with a message. */
function runSpecs(steps, target) {
  const out = path.join(os.tmpdir(), `tulip-exercise-${process.pid}.json`);
  const res = spawnSync(
    process.execPath,
    [require.resolve('mocha/bin/mocha.js'), '--reporter', 'json', '--reporter-option', `output=${out}`, ...steps.map(specFile)],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', TULIP_EXERCISES: target },
    },
  );
  if (res.error && res.error.code === 'ETIMEDOUT') {
    console.log(red('The specs did not finish within 60 s.'));
    console.log('A loop that never ends is the likely cause: runUntilComplete going on although');
    console.log('nothing can happen any more (does _runOnce throw when it would wait forever?),');
    console.log('or a coroutine that yields forever.');
    process.exit(1);
  }
  let report;
  try {
    report = JSON.parse(fs.readFileSync(out, 'utf8'));
    fs.unlinkSync(out);
  } catch {
    console.log(red('The specs could not run:'));
    console.log((res.stderr || res.stdout || '').split('\n').slice(0, 25).join('\n'));
    process.exit(1);
  }
  // report.tests is in the order the specs ran, passed and failed alike.
  const results = new Map(steps.map((n) => [n, { tests: [], passed: [], failed: [] }]));
  for (const test of report.tests) {
    const step = results.get(Number(path.basename(test.file).slice(0, 2)));
    step.tests.push(test);
    step[test.err && Object.keys(test.err).length > 0 ? 'failed' : 'passed'].push(test);
  }
  return results;
}

/** The error of a failed spec, in a few lines, with the first place in the exercise files it points at. */
function describeFailure(err) {
  const lines = String(err.message || err).split('\n').slice(0, 8).map((l) => `      ${l}`);
  const where = String(err.stack || '')
    .split('\n')
    .map((l) => l.match(/([^\s(]*exercises[\\/](?!specs[\\/])[^\s:()]+:\d+):\d+\)?\s*$/))
    .find((m) => m);
  if (where) lines.push(dim(`      at ${path.isAbsolute(where[1]) ? path.relative(root, where[1]) : where[1]}`));
  return lines.join('\n');
}

function list(target) {
  const results = runSpecs(STEPS.map((s) => s.n), target);
  const whose = target === 'learner' ? 'exercises/*.ts' : 'exercises/solutions/';
  console.log(`Build your own asyncio in ${STEPS.length} steps (exercises/README.md). Checking ${whose}:\n`);
  let next = null;
  for (const step of STEPS) {
    const { passed, failed } = results.get(step.n);
    const total = passed.length + failed.length;
    const done = failed.length === 0;
    if (!done && next === null) next = step;
    const mark = done ? green('passes'.padEnd(18)) : `${passed.length}/${total} specs pass`.padEnd(18);
    console.log(`  ${String(step.n).padStart(2)}  ${step.name.padEnd(22)} ${mark}  ${dim(step.code)}`);
  }
  console.log('');
  if (next === null) console.log(green('Every step passes: you have built a miniature asyncio. Now compare it with lib/.'));
  else console.log(`Next: step ${next.n}, ${next.name} — npm run exercise -- ${next.n}`);
}

function check(step, target) {
  const results = runSpecs([...step.needs, step.n], target);
  const { tests, passed, failed } = results.get(step.n);
  const whose = target === 'learner' ? 'your code' : 'reference';
  console.log(`Step ${step.n} — ${step.name}`);
  console.log(`  ${whose}: ${target === 'learner' ? step.code : step.code.replace('exercises/', 'exercises/solutions/')}`);
  console.log(`  specs:     ${specFile(step.n)}\n`);
  for (const test of tests) {
    if (passed.includes(test)) console.log(`  ${green('✓')} ${test.title}`);
    else console.log(`  ${red('✗')} ${test.title}\n${describeFailure(test.err)}`);
  }
  const total = passed.length + failed.length;
  console.log('');
  const behind = step.needs.filter((n) => results.get(n).failed.length > 0);
  if (failed.length === 0) {
    console.log(green(`${total} of ${total} specs pass: step ${step.n} is done.`));
    if (target === 'learner') console.log(dim(`A reference solution to compare with: ${step.code.replace(/^exercises\/(\S+?):.*$/, 'exercises/solutions/$1')}`));
    const next = STEPS.find((s) => s.n === step.n + 1);
    if (next) console.log(`Next: step ${next.n}, ${next.name} — npm run exercise -- ${next.n}`);
  } else {
    console.log(red(`${passed.length} of ${total} specs pass.`));
    console.log(`Hint: ${step.hint}`);
  }
  if (behind.length > 0) {
    const list = behind.map((n) => `step ${n} (${results.get(n).failed.length} failing)`).join(', ');
    console.log(`Note: step ${step.n} builds on steps ${step.needs.join(', ')}; these do not pass yet: ${list}. Start with npm run exercise -- ${behind[0]}`);
  }
  return failed.length === 0;
}

const args = process.argv.slice(2);
const target = args.includes('--solutions') ? 'solutions' : 'learner';
const rest = args.filter((a) => a !== '--solutions');
if (rest.includes('--help') || rest.includes('-h')) {
  console.log('usage: npm run exercise [-- STEP] [--solutions]\n  without STEP: list the steps and which pass');
  process.exit(0);
}
if (rest.length === 0) {
  list(target);
} else {
  const step = STEPS.find((s) => String(s.n) === rest[0].replace(/^0/, ''));
  if (step === undefined) {
    console.error(`no step '${rest[0]}': the steps are 1 to ${STEPS.length} (npm run exercise lists them)`);
    process.exit(2);
  }
  process.exit(check(step, target) ? 0 : 1);
}
