/**
 * The workloads of bench/NOTES.md ("The workloads"): their ids, sizes and result checks,
 * shared by the tulip and native implementations (bench/tulip, bench/native;
 * bench/python/workloads.py mirrors them for CPython).
 */

/**
 * Workload ids; W6c is W6 with `level` defined through `coroutine()`; W2v
 * and W3v are W2 and W3 with a ContextVar set (in every task; in the context
 * the callbacks are scheduled from), to price context variables.
 */
export type WorkloadId = 'W1' | 'W2' | 'W2v' | 'W3' | 'W3v' | 'W4' | 'W5' | 'W6' | 'W6c' | 'W7' | 'W8' | 'C1' | 'M1';

export interface WorkloadInfo {
  id: WorkloadId;
  /** The row label of the table. */
  label: string;
  /** N of a full run. */
  n: number;
  /** The Python workload it is compared with (W6c with CPython's W6, W2v and W3v with W2 and W3). */
  python: WorkloadId;
  /** Timed runs, when fewer than the run's default (C1's CPython runs last half a minute each). */
  runs?: number;
}

/** W8: concurrent clients (N = clients × lines per client). */
export const ECHO_CLIENTS = 50;
/** W8: the bytes of one line, `\n` included. */
export const ECHO_LINE = 1024;
/** W8: a client drains after every this many writes. */
export const ECHO_BATCH = 20;

/**
 * W8's lines for client `c`: `lines` lines of exactly 1 024 bytes, back to
 * back in one buffer — `"%04d:%07d:" % (c, j)`, then 1 010 letters a…z
 * cycling from letter `(c + j) mod 26`, then `\n` (line j is bytes
 * [j·1024, (j+1)·1024)). bench/python/echo.py makes the same bytes.
 */
export function echoLines(c: number, lines: number): Buffer {
  const out = Buffer.allocUnsafe(lines * ECHO_LINE);
  const alphabet = Buffer.from('abcdefghijklmnopqrstuvwxyz'.repeat(41)); // 1 066 ≥ 25 + 1 010
  for (let j = 0; j < lines; j++) {
    const at = j * ECHO_LINE;
    out.write(`${String(c).padStart(4, '0')}:${String(j).padStart(7, '0')}:`, at, 'latin1');
    const first = (c + j) % 26;
    alphabet.copy(out, at + 13, first, first + 1010);
    out[at + ECHO_LINE - 1] = 10;
  }
  return out;
}

/** W8's result: the lines every client read back and checked. */
export interface EchoOutcome {
  checked: number;
  mismatches: number;
}
export function checkEcho(r: EchoOutcome, n: number): boolean {
  return r.checked === n && r.mismatches === 0;
}

export const WORKLOADS: readonly WorkloadInfo[] = [
  { id: 'W1', label: 'W1 spawn', n: 50_000, python: 'W1' },
  { id: 'W2', label: 'W2 switch', n: 200_000, python: 'W2' },
  { id: 'W2v', label: 'W2 switch, a ContextVar set per task', n: 200_000, python: 'W2' },
  { id: 'W3', label: 'W3 callbacks', n: 300_000, python: 'W3' },
  { id: 'W3v', label: 'W3 callbacks, a ContextVar set', n: 300_000, python: 'W3' },
  { id: 'W4', label: 'W4 timers (real clock)', n: 100_000, python: 'W4' },
  { id: 'W5', label: 'W5 queue', n: 300_000, python: 'W5' },
  { id: 'W6', label: 'W6 chain, yield*', n: 20_000, python: 'W6' },
  { id: 'W6c', label: 'W6 chain, coroutine()', n: 20_000, python: 'W6' },
  { id: 'W7', label: 'W7 lock', n: 50_000, python: 'W7' },
  { id: 'W8', label: 'W8 TCP echo (lines)', n: ECHO_CLIENTS * 2_000, python: 'W8' },
  { id: 'C1', label: 'C1 cancel sleeping tasks', n: 1_000_000, python: 'C1', runs: 2 },
  { id: 'M1', label: 'M1 bytes/task', n: 100_000, python: 'M1' },
];

/** Number of tasks in W2 and W7. */
export const TASKS = 100;
/** Depth of the W6 chain: `level(199)` is 200 frames. */
export const DEPTH = 199;
/** Capacity of the W5 queue. */
export const QUEUE_SIZE = 100;

/** Sum 0 + 1 + … + (n − 1). */
export function triangle(n: number): number {
  return (n * (n - 1)) / 2;
}

// ---- checks (result shapes are the same for tulip and native) ----

/** W1: the gathered results are 0…N−1; their sum is N(N−1)/2. */
export function checkSpawn(results: readonly number[], n: number): boolean {
  if (results.length !== n) return false;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += results[i];
  return sum === triangle(n);
}

/** W2, W6, W7: the result (counter, or the chain's value) is N. */
export function checkEqualsN(result: number, n: number): boolean {
  return result === n;
}

/** W3: the number of callbacks run is N. */
export const checkCallbacks = checkEqualsN;

/** W4: N − ⌊N/3⌋ callbacks fired, and none of the cancelled ones. */
export interface TimerOutcome {
  fired: number;
  cancelledFired: number;
}
export function checkTimers(r: TimerOutcome, n: number): boolean {
  return r.fired === n - Math.floor(n / 3) && r.cancelledFired === 0;
}

/** W5: the consumer's sum is N(N−1)/2. */
export function checkQueueSum(sum: number, n: number): boolean {
  return sum === triangle(n);
}

/** C1: every task ended cancelled. */
export interface CancelOutcome {
  tasks: number;
  cancelled: number;
}
export function checkCancelled(r: CancelOutcome, n: number): boolean {
  return r.tasks === n && r.cancelled === n;
}

/** M1: what one measurement gives. */
export interface MemoryOutcome {
  started: number;
  finished: number;
  bytesPerTask: number;
}
export function checkMemory(r: MemoryOutcome, n: number): boolean {
  return r.started === n && r.finished === 0;
}
