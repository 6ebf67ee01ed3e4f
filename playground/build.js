#!/usr/bin/env node
// Builds the playground into playground/dist/ with esbuild: the page
// (src/main.ts → main.js), the Web Worker that runs the loop (src/worker.ts →
// worker.js), index.html and style.css. Everything the page needs is in those
// files: it makes no request outside its own origin.
//
// The rule it enforces on the way: the core of tulip runs in a browser, so
// the bundle may import nothing from Node. Any import of a Node built-in
// fails the build (nodeBuiltinsUnavailable), whoever imports it.
//
// `node playground/build.js` builds; playground/serve.js builds and serves.
'use strict';
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');
const { builtinModules } = require('node:module');

const root = path.resolve(__dirname, '..');
const outdir = path.join(__dirname, 'dist');

/**
 * An esbuild plugin under which no Node built-in resolves (`fs`, `node:path`,
 * `worker_threads`, …): what a browser offers. An import of one is a build
 * error naming the module that imported it.
 */
function nodeBuiltinsUnavailable() {
  const builtins = new Set(builtinModules);
  return {
    name: 'node-builtins-unavailable',
    setup(build) {
      build.onResolve({ filter: /^[a-z0-9_:/]+$/ }, (args) => {
        const bare = args.path.startsWith('node:') ? args.path.slice(5) : args.path;
        if (!args.path.startsWith('node:') && !builtins.has(bare) && !builtins.has(bare.split('/')[0])) return undefined;
        const by = args.importer ? path.relative(root, args.importer) : '(entry)';
        return { errors: [{ text: `"${args.path}" is a Node built-in, and a browser has none (imported by ${by}): Node-only code lives in its own module, outside lib/browser.ts` }] };
      });
    },
  };
}

/** The options every browser bundle of tulip is built with. */
function browserOptions(extra) {
  return {
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'silent',
    // Function names show in traces and task stacks (callableName): the bundle must not rename them.
    keepNames: true,
    plugins: [nodeBuiltinsUnavailable()],
    ...extra,
  };
}

/** Bundles `entry` (default lib/browser.ts) for a browser, in memory; resolves to the bundle's text. */
async function bundleForBrowser(entry = path.join(root, 'lib', 'browser.ts'), extra = {}) {
  const result = await esbuild.build(browserOptions({ entryPoints: [entry], write: false, globalName: 'tulip', ...extra }));
  return result.outputFiles[0].text;
}

/** Builds the page into playground/dist/; resolves to the list of files written. */
async function buildPlayground() {
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(outdir, { recursive: true });
  await esbuild.build(
    browserOptions({
      entryPoints: { main: path.join(__dirname, 'src', 'main.ts'), worker: path.join(__dirname, 'src', 'worker.ts') },
      outdir,
      sourcemap: true,
      // The playground is read by learners: keep names and layout.
      minify: false,
    }),
  );
  for (const file of ['index.html', 'style.css']) fs.copyFileSync(path.join(__dirname, file), path.join(outdir, file));
  return fs.readdirSync(outdir).sort();
}

module.exports = { bundleForBrowser, buildPlayground, nodeBuiltinsUnavailable, outdir };

if (require.main === module) {
  buildPlayground().then(
    (files) => console.log(`playground built into ${path.relative(process.cwd(), outdir) || '.'}/: ${files.join(', ')}`),
    (err) => {
      for (const e of err.errors ?? []) console.error(`${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`);
      if (!err.errors) console.error(err);
      process.exit(1);
    },
  );
}
