/**
 * `npm run bench`: workloads W1–W8 and M1 (bench/NOTES.md, "The workloads") on tulip, on
 * CPython's asyncio (each CPython found through pyenv), on native
 * async/await (W8: raw Node `net`, and uvloop when the system python3 has
 * it) and on Effection (npm `effection`: generators driven by `yield*`, the
 * closest JavaScript peer), in one run; prints ops/s with ratios to the best
 * CPython per workload and writes the figures to bench/results/<timestamp>.json.
 *
 * Each workload runs in fresh processes: one Node process for its tulip,
 * native and Effection cells (bench/cell.ts, bundled once with esbuild so
 * that a child starts in milliseconds rather than compiling TypeScript for
 * seconds), then one process per CPython (bench/python/workloads.py).
 *
 *   node -r ts-node/register/transpile-only bench/run.ts [options] [ids]
 *
 *   W8 …             bare ids: the same as --only (`npm run bench -- W8`)
 *   --quick          N/5, 3 timed runs (CPython 2), 0.25 s of warm-up; under a minute
 *   --only W2,W6c    only these workloads (ids: W1…W8, W2v, W3v, W6c, M1)
 *   --runs K         timed runs per cell (default 5)
 *
 * Before the timed runs of a cell come warm-up runs: at least one, and at
 * least 0.5 s of them (0.25 s with --quick), so that V8 has optimised the
 * code being measured (see bench/NOTES.md).
 *   --no-python      skip CPython
 *   --no-native      skip native async/await
 *   --no-effection   skip Effection (skipped anyway, with a note, when the package is not installed)
 *   --python 3.12.1  only these pyenv versions (comma-separated)
 *   --diagnostic     tulip on a virtual clock (for profiling; see bench/NOTES.md).
 *                    Without it, the headline: the loop users get (real clock).
 *   --no-specimens   tulip without its specimens (lib/specimens.ts): what they are worth
 *   --no-uvloop      W8 without uvloop
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { emptyCell, finishCell, type CellResult } from './harness';
import { ECHO_CLIENTS, ECHO_LINE, WORKLOADS, type WorkloadId, type WorkloadInfo } from './workloads';
import type { FrameCosts } from './tulip/frames';
import type { CellOutput } from './cell';

const PYENV_VERSIONS = ['3.11.7', '3.12.1', '3.13.0'];
const PY_SCRIPT = path.join(__dirname, 'python', 'workloads.py');
// W8 on uvloop: Debian's python3-uvloop, installed for the system python3.
const UVLOOP_PYTHON = '/usr/bin/python3';
const RESULTS_DIR = path.join(__dirname, 'results');

// ---- options ----

interface Options {
  quick: boolean;
  only: Set<string> | null;
  runs: number;
  warmups: number;
  /** The least time spent in warm-up runs before the timed ones, in seconds. */
  warmupSeconds: number;
  /** CPython's timed runs (--quick gives it fewer: its runs are the long ones). */
  pyRuns: number;
  python: boolean;
  native: boolean;
  effection: boolean;
  uvloop: boolean;
  pythonVersions: string[];
  scale: number;
  diagnostic: boolean;
  specimens: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, only: null, runs: 5, warmups: 1, warmupSeconds: 0.5, pyRuns: 5, python: true, native: true, effection: true, uvloop: true, pythonVersions: PYENV_VERSIONS, scale: 1, diagnostic: false, specimens: true };
  let runsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--quick') o.quick = true;
    else if (a.startsWith('--only')) o.only = new Set(value().split(',').map((s) => s.trim()));
    else if (a.startsWith('--runs')) {
      o.runs = Number(value());
      runsGiven = true;
      if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs needs a positive integer');
    } else if (a === '--no-python') o.python = false;
    else if (a === '--no-native') o.native = false;
    else if (a === '--no-effection') o.effection = false;
    else if (a === '--diagnostic') o.diagnostic = true;
    else if (a === '--no-specimens') o.specimens = false;
    else if (a === '--no-uvloop') o.uvloop = false;
    else if (/^(W\d+c?|C1|M1)$/.test(a)) (o.only ??= new Set()).add(a);
    else if (a.startsWith('--python')) o.pythonVersions = value().split(',').map((s) => s.trim());
    else throw new Error(`unknown option ${a} (see the comment at the top of bench/run.ts)`);
  }
  if (o.quick) {
    o.scale = 1 / 5;
    o.warmupSeconds = 0.25;
    if (!runsGiven) o.runs = 3;
    o.pyRuns = Math.min(o.runs, 2);
  } else {
    o.pyRuns = o.runs;
  }
  return o;
}

/** N of a workload at this scale, a multiple of 100 (W2 and W7 split it over 100 tasks; W8 over 50 clients × 20). */
function sizeOf(info: WorkloadInfo, o: Options): number {
  const unit = info.id === 'W8' ? ECHO_CLIENTS * 20 : 100;
  return Math.max(unit, Math.round((info.n * o.scale) / unit) * unit);
}

// ---- CPython ----

interface Python {
  version: string;
  env: NodeJS.ProcessEnv;
}

/** The CPythons to compare with: each pyenv version that answers, else the plain `python3`. */
function findPythons(o: Options): { found: Python[]; notes: string[] } {
  const found: Python[] = [];
  const notes: string[] = [];
  const probe = (env: NodeJS.ProcessEnv): string | null => {
    const r = spawnSync('python3', ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { env, encoding: 'utf8', timeout: 20_000 });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  for (const v of o.pythonVersions) {
    const env = { ...process.env, PYENV_VERSION: v };
    const got = probe(env);
    if (got === v) found.push({ version: v, env });
    else notes.push(`CPython ${v}: not found (PYENV_VERSION=${v} python3 ${got === null ? 'failed' : `gave ${got}`}); skipped`);
  }
  if (found.length === 0) {
    const env = { ...process.env };
    delete env.PYENV_VERSION;
    const got = probe(env);
    if (got !== null && /^3\.(1[1-9]|[2-9]\d)\./.test(got)) {
      found.push({ version: got, env });
      notes.push(`using the plain python3 (${got}) instead`);
    } else {
      notes.push('no CPython 3.11+ found: the CPython columns are skipped and no ratios can be given');
    }
  }
  return { found, notes };
}

interface PyOutput {
  times?: number[];
  failures?: string[];
  bytes_per_task?: number;
  started?: number;
  finished?: number;
}

function runPython(py: Python, id: WorkloadId, n: number, o: Options, runs = o.pyRuns, extra: string[] = [], exe = 'python3'): { cell: CellResult; memory: number | null } {
  const args = [PY_SCRIPT, id, String(n), '--warmups', String(o.warmups), '--runs', String(Math.min(runs, o.pyRuns)), '--warmup-seconds', String(o.warmupSeconds), ...extra];
  const r = spawnSync(exe, args, { env: py.env, encoding: 'utf8', timeout: 600_000, maxBuffer: 16 << 20 });
  const cell = emptyCell(n);
  if (r.status !== 0) {
    cell.skipped = `python failed: ${(r.stderr || String(r.error ?? r.signal)).trim().split('\n').pop()}`;
    return { cell, memory: null };
  }
  let out: PyOutput;
  try {
    out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as PyOutput;
  } catch {
    cell.skipped = `python printed no result: ${r.stdout.slice(0, 80)}`;
    return { cell, memory: null };
  }
  if (id === 'M1') {
    const ok = out.started === n && out.finished === 0 && typeof out.bytes_per_task === 'number';
    if (!ok) cell.skipped = `check failed: started ${out.started}, finished ${out.finished}`;
    return { cell, memory: ok ? (out.bytes_per_task as number) : null };
  }
  cell.times = out.times ?? [];
  cell.failures = out.failures ?? [];
  return { cell: finishCell(cell), memory: null };
}

// ---- the Node side: bench/cell.ts in a child process ----

/** How to start a Node child running bench/cell.ts: the esbuild bundle, else ts-node. */
interface NodeChild {
  args: string[];
  cleanup(): void;
}

/** True when the `effection` package can be loaded (a devDependency: a checkout without `npm install` lacks it). */
function effectionInstalled(): boolean {
  try {
    require.resolve('effection');
    return true;
  } catch {
    return false;
  }
}

function prepareNodeChild(log: (s: string) => void, o: Options): NodeChild {
  const entry = path.join(__dirname, 'cell.ts');
  try {
    const esbuild = require('esbuild') as typeof import('esbuild');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tulip-bench-'));
    const outfile = path.join(dir, 'cell.js');
    // Without the Effection column the bundle leaves `effection` external: it need not be installed (cell.ts never loads it then).
    const external = o.effection ? [] : ['effection'];
    esbuild.buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, external, logLevel: 'error' });
    return { args: ['--expose-gc', outfile], cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
  } catch (e) {
    log(`esbuild failed (${e instanceof Error ? e.message.split('\n')[0] : e}): the Node children run through ts-node, which starts slower`);
    return { args: ['--expose-gc', '-r', 'ts-node/register/transpile-only', entry], cleanup: () => {} };
  }
}

function runNode(child: NodeChild, args: string[]): { out: unknown; error: string | null } {
  const r = spawnSync(process.execPath, [...child.args, ...args], { encoding: 'utf8', timeout: 600_000, maxBuffer: 16 << 20 });
  if (r.status !== 0) return { out: null, error: `node child failed: ${(r.stderr || String(r.error ?? r.signal)).trim().split('\n').slice(0, 2).join(' ')}` };
  try {
    return { out: JSON.parse(r.stdout.trim().split('\n').pop() as string), error: null };
  } catch {
    return { out: null, error: `node child printed no result: ${r.stdout.slice(0, 80)}` };
  }
}

// ---- one row ----

type Column = 'tulip' | 'macro' | 'micro' | 'effection';

interface Row {
  id: WorkloadId;
  label: string;
  n: number;
  /** Timed workloads: ops/s cells; M1: bytes per task in `memory`. */
  cells: Partial<Record<Column, CellResult>>;
  python: Record<string, CellResult>;
  /** W8 on uvloop (not a CPython column: ratios are to the best plain asyncio). */
  uvloop?: CellResult;
  memory: Partial<Record<Column | string, number | null>>;
}

function measureRow(info: WorkloadInfo, o: Options, node: NodeChild, pythons: Python[], pyCache: Map<string, Row['python']>): Row {
  const n = sizeOf(info, o);
  const row: Row = { id: info.id, label: info.label, n, cells: {}, python: {}, memory: {} };
  const runs = Math.min(info.runs ?? o.runs, o.runs);
  const flags = [...(o.native ? [] : ['--no-native']), ...(o.effection ? [] : ['--no-effection']), ...(o.diagnostic ? ['--diagnostic'] : []), ...(o.specimens ? [] : ['--no-specimens'])];
  const { out, error } = runNode(node, [info.id, String(n), String(o.warmups), String(runs), `--warmup-seconds=${o.warmupSeconds}`, ...flags]);
  const result = out as CellOutput | null;
  if (info.id === 'M1') {
    row.memory.tulip = result?.memory?.tulip ?? null;
    if (o.native) row.memory.macro = result?.memory?.macro ?? null;
    if (o.effection) row.memory.effection = result?.memory?.effection ?? null;
    if (error !== null) row.cells.tulip = emptyCell(n, error);
    for (const py of pythons) {
      const { cell, memory } = runPython(py, 'M1', n, o);
      row.python[py.version] = cell;
      row.memory[py.version] = memory;
    }
    return row;
  }
  if (result === null) row.cells.tulip = emptyCell(n, error ?? 'no result');
  else row.cells = result.cells;
  // CPython: one child process per version, after the Node cells.
  const cached = pyCache.get(info.python);
  if (cached !== undefined) {
    row.python = cached;
  } else {
    for (const py of pythons) row.python[py.version] = runPython(py, info.python, n, o, runs).cell;
    pyCache.set(info.python, row.python);
  }
  if (info.id === 'W8' && o.uvloop) {
    const env = { ...process.env };
    delete env.PYENV_VERSION;
    row.uvloop = runPython({ version: 'uvloop', env }, 'W8', n, o, o.pyRuns, ['--loop', 'uvloop'], UVLOOP_PYTHON).cell;
    if (row.uvloop.skipped?.includes('uvloop')) row.uvloop.skipped = `uvloop absent (apt-get install python3-uvloop for ${UVLOOP_PYTHON})`;
  }
  return row;
}

// ---- the table ----

function fmtOps(x: number | null | undefined): string {
  if (x == null) return '';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(0)}k`;
  return x.toFixed(0);
}

function fmtRatio(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '';
  return x >= 100 ? `${x.toFixed(0)}×` : `${x.toFixed(1)}×`; // one decimal where 10× is a target
}

function bestPython(row: Row): { ops: number | null; version: string | null } {
  let ops: number | null = null;
  let version: string | null = null;
  for (const [v, c] of Object.entries(row.python)) {
    if (c.opsPerSec !== null && (ops === null || c.opsPerSec > ops)) {
      ops = c.opsPerSec;
      version = v;
    }
  }
  return { ops, version };
}

/** A cell's ops/s and ratio; `rowN`: the row's N, named in the cell when the cell ran at another (Effection's C1). */
function cellText(c: CellResult | undefined, best: number | null, rowN: number | null = null): string {
  if (c === undefined) return '';
  if (c.skipped !== null) return c.skipped === '—' ? '—' : c.skipped;
  const r = best !== null && c.opsPerSec !== null ? ` (${fmtRatio(c.opsPerSec / best)})` : '';
  const at = rowN !== null && c.n !== rowN ? ` at N=${c.n}` : '';
  return fmtOps(c.opsPerSec) + r + at;
}

/** Verdict against the targets (bench/NOTES.md, "The workloads") for one row. */
function target(row: Row, best: number | null): string {
  const tulip = row.cells.tulip?.opsPerSec ?? null;
  if (row.id === 'M1') {
    const b = row.memory.tulip;
    return b == null ? '' : `≤ 600 B: ${b <= 600 ? 'met' : 'MISSED'}`;
  }
  if (row.id === 'W6') return 'per frame: see below';
  if (row.id === 'C1') return tulip === null || best === null ? '' : `≥ 5×: ${tulip / best >= 5 ? 'met' : 'MISSED'}`;
  if (tulip === null || best === null) return '';
  if (row.id === 'W8') {
    const net = row.cells.macro?.opsPerSec ?? null;
    const parts = [`≥ 1.5×: ${tulip / best >= 1.5 ? 'met' : 'MISSED'}`];
    if (net !== null) parts.push(`≥ net/1.2: ${tulip * 1.2 >= net ? 'met' : 'MISSED'} (${fmtRatio(tulip / net)})`);
    return parts.join('; ');
  }
  const parts = [`≥ 10×: ${tulip / best >= 10 ? 'met' : 'MISSED'}`];
  if (row.id === 'W2') {
    const micro = row.cells.micro?.opsPerSec ?? null;
    if (micro !== null) parts.push(`≥ ½ micro: ${tulip * 2 >= micro ? 'met' : 'MISSED'} (${fmtRatio(tulip / micro)})`);
  }
  return parts.join('; ');
}

function renderTable(rows: Row[], pythons: Python[], o: Options): string {
  const head = ['workload', 'N', 'tulip', ...pythons.map((p) => `CPython ${p.version}`), ...(o.native ? ['native macro', 'native micro'] : []), ...(o.effection ? ['Effection'] : []), 'target'];
  const lines: string[][] = [head];
  for (const row of rows) {
    if (row.id === 'M1') {
      const mem = (k: string): string => {
        const v = row.memory[k];
        return v == null ? (row.python[k]?.skipped ?? '') : `${v.toFixed(0)} B`;
      };
      let bestMem: number | null = null;
      for (const p of pythons) {
        const v = row.memory[p.version];
        if (v != null && (bestMem === null || v < bestMem)) bestMem = v;
      }
      const t = row.memory.tulip;
      const tulipText = t == null ? 'failed' : `${t.toFixed(0)} B${bestMem !== null ? ` (${fmtRatio(t / bestMem)})` : ''}`;
      lines.push([row.label, String(row.n), tulipText, ...pythons.map((p) => mem(p.version)), ...(o.native ? [mem('macro'), '—'] : []), ...(o.effection ? [mem('effection')] : []), target(row, null)]);
      continue;
    }
    const { ops: best } = bestPython(row);
    const natives = o.native
      ? row.id === 'W6c'
        ? ['(as W6)', '(as W6)']
        : [cellText(row.cells.macro, best), cellText(row.cells.micro, best)]
      : [];
    const effection = o.effection ? [row.id === 'W6c' ? '(as W6)' : cellText(row.cells.effection, best, row.n)] : [];
    lines.push([
      row.label,
      String(row.n),
      cellText(row.cells.tulip, best),
      ...pythons.map((p) => (row.id === 'W6c' ? '(as W6)' : cellText(row.python[p.version], null))),
      ...natives,
      ...effection,
      target(row, best),
    ]);
  }
  const widths = head.map((_, i) => Math.max(...lines.map((l) => [...(l[i] ?? '')].length)));
  const fmt = (l: string[]) => '| ' + l.map((c, i) => c + ' '.repeat(widths[i] - [...c].length)).join(' | ') + ' |';
  const out = [fmt(lines[0]), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...lines.slice(1).map(fmt)];
  return out.join('\n');
}

/** W8 in its own units: lines/s and MB/s (lines × 1 024 bytes one way), uvloop and raw `net` included. */
function renderEcho(row: Row, pythons: Python[]): string {
  const { ops: best } = bestPython(row);
  const cols: [string, CellResult | undefined][] = [
    ['tulip', row.cells.tulip],
    ...pythons.map((p): [string, CellResult | undefined] => [`asyncio ${p.version}`, row.python[p.version]]),
    ['uvloop', row.uvloop],
    ['raw Node net', row.cells.macro],
  ];
  const net = row.cells.macro?.opsPerSec ?? null;
  const lines = [`W8 TCP echo, N = ${row.n} lines of 1 KiB (${ECHO_CLIENTS} clients); best of the timed runs:`];
  for (const [name, c] of cols) {
    if (c === undefined) continue;
    if (c.opsPerSec === null) {
      lines.push(`  ${name.padEnd(14)} ${c.skipped ?? ''}`);
      continue;
    }
    const x = c.opsPerSec;
    const vsPy = best !== null ? `${(x / best).toFixed(2)}× best asyncio` : '';
    const vsNet = net !== null ? `${(x / net).toFixed(2)}× net` : '';
    lines.push(`  ${name.padEnd(14)} ${fmtOps(x).padStart(6)} lines/s  ${((x * ECHO_LINE) / 1e6).toFixed(1).padStart(6)} MB/s  ${[vsPy, vsNet].filter(Boolean).join(' · ')}`);
  }
  return lines.join('\n');
}

function renderFrames(f: FrameCosts): string {
  const p = f.perFrameNs;
  const d = f.perResumeAtDepth0Ns;
  return [
    `W6 cost of one delegating frame per resume (N=${f.n}, depth ${f.depth} vs 0):`,
    `  bare generator loop (V8 alone): ${p.bare.toFixed(2)} ns · tulip yield*: ${p.tulipYield.toFixed(2)} ns · tulip coroutine(): ${p.tulipCoroutine.toFixed(2)} ns`,
    `  one resume at depth 0: bare ${d.bare.toFixed(0)} ns · tulip yield* ${d.tulipYield.toFixed(0)} ns · tulip coroutine() ${d.tulipCoroutine.toFixed(0)} ns`,
  ].join('\n');
}

// ---- main ----

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const log = (s: string) => process.stderr.write(s + '\n');
  const selected = WORKLOADS.filter((w) => o.only === null || o.only.has(w.id));
  if (selected.length === 0) throw new Error(`--only matched no workload (ids: ${WORKLOADS.map((w) => w.id).join(', ')})`);
  const { found: pythons, notes } = o.python ? findPythons(o) : { found: [], notes: ['CPython skipped (--no-python)'] };
  if (o.effection && !effectionInstalled()) {
    o.effection = false;
    notes.push('Effection: the `effection` package is not installed (npm install): its column is skipped');
  }
  for (const n of notes) log(n);
  log(`tulip bench: ${o.diagnostic ? 'DIAGNOSTIC (virtual clock), ' : 'the default loop (real clock), '}${o.specimens ? '' : 'WITHOUT specimens, '}${o.quick ? 'quick, ' : ''}${o.runs} timed runs per cell (CPython ${o.pyRuns}) after ≥ ${o.warmupSeconds} s of warm-up; CPython ${pythons.map((p) => p.version).join(', ') || 'none'}`);
  const rows: Row[] = [];
  const pyCache = new Map<string, Row['python']>();
  const started = Date.now();
  const node = prepareNodeChild(log, o);
  let frames: FrameCosts | null = null;
  try {
    for (const info of selected) {
      const t0 = Date.now();
      rows.push(measureRow(info, o, node, pythons, pyCache));
      log(`  ${info.label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    if (selected.some((w) => w.id === 'W6' || w.id === 'W6c')) {
      const r = runNode(node, ['frames', String(o.quick ? 10_000 : 20_000), '3']);
      if (r.error !== null) log(`W6 per-frame costs: ${r.error}`);
      frames = r.out as FrameCosts | null;
    }
  } finally {
    node.cleanup();
  }
  const table = renderTable(rows, pythons, o);
  const footer = [
    'ops/s, best of the timed runs; (n×) = ratio to the best CPython of that workload. M1: heap bytes per pending sleeping task',
    '(tulip and native: V8 heapUsed; CPython: tracemalloc), (n×) = tulip ÷ the smallest CPython figure.',
    'W6 coroutine() is compared with the same CPython W6 figures; native W4 clamps every delay to 1 ms.',
    'C1: tasks cancelled per second, from the first cancel() of N tasks parked in sleep(3600) until gather() has them all.',
    (o.diagnostic ? 'tulip: DIAGNOSTIC configuration (virtual clock), not what users run.' : 'tulip: the default loop (real clock, as runSync()).') +
      (o.specimens ? '' : ' Without its specimens (lib/specimens.ts).'),
    'W8: lines/s; its native macro column is raw Node `net` (see the W8 lines below).',
    ...(o.effection
      ? ['Effection: its sleep(0) is call(() => Promise.resolve()) (compare with native micro); W4 is a task per timer; C1 halts each task,',
          'at most 100 000 of them (11 KB each); — = no faithful equivalent (bench/NOTES.md, "Effection").']
      : []),
    ...notes,
  ];
  console.log('');
  console.log(table);
  console.log('');
  console.log(footer.join('\n'));
  if (frames !== null) console.log('\n' + renderFrames(frames));
  const echo = rows.find((r) => r.id === 'W8');
  if (echo !== undefined) console.log('\n' + renderEcho(echo, pythons));
  console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s, node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length})`);

  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const json = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? null,
    cores: os.cpus().length,
    options: { diagnostic: o.diagnostic, specimens: o.specimens, native: o.native, effection: o.effection, quick: o.quick, runs: o.runs, pythonRuns: o.pyRuns, warmups: o.warmups, warmupSeconds: o.warmupSeconds, only: o.only && [...o.only] },
    python: pythons.map((p) => p.version),
    notes,
    rows: rows.map((r) => ({ ...r, bestPython: r.id === 'M1' ? null : bestPython(r) })),
    frames,
    table,
  };
  fs.writeFileSync(file, JSON.stringify(json, null, 2) + '\n');
  console.log(`written: ${path.relative(process.cwd(), file)}`);
}

try {
  main();
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
}
