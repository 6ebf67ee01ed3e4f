// lib/sigint.ts: Ctrl-C during run() and Runner.run(), driven through real
// child processes (spec/fixtures/ctrl-c.ts) that get a real SIGINT, and
// checked in this process for when tulip steps in and when it must not.
import { expect } from 'chai';
import { run, runSync, sleep, type Coroutine } from '../lib';
import { runFixture, type FixtureResult } from './support';

/** Runs the fixture in `mode`, sending SIGINT at "ready" (and again at "cleanup: started" if `twice`). */
function ctrlC(mode: string, twice = false): Promise<FixtureResult> {
  return runFixture('ctrl-c', [mode], (line, child) => {
    if (line === 'ready' || (twice && line === 'cleanup: started')) child.kill('SIGINT');
  });
}

describe('sigint: Ctrl-C during run(), as CPython’s Runner', function () {
  this.timeout(120_000); // child processes start slowly on a busy machine

  it('the first SIGINT cancels the main task, its cleanup runs (awaits included), and an unhandled KeyboardInterrupt ends the process by SIGINT', async () => {
    const { lines, code, signal } = await ctrlC('unhandled');
    const stdout = lines.filter((l) => !l.startsWith('stderr: '));
    expect(stdout).to.deep.equal(['ready', 'main task: CancelledError', 'cleanup: started', 'cleanup: done']);
    expect(lines).to.include('stderr: KeyboardInterrupt'); // the error is shown, as Python prints its traceback
    expect([code, signal]).to.deep.equal([null, 'SIGINT']); // a shell shows 130, as for Python
  });

  it('Runner.run fails with KeyboardInterrupt (caused by the CancelledError) once the cleanup is done; handled, the process exits normally', async () => {
    const { lines, code } = await ctrlC('runner');
    expect(lines).to.deep.equal([
      'ready',
      'main task: CancelledError',
      'cleanup: started',
      'cleanup: done',
      'Runner.run failed: KeyboardInterrupt, true, cause true',
    ]);
    expect(code).to.equal(0);
  });

  it('a main task that swallows the cancellation ends the run normally, as in CPython; other errors keep Node’s handling', async () => {
    const { lines, code } = await ctrlC('swallow');
    const stdout = lines.filter((l) => !l.startsWith('stderr: '));
    expect(stdout).to.deep.equal(['ready', 'main task: CancelledError', 'cleanup: started', 'cleanup: done', 'result: swallowed the cancellation']);
    expect(lines).to.include('stderr: Error: an unrelated failure');
    expect(code).to.equal(1); // Node's exit code for an uncaught error: not turned into an interrupt
  });

  it('a second SIGINT during the cleanup ends the process at once', async () => {
    const { lines, code, signal } = await ctrlC('slow-cleanup', true);
    expect(lines).to.deep.equal(['ready', 'main task: CancelledError', 'cleanup: started']); // the 30-second cleanup never finished
    expect([code, signal]).to.deep.equal([null, 'SIGINT']);
  });

  it("a program's own SIGINT listener, there before the run, keeps Ctrl-C", async () => {
    const { lines, code } = await ctrlC('user-listener');
    expect(lines).to.deep.equal(['ready', 'the program handles SIGINT itself']);
    expect(code).to.equal(0);
  });

  it('a loop signal handler for SIGINT added during the run takes Ctrl-C over: the main task is not cancelled', async () => {
    const { lines, code } = await ctrlC('loop-handler');
    expect(lines).to.deep.equal(['ready', 'the loop handler got SIGINT', 'cleanup: started', 'cleanup: done', 'result: finished']);
    expect(code).to.equal(0);
  });

  it('run() listens for SIGINT only while it runs, only if nobody else does; runSync() never does', async () => {
    expect(process.listenerCount('SIGINT'), 'this spec needs a process with no SIGINT listener').to.equal(0);
    const counts: number[] = [];
    const count = function* (): Coroutine<void> {
      counts.push(process.listenerCount('SIGINT'));
      yield* sleep(0);
    };
    await run(count());
    counts.push(process.listenerCount('SIGINT'));
    runSync(count()); // its thread never returns to Node while it runs: a listener could never run
    const mine = () => undefined;
    process.on('SIGINT', mine);
    try {
      await run(count());
    } finally {
      process.removeListener('SIGINT', mine);
    }
    expect(counts).to.deep.equal([1, 0, 0, 1]);
  });
});
