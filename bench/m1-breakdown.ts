/**
 * What M1's bytes per pending task are made of: a heap snapshot before and
 * after N tasks park on `sleep(10)`, the difference grouped by kind of
 * object (V8's own names: `object:Task`, `closure:taskStep`, `array:` for
 * internal arrays such as a generator's register file, …).
 *
 *   node --expose-gc -r ts-node/register/transpile-only bench/m1-breakdown.ts [N=20000]
 *
 * (bench/NOTES.md shows a run.) Heap snapshots are slow and large: keep N small.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { EventLoop, createTask, sleep, type Coroutine } from '../lib';
import { fullGC } from './harness';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Count and bytes per kind of object in the heap now. */
function census(): Map<string, [number, number]> {
  const file = v8.writeHeapSnapshot(path.join(os.tmpdir(), `tulip-m1-${process.pid}.heapsnapshot`));
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
  fs.unlinkSync(file);
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const out = new Map<string, [number, number]>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + iType]];
    const key = type === 'string' || type === 'concatenated string' || type === 'number' ? type : `${type}:${snap.strings[snap.nodes[i + iName]]}`;
    const entry = out.get(key) ?? [0, 0];
    entry[0]++;
    entry[1] += snap.nodes[i + iSize];
    out.set(key, entry);
  }
  return out;
}

const n = Number(process.argv[2] ?? 20_000);
const loop = new EventLoop({ clock: 'virtual' });
function* sleeper(): Coroutine<void> {
  yield* sleep(10);
}
function* spawnSleepers(): Coroutine<void> {
  for (let i = 0; i < n; i++) createTask(sleeper());
  yield* sleep(0);
}
fullGC();
const before = census();
loop.runUntilComplete(spawnSleepers());
fullGC();
const after = census();
const rows: [string, number, number][] = [];
for (const [key, [count, bytes]] of after) {
  const [count0, bytes0] = before.get(key) ?? [0, 0];
  if (bytes - bytes0 > n * 2) rows.push([key, count - count0, bytes - bytes0]);
}
rows.sort((a, b) => b[2] - a[2]);
let total = 0;
console.log(`${'kind'.padEnd(44)} ${'objects'.padStart(8)} ${'B/task'.padStart(8)}`);
for (const [key, count, bytes] of rows) {
  total += bytes;
  console.log(`${key.slice(0, 44).padEnd(44)} ${String(count).padStart(8)} ${(bytes / n).toFixed(1).padStart(8)}`);
}
console.log(`${'total'.padEnd(44)} ${''.padStart(8)} ${(total / n).toFixed(0).padStart(8)}`);
loop.close();
