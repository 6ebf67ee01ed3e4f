// lib/inspect/index.ts: what it exports, what importing it adds, and that import order does not matter.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as tulip from '../../lib';
import * as inspect from '../../lib/inspect';

const root = path.resolve(__dirname, '../..');

/** Runs `code` in a fresh Node process (fresh module cache) with ts-node; returns its stdout. */
function fresh(code: string): string {
  const res = spawnSync(process.execPath, ['-r', 'ts-node/register', '-e', code], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
    timeout: 60000,
  });
  expect(res.stderr, 'stderr').to.equal('');
  expect(res.status, 'exit status').to.equal(0);
  return res.stdout;
}

// Makes a deadlock and prints its first two lines, then the snapshot's type.
const probe = `
  const { EventLoop } = require('./lib/loop');
  const loop = new EventLoop({ clock: 'virtual' });
  try { loop.runUntilComplete(loop.createFuture()); } catch (e) { console.log(e.message.split('\\n').slice(0, 2).join('|')); }
  console.log(typeof loop.snapshot);
`;

describe('inspect: the module', function () {
  // Three specs start a fresh Node with ts-node; on a loaded machine (or under c8) that alone
  // can pass mocha's 20 s. The bound only catches a hang: nothing here is about speed.
  this.timeout(120_000);
  it('lib/index.ts exports the Tracer, the task tree and the same functions as lib/inspect', () => {
    expect(tulip.Tracer).to.equal(inspect.Tracer);
    expect(tulip.formatTaskTree).to.equal(inspect.formatTaskTree);
    expect(tulip.printTaskTree).to.equal(inspect.printTaskTree);
    expect(typeof tulip.EventLoop.prototype.snapshot).to.equal('function');
    expect(typeof new tulip.Tracer().timeline).to.equal('function');
  });

  it('works when lib/inspect is imported before the rest of the library', () => {
    const out = fresh(`require('./lib/inspect'); require('./lib');${probe}`);
    expect(out).to.equal('deadlock: runUntilComplete() waits for <Future pending>, but nothing can make progress: no callbacks are ready, no timers are scheduled and no host I/O is outstanding.|Stuck:\nfunction\n');
  });

  it('works when the library is imported first', () => {
    const out = fresh(`require('./lib'); require('./lib/inspect');${probe}`);
    expect(out).to.match(/^deadlock: .*\|Stuck:\nfunction\n$/);
  });

  it('the loop alone still gives the full deadlock report (loaded when needed); snapshot() comes with lib/inspect', () => {
    const out = fresh(probe);
    expect(out).to.match(/^deadlock: .*\|Stuck:\nundefined\n$/);
  });
});
