// lib/browser.ts: the core runs in a browser. Its bundle builds with every
// Node built-in unavailable, runs in a bare JavaScript realm with no Node
// globals, and exports exactly lib/index.ts's names less the Node-only
// modules'. (The playground's own browser specs are in playground.spec.ts.)
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { spawnSync } from 'node:child_process';
import * as browser from '../lib/browser';
import * as index from '../lib';

const { bundleForBrowser } = require('../playground/build.js') as {
  bundleForBrowser(entry?: string): Promise<string>;
};

const lib = path.resolve(__dirname, '..', 'lib');
/** The modules allowed to need Node: sockets, TLS, streams, child processes, worker threads, UDP, pipes, name resolution. */
const NODE_ONLY = ['executors', 'os-errors', 'servers', 'streams', 'subprocess', 'transports', 'tls', 'start-tls', 'unix', 'addresses', 'datagrams', 'pipes', 'resolver'];

/** The modules lib/index.ts re-exports from (`from './x'`). */
function indexModules(): string[] {
  const text = fs.readFileSync(path.join(lib, 'index.ts'), 'utf8');
  return [...new Set([...text.matchAll(/from '\.\/([\w/-]+)'/g)].map((m) => m[1]))];
}

/** Whether `lib/<name>` bundles for a browser (with no Node built-ins). */
async function bundles(name: string): Promise<boolean> {
  const file = fs.existsSync(path.join(lib, `${name}.ts`)) ? path.join(lib, `${name}.ts`) : path.join(lib, name, 'index.ts');
  try {
    await bundleForBrowser(file);
    return true;
  } catch {
    return false;
  }
}

/** Evaluates a bundle in a new realm that has only what a browser's worker has (no process, require, Buffer…). */
function browserRealm(bundle: string): vm.Context {
  const out: string[] = [];
  const context = vm.createContext({
    console: { log: (...a: unknown[]) => out.push(a.join(' ')), error: (...a: unknown[]) => out.push(`error: ${a.join(' ')}`), warn: () => undefined },
    performance: { now: () => performance.now() },
    setTimeout,
    clearTimeout,
    queueMicrotask,
    out,
  });
  vm.runInContext(bundle, context, { filename: 'tulip.browser.js' });
  return context;
}

describe('lib/browser.ts: the core in a browser', function () {
  this.timeout(60_000);
  let bundle: string;

  before(async () => {
    bundle = await bundleForBrowser();
  });

  it('bundles for a browser with every Node built-in unavailable', () => {
    expect(bundle.length).to.be.greaterThan(10_000);
    expect(bundle).not.to.match(/require\(["'](node:)?(fs|path|os|net|child_process|worker_threads)["']\)/);
  });

  it('refuses a module that needs Node: lib/index.ts does not bundle for a browser', async () => {
    let message = '';
    try {
      await bundleForBrowser(path.join(lib, 'index.ts'));
    } catch (e) {
      message = String((e as Error).message);
    }
    expect(message).to.match(/"node:(worker_threads|net|os|path|child_process)" is a Node built-in, and a browser has none \(imported by lib\/\w+\.ts\)/);
  });

  it('needs Node only in the Node-only modules: every other module of index.ts bundles for a browser', async () => {
    const needNode: string[] = [];
    for (const name of indexModules()) if (!(await bundles(name))) needNode.push(name);
    expect(needNode.length).to.be.greaterThan(0);
    for (const name of needNode) expect(NODE_ONLY, `lib/${name}.ts imports from Node but is not a Node-only module`).to.include(name);
  });

  it('exports exactly what lib/index.ts exports, less the Node-only modules', () => {
    const nodeOnly = new Set<string>();
    const core = new Set<string>();
    for (const name of indexModules()) {
      const keys = Object.keys(require(path.join(lib, name)) as object);
      for (const key of keys) (NODE_ONLY.includes(name) ? nodeOnly : core).add(key);
    }
    // A name a Node-only module shares with the core (an error class it re-exports, say) stays.
    const expected = Object.keys(index).filter((k) => !nodeOnly.has(k) || core.has(k)).sort();
    const actual = Object.keys(browser).sort();
    expect(actual).to.deep.equal(expected);
    expect(actual).to.include.members(['EventLoop', 'Task', 'gather', 'Queue', 'Tracer', 'LoopStepper', 'runSync']);
    expect(actual).not.to.include.members(['toThread', 'ThreadPoolExecutor']);
    for (const k of actual) expect((browser as Record<string, unknown>)[k], k).to.equal((index as Record<string, unknown>)[k]);
  });

  it('runs a program in a realm with no Node globals: tasks, gather, a queue, a Tracer and a snapshot', () => {
    const realm = browserRealm(bundle);
    const result = vm.runInContext(
      `(() => {
        const { runSync, createTask, gather, sleep, Queue, Tracer, getRunningLoop } = tulip;
        const names = Object.keys(tulip).sort();
        function* worker(name, d, q) { yield* sleep(d); yield* q.put(name); return name; }
        let snap = null;
        const tracer = new Tracer();
        function* main() {
          getRunningLoop().addInstrument(tracer);
          const q = new Queue();
          const t = createTask(worker('late', 2, q), { name: 'late' });
          const early = yield* gather([worker('early', 1, q)]);
          snap = getRunningLoop().snapshot();
          yield* t;
          return [...early, q.getNowait(), q.getNowait()];
        }
        return {
          hasProcess: typeof process !== 'undefined', hasRequire: typeof require !== 'undefined',
          result: runSync(main(), { clock: 'virtual' }),
          snap, lines: tracer.narrate().split('\\n').length, names,
        };
      })()`,
      realm,
    );
    expect(result.hasProcess).to.equal(false);
    expect(result.hasRequire).to.equal(false);
    expect([...result.result]).to.deep.equal(['early', 'early', 'late']);
    expect(result.snap.time).to.equal(1);
    expect(result.snap.tasks.map((t: { name: string; state: string }) => `${t.name}:${t.state}`)).to.deep.equal(['Task-1:running', 'late:sleeping']);
    expect(result.lines).to.be.greaterThan(8);
    expect([...result.names]).to.deep.equal(Object.keys(browser).sort());
  });

  it('type-checks the playground against the DOM (playground/tsconfig.json)', () => {
    const tsc = require.resolve('typescript/bin/tsc');
    const res = spawnSync(process.execPath, [tsc, '-p', path.resolve(__dirname, '..', 'playground')], { encoding: 'utf8', timeout: 120_000 });
    expect(res.stdout + res.stderr).to.equal('');
    expect(res.status).to.equal(0);
  });
});
