/**
 * Effection has no "yield to the others once" (bench/NOTES.md, "Effection"):
 * W2 on Effection with three candidate steps, interleaved run by run in one
 * process, best of 5 — what the choice in bench/effection/workloads.ts
 * costs or saves. `sleep(0)` runs at N/10: each of its rounds waits for
 * Node's 1 ms timer clamp.
 *
 *   npx esbuild bench/effection/steps.ts --bundle --platform=node --outfile=/tmp/steps.js && node /tmp/steps.js
 */
import { action, call, run, sleep, spawn, type Operation, type Task } from 'effection';
import { TASKS } from '../workloads';

const STEPS: Record<string, () => Operation<void>> = {
  // the column's step: what Effection's own benchmarks use (a microtask)
  'call(() => Promise.resolve())': () => call(() => Promise.resolve()),
  // a loop turn, as native macro: written by the user with action(), Effection's `new Promise()`
  'action(setImmediate)': () =>
    action<void>((resolve) => {
      const h = setImmediate(resolve);
      return () => clearImmediate(h);
    }),
  // Effection's sleep: setTimeout(0), clamped to 1 ms
  'sleep(0)': () => sleep(0),
};

async function switchAll(n: number, step: () => Operation<void>): Promise<number> {
  const t0 = process.hrtime.bigint();
  const value = await run(function* () {
    const counter = { value: 0 };
    const tasks: Task<void>[] = [];
    for (let t = 0; t < TASKS; t++) {
      tasks.push(
        yield* spawn(function* () {
          for (let k = 0; k < n / TASKS; k++) yield* step();
          counter.value += n / TASKS;
        }),
      );
    }
    for (const task of tasks) yield* task;
    return counter.value;
  });
  if (value !== n) throw new Error(`W2 counted ${value}, not ${n}`);
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 40_000);
  const best: Record<string, number> = {};
  for (let r = 0; r < 5; r++) {
    for (const [name, step] of Object.entries(STEPS)) {
      const ops = await switchAll(name === 'sleep(0)' ? n / 10 : n, step);
      best[name] = Math.max(best[name] ?? 0, ops);
    }
  }
  for (const [name, ops] of Object.entries(best)) console.log(`${name.padEnd(32)} ${(ops / 1e3).toFixed(0)}k switches/s`);
}

void main();
