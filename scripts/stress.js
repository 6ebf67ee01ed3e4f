#!/usr/bin/env node
// `npm run stress`: the reliability suite (spec/reliability) with deeper budgets.
//
//   npm run stress                      20 × the programs of `npm test`, a fresh seed, the long runs
//                                       (1 000 000 tasks, 200 clients × 50 round trips)
//   TULIP_STRESS_RUNS=100 npm run stress   100 × the programs (60 000)
//   npm run stress -- --seed 1234       replay a seed (it is printed at the start of every run)
//   npm run stress -- --short           no long runs
//   npm run stress -- --profile test    exactly what `npm test` runs (fixed seed, small long runs)
//   npm run stress -- --update-docs     also write the figures into docs/reliability.md
//   npm run stress -- --soak [minutes]  only the soak: an echo server under churning clients for
//                                       `minutes` (default 2), memory sampled; fails on growth or loss
//
// Extra arguments that are not options go to mocha (e.g. -g 'pure programs').
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const flag = (name) => {
  const i = argv.indexOf(name);
  if (i < 0) return false;
  argv.splice(i, 1);
  return true;
};
const option = (name) => {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const value = argv[i + 1];
  argv.splice(i, 2);
  return value;
};

const profile = option('--profile') ?? 'stress';
const updateDocs = flag('--update-docs');
const soakAt = argv.indexOf('--soak');
if (soakAt >= 0) {
  const value = argv[soakAt + 1];
  const given = value !== undefined && /^\d*\.?\d+$/.test(value);
  argv.splice(soakAt, given ? 2 : 1);
  runSoak(given ? Number(value) : 2);
}
const short = flag('--short') || profile === 'test';
const testProfile = profile === 'test';
const runs = testProfile ? '1' : (process.env.TULIP_STRESS_RUNS ?? '20');
const seed = option('--seed') ?? process.env.TULIP_PROP_SEED ?? (testProfile ? undefined : String(Date.now() % 2147483647));
const report = path.join(os.tmpdir(), `tulip-reliability-${process.pid}.json`);

console.log(`tulip stress: profile=${profile} programs×${runs} seed=${seed ?? '(the fixed one of npm test)'}${short ? '' : ' + long runs'}`);
console.log(`  replay with: TULIP_STRESS_RUNS=${runs} npm run stress -- --seed ${seed ?? 20260514}${short ? ' --short' : ''}\n`);

const env = {
  ...process.env,
  TS_NODE_TRANSPILE_ONLY: 'true',
  TULIP_PROP_RUNS: runs,
  TULIP_RELIABILITY_REPORT: report,
};
if (seed !== undefined) env.TULIP_PROP_SEED = seed;
if (!short) env.TULIP_STRESS_LONG = '1';

const started = Date.now();
const res = spawnSync(
  process.execPath,
  // The long runs need room: 1 000 000 tasks go through, 10 000 alive at a time.
  ['--max-old-space-size=4096', require.resolve('mocha/bin/mocha.js'), '--timeout', '3600000', ...argv, ...(argv.some((a) => a.endsWith('.ts')) ? [] : ['spec/reliability/*.spec.ts'])],
  { cwd: root, stdio: 'inherit', env },
);
const seconds = ((Date.now() - started) / 1000).toFixed(0);

const t = readReport(report, 'no report: mocha did not finish');
if (t !== null) {
  console.log(`\nstress summary (${seconds} s): ${t.programs} programs (${t.modelled} against the model, ${t.shuffled} shuffled), ` +
    `${t.tasks} tasks, ${t.cancellationsInjected} cancellations injected, ${t.faultsInjected} I/O faults, ${t.badInputs} bad inputs, ` +
    `${t.longRunTasks} long-run tasks, ${t.roundTrips} round trips, data lost: ${t.dataLost}`);
  if (updateDocs && res.status === 0) writeDocs(t, profile, seed, seconds);
  else if (updateDocs) console.log('docs/reliability.md not updated: the run failed');
}
process.exit(res.status === null ? 1 : res.status);

/** The JSON a run left in `file` (then removed), or null, saying `missing`. */
function readReport(file, missing) {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.unlinkSync(file);
    return parsed;
  } catch {
    console.log(`\n${missing}`);
    return null;
  }
}

/** The soak (spec/reliability/soak.ts) alone, in a process of its own; exits with its status. */
function runSoak(minutes) {
  const soakReport = path.join(os.tmpdir(), `tulip-soak-${process.pid}.json`);
  const started = Date.now();
  const res = spawnSync(process.execPath, ['-r', 'ts-node/register', 'spec/reliability/soak.ts', '--minutes', String(minutes), '--report', soakReport], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
  });
  const r = readReport(soakReport, 'no soak report: the soak did not finish');
  if (r !== null && updateDocs && res.status === 0) writeSoakDocs(r, ((Date.now() - started) / 1000).toFixed(0));
  else if (updateDocs) console.log('docs/reliability.md not updated: the soak failed');
  process.exit(res.status === null ? 1 : res.status);
}

function writeSoakDocs(r, secs) {
  const n = (x) => Number(x).toLocaleString('en');
  const mib = (x) => `${(x / 1048576).toFixed(1)} MiB`;
  const first = r.samples[0];
  const last = r.samples[r.samples.length - 1];
  replaceBlock('soak', [
    `Last run: ${new Date().toISOString().slice(0, 10)}, ${secs} s (${(r.seconds / 60).toFixed(1)} min of clients), ${r.clients} clients at once, Node ${process.version}.`,
    '',
    '| figure | value |',
    '|---|---:|',
    `| connections | ${n(r.connections)} |`,
    `| … closed by the client | ${n(r.endings.closed)} |`,
    `| … reset (RST) | ${n(r.endings.reset)} |`,
    `| … reset in the middle of a message | ${n(r.endings.resetMidMessage)} |`,
    `| round trips checked byte for byte | ${n(r.roundTrips)} |`,
    `| bytes echoed | ${mib(r.bytesEchoed)} |`,
    `| RSS: start → end of warm-up → end | ${mib(first.rss)} → ${mib(r.baseline.rss)} → ${mib(last.rss)} |`,
    `| heap: start → end of warm-up → end | ${mib(first.heapUsed)} → ${mib(r.baseline.heapUsed)} → ${mib(last.heapUsed)} |`,
    `| most RSS rise after the warm-up (bound) | ${mib(r.growth.rss)} (${mib(r.bounds.rss)}) |`,
    `| most heap rise after the warm-up (bound) | ${mib(r.growth.heapUsed)} (${mib(r.bounds.heapUsed)}) |`,
    `| most ArrayBuffer rise after the warm-up (bound) | ${mib(r.growth.arrayBuffers)} (${mib(r.bounds.arrayBuffers)}) |`,
    `| server handlers left running | ${n(r.handlersLeft)} |`,
    `| **data lost** | **${n(r.dataLost)}** |`,
  ]);
}

/** Rewrites the block between `<!-- figures:NAME:begin -->` and `<!-- figures:NAME:end -->` with `lines`. */
function replaceBlock(name, lines) {
  const file = path.join(root, 'docs', 'reliability.md');
  const text = fs.readFileSync(file, 'utf8');
  const begin = `<!-- figures:${name}:begin -->`;
  const end = `<!-- figures:${name}:end -->`;
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) {
    console.log(`docs/reliability.md has no ${begin} … ${end} block: not updated`);
    return;
  }
  fs.writeFileSync(file, text.slice(0, a) + [begin, ...lines, end].join('\n') + text.slice(b + end.length));
  console.log(`docs/reliability.md: figures of the ${name} run updated`);
}

/** The figures of a profile's run. */
function writeDocs(t, profileName, seedUsed, secs) {
  const n = (x) => (x === null || x === undefined ? '—' : Number(x).toLocaleString('en'));
  const lines = [
    `Last run: ${new Date().toISOString().slice(0, 10)}, ${secs} s, seed ${seedUsed ?? '20260514 (fixed)'}, Node ${process.version}.`,
    '',
    '| figure | count |',
    '|---|---:|',
    `| programs generated | ${n(t.programs)} |`,
    `| … checked against the reference model | ${n(t.modelled)} |`,
    `| … run under seeded shuffling | ${n(t.shuffled)} |`,
    `| tasks run by the programs | ${n(t.tasks)} |`,
    `| callbacks and timers checked | ${n(t.callbacks + t.timers)} |`,
    `| cancellations injected | ${n(t.cancellationsInjected)} |`,
    `| timeouts that expired | ${n(t.timeoutsExpired)} |`,
    `| queue items moved | ${n(t.queueItems)} |`,
    `| I/O faults injected | ${n(t.faultsInjected)} |`,
    `| bad inputs tried | ${n(t.badInputs)} |`,
    `| long-run tasks | ${n(t.longRunTasks)} |`,
    `| echo round trips | ${n(t.roundTrips)} |`,
    `| bytes retained per finished task | ${t.bytesPerTask === null ? '—' : t.bytesPerTask.toFixed(2)} |`,
    `| bytes retained per round trip | ${t.bytesPerRoundTrip === null || t.bytesPerRoundTrip === undefined ? '—' : t.bytesPerRoundTrip.toFixed(1)} |`,
    `| **data lost** | **${n(t.dataLost)}** |`,
    '',
    'Faults by kind:',
    '',
    '| fault | injected |',
    '|---|---:|',
    ...Object.entries(t.faultKinds).map(([k, v]) => `| ${k} | ${n(v)} |`),
    '',
    // The full table once (for what `npm test` runs); a deeper run only multiplies the generated values.
    ...(profileName === 'test'
      ? ['Bad inputs by API and kind:', '', ...badInputTable(t.badInputTable, n)]
      : ['Bad inputs by kind (per API: the table of the `npm test` run above, each generated column multiplied):', '', '| kind | tried |', '|---|---:|', ...Object.entries(t.badInputKinds).map(([k, v]) => `| ${k} | ${n(v)} |`)]),
  ];
  replaceBlock(profileName, lines);
}

function badInputTable(table, n) {
  const kinds = ['wrong type', 'NaN', 'negative', 'Infinity', 'closed loop', 'foreign loop', 're-entrant', 'self-await', 'twice', 'no loop', 'misuse', 'deadlock'];
  const used = kinds.filter((k) => Object.values(table).some((row) => row[k]));
  const rows = Object.keys(table).sort((x, y) => x.localeCompare(y));
  const out = [`| API | ${used.join(' | ')} | total |`, `|---|${used.map(() => '---:').join('|')}|---:|`];
  const totals = Object.fromEntries(used.map((k) => [k, 0]));
  for (const api of rows) {
    const row = table[api];
    let sum = 0;
    const cells = used.map((k) => {
      const v = row[k] ?? 0;
      sum += v;
      totals[k] += v;
      return v ? n(v) : '';
    });
    out.push(`| \`${api}\` | ${cells.join(' | ')} | ${n(sum)} |`);
  }
  const all = Object.values(totals).reduce((s, v) => s + v, 0);
  out.push(`| **all** | ${used.map((k) => `**${n(totals[k])}**`).join(' | ')} | **${n(all)}** |`);
  return out;
}
