// The published package: `npm pack` gives a tarball that a fresh project can
// install and use from both `require` and `import`, with type declarations —
// checked the way users meet it: fresh ES-module and CommonJS projects, each
// type-checked by the TypeScript compiler under the module resolutions
// people use (node16, bundler, node10) and then run with Node.
import { expect } from 'chai';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** The CommonJS program: `run(main()).then(…)`, since top-level await does not compile there. */
const CJS_PROGRAM = `import { run, sleep, createTask, gather, type Coroutine, type Task } from 'tulip';

function* greet(name: string, delay: number): Coroutine<string> {
  yield* sleep(delay);
  return \`hello from \${name}\`;
}

function* main(): Coroutine<string[]> {
  const first: Task<string> = createTask(greet('a task', 0.02));
  return yield* gather([first, greet('a coroutine', 0.01)]);
}

run(main()).then((greetings) => {
  for (const g of greetings) console.log(g);
  console.log('in .then(): the loop is closed');
});
`;

/** Appended to every program: the declarations keep the compile-time checks (a forgotten * does not compile). */
const TYPE_CHECKS = `
import type { Future as TypedFuture, Coroutine as TypedCoroutine } from 'tulip';

function* forgotStar(fut: TypedFuture<number>): TypedCoroutine<number> {
  // @ts-expect-error yield fut (without *) must not compile through the package's declarations
  yield fut;
  const n: number = yield* fut;
  // @ts-expect-error a number is not a string
  const s: string = yield* fut;
  return n + s.length;
}
void forgotStar;
`;

describe('the npm package', function () {
  this.timeout(300_000); // packing builds dist/, and tsc checks four projects: minutes on a busy machine
  let project: string;

  before(() => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tulip-pack-'));
    const out = execFileSync(npm, ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' });
    const tarball = path.join(work, out.trim().split('\n').pop() as string);
    project = path.join(work, 'app');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    execFileSync(npm, ['install', '--offline', '--no-audit', '--no-fund', '--silent', tarball], { cwd: project, stdio: 'ignore' });
    makeProjects();
  });

  const esmOutput = ['hello from a task', 'hello from a coroutine', 'after await run(main()): the loop is closed'];
  const cjsOutput = ['hello from a task', 'hello from a coroutine', 'in .then(): the loop is closed'];
  const esmExample = fs.readFileSync(path.join(root, 'examples', 'esm', 'hello.mts'), 'utf8');

  /** The fresh projects: each is a package with a tsconfig and one program, main.ts. */
  const projects: { name: string; type: 'module' | 'commonjs'; compilerOptions: Record<string, string>; program: () => string; output: string[] }[] = [
    { name: 'esm-node16', type: 'module', compilerOptions: { module: 'node16', moduleResolution: 'node16' }, program: () => esmExample, output: esmOutput },
    { name: 'esm-bundler', type: 'module', compilerOptions: { module: 'esnext', moduleResolution: 'bundler' }, program: () => esmExample, output: esmOutput },
    { name: 'cjs-node16', type: 'commonjs', compilerOptions: { module: 'node16', moduleResolution: 'node16' }, program: () => CJS_PROGRAM, output: cjsOutput },
    { name: 'cjs-node10', type: 'commonjs', compilerOptions: { module: 'commonjs', moduleResolution: 'node10' }, program: () => CJS_PROGRAM, output: cjsOutput },
  ];
  let compiled = ''; // what tsc printed: its errors, each line starting with the project's folder

  /**
   * Makes the fresh projects next to the installed one (the same installed
   * package) and type-checks them all with one `tsc --build` (no
   * skipLibCheck: tulip's declarations are checked too).
   */
  function makeProjects(): void {
    const work = path.dirname(project);
    for (const p of projects) {
      const dir = path.join(work, p.name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: p.name, version: '1.0.0', private: true, type: p.type }));
      fs.cpSync(path.join(project, 'node_modules'), path.join(dir, 'node_modules'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'main.ts'), p.program() + TYPE_CHECKS);
      const compilerOptions = { target: 'ES2022', strict: true, composite: true, outDir: 'out', typeRoots: [path.join(root, 'node_modules', '@types')], types: ['node'], ...p.compilerOptions };
      fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['main.ts'] }, null, 2));
    }
    fs.writeFileSync(path.join(work, 'tsconfig.json'), JSON.stringify({ files: [], references: projects.map((p) => ({ path: p.name })) }));
    try {
      execFileSync(process.execPath, [tsc, '--build', '--pretty', 'false', work], { cwd: work, encoding: 'utf8' });
    } catch (e) {
      compiled = String((e as { stdout?: string }).stdout ?? e);
    }
  }

  for (const p of projects) {
    const what = p.type === 'module' ? 'examples/esm/hello.mts (top-level await)' : 'run(main()).then(…)';
    it(`a fresh ${p.type === 'module' ? 'ES-module' : 'CommonJS'} project, ${p.compilerOptions.module}/${p.compilerOptions.moduleResolution}: ${what} type-checks and runs`, () => {
      const lines = compiled.split('\n');
      expect(lines.filter((l) => l.startsWith(p.name)), 'tsc').to.deep.equal([]);
      expect(lines.filter((l) => /^\S/.test(l) && !projects.some((q) => l.startsWith(q.name))), 'tsc, about no project').to.deep.equal([]);
      const dir = path.join(path.dirname(project), p.name);
      const out = execFileSync(process.execPath, [path.join(dir, 'out', 'main.js')], { cwd: dir, encoding: 'utf8' });
      expect(out.trim().split('\n')).to.deep.equal(p.output);
    });
  }

  it('examples/esm/hello.mts runs in the repository as `npm run example -- esm` runs it (ts-node\'s ESM loader, the package\'s own name)', () => {
    // `npm pack` has just built dist/, which `npm run example -- esm` would build first.
    const out = execFileSync(process.execPath, ['--disable-warning=ExperimentalWarning', '--loader', 'ts-node/esm', path.join('examples', 'esm', 'hello.mts')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, TS_NODE_PROJECT: path.join('examples', 'esm', 'tsconfig.json') },
    });
    expect(out.trim().split('\n')).to.deep.equal(esmOutput);
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
