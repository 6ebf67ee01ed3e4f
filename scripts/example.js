#!/usr/bin/env node
// Runs one example: `npm run example -- NAME [--trace] [--timeline] [--realtime]`.
// NAME is a file of examples/ with or without `.ts`, or any unique part of
// one: `04`, `countdown`, `04-countdown-countup`. Without NAME, lists them.
// Examples run with ts-node in transpile-only mode (fast start); `npm test`
// type-checks them. `esm` is examples/esm/hello.mts, an ES module importing
// the built package: it builds dist/ first and runs with ts-node's ESM
// loader (type-checked against examples/esm/tsconfig.json).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'examples');
const examples = fs
  .readdirSync(dir)
  .filter((f) => /^\d\d-.*\.ts$/.test(f) || f === 'tour.ts')
  .sort()
  .map((f) => f.replace(/\.ts$/, ''));

const [name, ...rest] = process.argv.slice(2);

if (name === 'esm' || name === 'examples/esm/hello.mts') {
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.js')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) process.exit(1);
  const res = spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', '--loader', 'ts-node/esm', path.join('examples', 'esm', 'hello.mts'), ...rest], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, TS_NODE_PROJECT: path.join('examples', 'esm', 'tsconfig.json') },
  });
  process.exit(res.status === null ? 1 : res.status);
}
if (name === undefined || name === '--help' || name === '-h') {
  console.log('usage: npm run example -- NAME [--trace] [--timeline] [--realtime]\n\nexamples:');
  for (const e of examples) console.log(`  ${e}`);
  console.log('  esm (examples/esm/hello.mts: an ES module, top-level await)');
  process.exit(name === undefined ? 1 : 0);
}

const wanted = name.replace(/\.ts$/, '').replace(/^examples\//, '');
let matches = examples.filter((e) => e === wanted);
if (matches.length === 0) matches = examples.filter((e) => e.startsWith(wanted));
if (matches.length === 0) matches = examples.filter((e) => e.includes(wanted));
if (matches.length !== 1) {
  console.error(matches.length === 0 ? `no example matches '${name}'` : `'${name}' matches several examples: ${matches.join(', ')}`);
  console.error(`examples: ${examples.join(', ')}`);
  process.exit(1);
}

const res = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join('examples', `${matches[0]}.ts`), ...rest], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(res.status === null ? 1 : res.status);
