/**
 * Runs one tulip workload over and over, for a CPU profile of where its time goes:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof -r ts-node/register/transpile-only bench/profile.ts W2 [seconds] [N]
 *   node -r ts-node/register/transpile-only bench/profile-top.ts /tmp/prof/<file>.cpuprofile
 *
 * (bench/NOTES.md records what the profiles showed.)
 */
import { Stopwatch } from './harness';
import { WORKLOADS, type WorkloadId } from './workloads';
import { TULIP } from './tulip/workloads';

const id = (process.argv[2] ?? 'W2') as WorkloadId;
const seconds = Number(process.argv[3] ?? 3);
const info = WORKLOADS.find((w) => w.id === id);
const w = TULIP[id];
if (info === undefined || w === undefined) throw new Error(`no tulip workload ${id} (ids: ${Object.keys(TULIP).join(', ')})`);
const n = Number(process.argv[4] ?? info.n);
const input = w.prepare ? w.prepare(n) : undefined;
async function main(): Promise<void> {
  const end = Date.now() + seconds * 1000;
  let runs = 0;
  let best = Infinity;
  while (Date.now() < end) {
    const sw = new Stopwatch();
    const r = await w!.once(n, input, sw); // W8 runs on run(): a promise
    if (!w!.check(r, n, input)) throw new Error(`${id}: wrong result`);
    best = Math.min(best, sw.seconds());
    runs++;
  }
  console.log(`${id} N=${n}: ${runs} runs, best ${((n / best) / 1e3).toFixed(0)}k ops/s`);
}
void main();
