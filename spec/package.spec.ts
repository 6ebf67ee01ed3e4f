// The published package: `npm pack` gives a tarball that a fresh project can
// install and use from both `require` and `import`, with type declarations.
import { expect } from 'chai';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('the npm package', function () {
  this.timeout(120_000);
  let project: string;

  before(() => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tulip-pack-'));
    const out = execFileSync(npm, ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' });
    const tarball = path.join(work, out.trim().split('\n').pop() as string);
    project = path.join(work, 'app');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund', '--silent', tarball], { cwd: project, stdio: 'ignore' });
  });

  it('ships JavaScript and declarations only', () => {
    const dir = path.join(project, 'node_modules', 'tulip');
    const files = fs.readdirSync(path.join(dir, 'dist'));
    expect(files).to.include.members(['index.js', 'index.mjs', 'index.d.ts', 'futures.d.ts']);
    expect(fs.existsSync(path.join(dir, 'lib'))).to.equal(false);
  });

  it('works from require()', () => {
    const script = "const t = require('tulip'); function* main() { yield* t.sleep(5); return t.getRunningLoop().time(); } console.log(t.runSync(main(), { clock: 'virtual' }));";
    expect(execFileSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8' }).trim()).to.equal('5');
  });

  it('works from import, sharing one runtime with require()', () => {
    const script = [
      "import { runSync, sleep, Future } from 'tulip';",
      "import { createRequire } from 'module';",
      "const cjs = createRequire(import.meta.url)('tulip');",
      "console.log(runSync(sleep(1, 'esm'), { clock: 'virtual' }), cjs.Future === Future);",
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: project, encoding: 'utf8' });
    expect(out.trim()).to.equal('esm true');
  });
});
