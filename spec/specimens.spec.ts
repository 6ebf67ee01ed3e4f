import { expect } from 'chai';
import { execFileSync } from 'child_process';
import * as path from 'path';

interface Outcome {
  before: boolean;
  after: boolean;
  first: string;
  last: string;
  tasksSeen: number;
}

function runChild(...args: string[]): Outcome {
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--expose-gc', '-r', 'ts-node/register/transpile-only', path.join(__dirname, 'fixtures', 'specimens.ts'), ...args], {
    cwd: path.join(__dirname, '..'),
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as Outcome;
}

describe('specimens (lib/specimens.ts)', function () {
  this.timeout(90_000);

  it('optimised code that handles Futures survives a full collection after every Future of the program is gone', () => {
    const kept = runChild();
    expect(kept.before).to.equal(true);
    expect(kept.after).to.equal(true);
  });

  it('without them, the same collection throws that code away (what the specimens are for)', () => {
    const forgone = runChild('forgo');
    expect(forgone.before).to.equal(true);
    expect(forgone.after).to.equal(false);
  });

  it("take no number from the default task names, and a program's loop sees none of their tasks", () => {
    const kept = runChild();
    const forgone = runChild('forgo');
    expect(kept.first).to.equal('Task-1'); // the first run's main task
    expect(kept.last).to.equal(forgone.last); // the second run's main task: 200 children and the runner's own tasks later
    expect(kept.tasksSeen).to.equal(1); // allTasks(): the main task alone, every child is done
  });
});
