/**
 * One workload's in-process cells — tulip, native macro, native micro,
 * Effection — in a fresh Node process (bench/run.ts starts one per
 * workload, as it starts one CPython per workload). A fresh process keeps
 * each workload's figures free of what the others did to V8's type
 * feedback and heap: measured here, W2 on tulip lost 15–20% when it ran
 * after the other workloads in one process.
 * Within the process the cells are interleaved run by run.
 *
 *   node --expose-gc cell.js W2 200000 1 5 [--warmup-seconds=0.5] [--no-native] [--no-effection] [--diagnostic] [--no-specimens]   → one JSON line
 *
 * `--diagnostic`: tulip on a virtual clock, for profiling. Without it, the
 * loop users get: the real clock. `--no-specimens`: tulip keeps none of
 * its specimens (lib/specimens.ts), to measure what they are worth.
 * `--no-effection`: no Effection cell — and then the `effection` package is
 * never loaded, so the bench runs where it is not installed (bench/run.ts
 * passes the flag then, and bundles with `effection` left external).
 *   node --expose-gc cell.js frames 10000 3                 → W6's per-frame costs
 */
import { emptyCell, finishCell, trial, type CellResult, type Workload } from './harness';
import { checkMemory, type MemoryOutcome, type WorkloadId } from './workloads';
import { REQUIRES, TULIP, memoryPerTask } from './tulip/workloads';
import { NATIVE, nativeMemoryPerTask } from './native/workloads';
import { frameCosts } from './tulip/frames';
import { _forgoSpecimens } from '../lib/specimens';

/** What a child prints. */
export interface CellOutput {
  cells: Partial<Record<'tulip' | 'macro' | 'micro' | 'effection', CellResult>>;
  memory?: { tulip: number | null; macro: number | null; effection: number | null };
}

type EffectionSide = typeof import('./effection/workloads');

/** bench/effection, loaded only when its cell runs (a require, not an import: see `--no-effection` above). */
function loadEffection(): EffectionSide {
  return require('./effection/workloads') as EffectionSide;
}

function missing(id: WorkloadId): string | null {
  const absent = (REQUIRES[id] ?? []).filter(([, v]) => typeof v !== 'function').map(([name]) => name);
  return absent.length > 0 ? `n/a (not implemented: ${absent.join(', ')})` : null;
}

/**
 * Warm-ups, then timed runs, interleaved across the cells run by run. The
 * warm-up is at least `warmups` rounds and at least `warmupSeconds`: V8 only
 * optimises a function after it has run for a while, and a run of W6 at
 * 10M ops/s lasts 2 ms — one such run warms nothing up.
 */
async function measure(cells: [Workload<any, any> | undefined, CellResult][], warmups: number, runs: number, warmupSeconds: number): Promise<void> {
  const live = cells.filter(([w, c]) => w !== undefined && c.skipped === null) as [Workload<any, any>, CellResult][];
  // Each cell runs at its own N (the same for all, but for Effection's capped C1: bench/effection/workloads.ts).
  const inputs = live.map(([w, cell]) => (w.prepare ? w.prepare(cell.n) : undefined));
  const round = async (timed: boolean): Promise<void> => {
    for (let k = 0; k < live.length; k++) {
      const [w, cell] = live[k];
      const t = await trial(w, cell.n, inputs[k]);
      if (typeof t === 'string') cell.failures.push(t);
      else if (timed) cell.times.push(t);
    }
  };
  const warmUntil = Date.now() + warmupSeconds * 1000;
  for (let i = 0; i < warmups || Date.now() < warmUntil; i++) await round(false);
  for (let i = 0; i < runs; i++) await round(true);
  for (const [, cell] of cells) finishCell(cell);
}

/** M1: the median of up to 3 measurements after the warm-ups (heap figures barely vary). */
function memoryMedian(f: () => MemoryOutcome, n: number, warmups: number, runs: number): number | null {
  const xs: number[] = [];
  for (let i = 0; i < warmups + Math.min(runs, 3); i++) {
    const r = f();
    if (checkMemory(r, n) && i >= warmups) xs.push(r.bytesPerTask);
  }
  xs.sort((a, b) => a - b);
  return xs.length > 0 ? xs[Math.floor(xs.length / 2)] : null;
}

async function main(): Promise<void> {
  const [id, nArg, warmArg, runsArg] = process.argv.slice(2);
  const native = !process.argv.includes('--no-native');
  const effection = process.argv.includes('--no-effection') ? null : loadEffection();
  const n = Number(nArg);
  const warmups = Number(warmArg ?? 1);
  const runs = Number(runsArg ?? 5);
  const ws = process.argv.find((a) => a.startsWith('--warmup-seconds='));
  const warmupSeconds = ws === undefined ? 0.5 : Number(ws.slice(ws.indexOf('=') + 1));
  if (process.argv.includes('--no-specimens')) _forgoSpecimens(); // see lib/specimens.ts
  if (id === 'frames') {
    console.log(JSON.stringify(frameCosts(n, Number(warmArg ?? 3)))); // here the third argument is the number of runs
    return;
  }
  const wid = id as WorkloadId;
  if (wid === 'M1') {
    const out: CellOutput = {
      cells: {},
      memory: {
        tulip: memoryMedian(() => memoryPerTask(n), n, warmups, runs),
        macro: native ? memoryMedian(() => nativeMemoryPerTask(n), n, warmups, runs) : null,
        effection: effection ? memoryMedian(() => effection.effectionMemoryPerTask(n), n, warmups, runs) : null,
      },
    };
    console.log(JSON.stringify(out));
    return;
  }
  const tulip = emptyCell(n, TULIP[wid] ? missing(wid) : 'n/a (no such workload)');
  const cells: [Workload<any, any> | undefined, CellResult][] = [[TULIP[wid], tulip]];
  const out: CellOutput = { cells: { tulip } };
  if (native && wid !== 'W6c') {
    const macro = emptyCell(n, NATIVE.macro[wid] ? null : '—');
    const micro = emptyCell(n, NATIVE.micro[wid] ? null : '—');
    cells.push([NATIVE.macro[wid], macro], [NATIVE.micro[wid], micro]);
    out.cells.macro = macro;
    out.cells.micro = micro;
  }
  if (effection !== null && wid !== 'W6c') {
    const cell = emptyCell(Math.min(n, effection.EFFECTION_MAX_N[wid] ?? n), effection.EFFECTION[wid] ? null : '—'); // '—': no faithful equivalent (bench/NOTES.md)
    cells.push([effection.EFFECTION[wid], cell]);
    out.cells.effection = cell;
  }
  await measure(cells, warmups, runs, warmupSeconds);
  console.log(JSON.stringify(out));
}

main().then(
  () => process.exit(0), // native W4/M1 may leave cleared timers' promises behind; nothing else to wait for
  (e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
