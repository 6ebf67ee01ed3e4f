/**
 * Summarises a `.cpuprofile` (from `node --cpu-prof`): the functions with the
 * most self time, with their inclusive time, and the hottest source lines.
 *
 *   node -r ts-node/register/transpile-only bench/profile-top.ts FILE.cpuprofile [top=25] [filter-regexp]
 *
 * Self time: samples where the function itself was running. Inclusive: where
 * it was anywhere on the stack. Lines are those of the JavaScript V8 ran.
 */
import * as fs from 'fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, filterArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-top.ts FILE.cpuprofile [top] [filter]');
const top = Number(topArg ?? 25);
const filter = filterArg ? new RegExp(filterArg) : null;
const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const timeOf = new Map<number, number>();
let total = 0;
p.samples.forEach((id, i) => {
  const dt = Math.max(0, p.timeDeltas[i] ?? 0);
  timeOf.set(id, (timeOf.get(id) ?? 0) + dt);
  total += dt;
});
const keyOf = (n: ProfileNode): string => {
  const f = n.callFrame;
  return `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
};
const self = new Map<string, number>();
const incl = new Map<string, number>();
for (const [id, t] of timeOf) {
  const k = keyOf(byId.get(id) as ProfileNode);
  self.set(k, (self.get(k) ?? 0) + t);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const key = keyOf(byId.get(cur) as ProfileNode);
    if (seen.has(key)) continue;
    seen.add(key);
    incl.set(key, (incl.get(key) ?? 0) + t);
  }
}
const lines = new Map<string, number>();
for (const n of p.nodes) {
  for (const t of n.positionTicks ?? []) {
    const k = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')} line ${t.line}`;
    lines.set(k, (lines.get(k) ?? 0) + t.ticks);
  }
}
const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
console.log(`total ${(total / 1000).toFixed(0)} ms sampled`);
console.log('  self   incl  function');
for (const [k, t] of [...self].filter(([k]) => !filter || filter.test(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${pct(t)} ${pct(incl.get(k) ?? 0)}  ${k}`);
}
const tickTotal = [...lines.values()].reduce((a, b) => a + b, 0);
console.log('\nhottest lines (share of line ticks)');
for (const [k, t] of [...lines].filter(([k]) => !filter || filter.test(k)).sort((a, b) => b[1] - a[1]).slice(0, 12)) {
  console.log(`${((100 * t) / tickTotal).toFixed(1).padStart(5)}%  ${k}`);
}
