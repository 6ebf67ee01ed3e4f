#!/usr/bin/env node
// The test command: mocha under c8 (coverage thresholds in .c8rc.json), then one
// closing line "N passed, N failed" — the line CI recognises (mocha's own
// "N passing" is not). Extra arguments go to mocha (e.g. a spec file).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const tally = path.join(os.tmpdir(), `tulip-tally-${process.pid}.json`);
const root = path.resolve(__dirname, '..');
const args = [
  require.resolve('c8/bin/c8.js'),
  require.resolve('mocha/bin/mocha.js'),
  '--reporter', path.join(__dirname, 'reporter.js'),
  // The whole suite, unless spec files are named (mocha flags such as --grep pass through).
  ...process.argv.slice(2),
  ...(process.argv.slice(2).some((a) => a.endsWith('.ts')) ? [] : ['spec/**/*.spec.ts']),
];
const res = spawnSync(process.execPath, args, {
  cwd: root,
  stdio: 'inherit',
  // `npm test` type-checks the whole project with tsc first, so mocha only transpiles (much faster).
  env: { TS_NODE_TRANSPILE_ONLY: 'true', ...process.env, TULIP_TALLY: tally },
});
let counts = { passes: 0, failures: 1, pending: 0 };
try { counts = JSON.parse(fs.readFileSync(tally, 'utf8')); fs.unlinkSync(tally); } catch { /* mocha never finished */ }
let failures = counts.failures;
if (res.status !== 0 && failures === 0) {
  console.log('\nThe run failed outside the specs (most likely the coverage thresholds in .c8rc.json).');
  failures = 1;
}
console.log(`${counts.passes} passed, ${failures} failed${counts.pending ? `, ${counts.pending} skipped` : ''}`);
process.exit(failures === 0 ? 0 : 1);
