// The build-your-own-asyncio exercises cannot rot: every step's specs
// (exercises/specs/NN-*.spec.ts) run here against the reference solutions in
// exercises/solutions/, the ones a learner runs with `npm run exercise -- N`
// against their own files. And the shipped skeletons must stay unsolved: the
// runner, run on them as a learner would, must report every step as failing.
// (exercises/specs/mini.ts also makes the compiler check that the solutions
// have the shape the skeletons declare.)
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const specDir = path.join(root, 'exercises', 'specs');
const stepSpecs = fs
  .readdirSync(specDir)
  .filter((f) => /^\d\d-.*\.spec\.ts$/.test(f))
  .sort();

describe('exercises', () => {
  describe('the reference solutions pass every step', () => {
    for (const file of stepSpecs) require(path.join(specDir, file));
  });

  it('there are eight steps, numbered 01 to 08, each with its section in exercises/README.md', () => {
    expect(stepSpecs.map((f) => f.slice(0, 2))).to.deep.equal(['01', '02', '03', '04', '05', '06', '07', '08']);
    const readme = fs.readFileSync(path.join(root, 'exercises', 'README.md'), 'utf8');
    for (const f of stepSpecs) expect(readme, `README lacks ${f}`).to.include(`specs/${f}`);
  });

  it('the shipped skeletons are unsolved: `npm run exercise` lists every step as not passing yet', function () {
    this.timeout(90_000);
    const res = spawnSync(process.execPath, [path.join(root, 'scripts', 'exercise.js')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(res.status, res.stderr).to.equal(0);
    const rows = res.stdout.split('\n').filter((l) => /^\s+\d+\s{2}/.test(l));
    expect(rows, res.stdout).to.have.length(8);
    for (const row of rows) expect(row, 'a skeleton step passes: its TODOs were filled in').to.match(/\d+\/\d+ specs pass/);
    expect(res.stdout).to.include('Next: step 1, the Future — npm run exercise -- 1');
  });

  it('`npm run exercise -- N --solutions` reports a step that passes, and exits 0', function () {
    this.timeout(60_000);
    const res = spawnSync(process.execPath, [path.join(root, 'scripts', 'exercise.js'), '2', '--solutions'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(res.status, res.stdout + res.stderr).to.equal(0);
    expect(res.stdout).to.match(/(\d+) of \1 specs pass: step 2 is done\./);
    expect(res.stdout).to.include('Next: step 3, the Task — npm run exercise -- 3');
  });
});
