/**
 * The measuring rules of bench/NOTES.md ("The workloads"), in one place:
 *   - time in-process with `process.hrtime.bigint()`, from the workload's
 *     first scheduling call to its result (each workload calls `sw.start()`
 *     and `sw.stop()` itself, so loop creation and teardown stay outside);
 *   - a full GC before each run (`--expose-gc`);
 *   - warm-up runs first, then timed runs, each on a fresh loop; the best
 *     (shortest) timed run is reported, `ops/s = N / seconds`;
 *   - every run checks its result, and a failed check voids that run.
 */

/** Starts and stops the clock of one run. */
export class Stopwatch {
  private t0 = 0n;
  private t1 = 0n;

  start(): void {
    this.t0 = process.hrtime.bigint();
  }

  stop(): void {
    this.t1 = process.hrtime.bigint();
  }

  /** The time between start() and stop(); NaN if either was not called. */
  seconds(): number {
    if (this.t0 === 0n || this.t1 < this.t0) return NaN;
    return Number(this.t1 - this.t0) / 1e9;
  }
}

/** A workload as one implementation runs it (sync for tulip, a promise for native async/await). */
export interface Workload<I, R> {
  /** Inputs computed before any run (and outside the clock). */
  prepare?(n: number): I;
  /** One run on a fresh loop; calls `sw.start()` at the first scheduling call and `sw.stop()` at the result. */
  once(n: number, input: I, sw: Stopwatch): R | Promise<R>;
  /** True when the result is right; a wrong result voids the run. */
  check(result: R, n: number, input: I): boolean;
}

/** What the measurement of one cell (workload × implementation) gives. */
export interface CellResult {
  /** Why there is no figure (not implemented, every run failed its check, …), else null. */
  skipped: string | null;
  n: number;
  /** Every timed run's seconds (voided runs not included). */
  times: number[];
  /** Messages of runs that failed their check or threw. */
  failures: string[];
  /** N / best time, or null. */
  opsPerSec: number | null;
}

const gcFn: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

/** True when the process runs with --expose-gc. */
export const canGC = typeof gcFn === 'function';

/** A full, synchronous GC (needs --expose-gc; a no-op otherwise). */
export function fullGC(): void {
  if (gcFn !== undefined) {
    gcFn();
    gcFn(); // a second pass collects what the first one's finalisation released
  }
}

/** Runs one trial of a cell: GC, the run, the check. Returns its seconds, or a failure message. */
export async function trial<I, R>(w: Workload<I, R>, n: number, input: I): Promise<number | string> {
  fullGC();
  const sw = new Stopwatch();
  let result: R;
  try {
    result = await w.once(n, input, sw);
  } catch (e) {
    return `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
  }
  let ok = false;
  try {
    ok = w.check(result, n, input);
  } catch (e) {
    return `check threw ${String(e)}`;
  }
  if (!ok) return `wrong result ${JSON.stringify(result)?.slice(0, 80)}`;
  const s = sw.seconds();
  if (!(s > 0)) return 'the workload did not start/stop its stopwatch';
  return s;
}

/** An empty result for a cell. */
export function emptyCell(n: number, skipped: string | null = null): CellResult {
  return { skipped, n, times: [], failures: [], opsPerSec: null };
}

/** Fills in opsPerSec from the best time (and `skipped` when every run was voided). */
export function finishCell(cell: CellResult): CellResult {
  if (cell.skipped !== null) return cell;
  if (cell.times.length === 0) {
    cell.skipped = `every run failed: ${cell.failures[0] ?? 'no run'}`;
    return cell;
  }
  cell.opsPerSec = cell.n / Math.min(...cell.times);
  return cell;
}

/**
 * The LCG of W4 (`x = (1664525·x + 1013904223) mod 2^32`, seed 12345):
 * N delays in milliseconds, x_i / 2^32, so each is in [0, 1).
 */
export function w4DelaysMs(n: number): Float64Array {
  const out = new Float64Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(1664525, x) + 1013904223) >>> 0;
    out[i] = x / 4294967296;
  }
  return out;
}
