#!/usr/bin/env node
// `npm run playground`: builds the playground (playground/build.js), then
// serves playground/dist/ on 127.0.0.1 and prints the address to open.
//
//   npm run playground                 # http://127.0.0.1:8310/ (or the next free port)
//   npm run playground -- --port 9000  # a port of your choice (0: any free port)
//
// A small static server: GET and HEAD of the files in dist/, nothing else,
// and only for requests addressed to 127.0.0.1:<port> (see ownHosts).
'use strict';
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { buildPlayground, outdir } = require('./build');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * What the page may load and do (Content-Security-Policy): its own files
 * only. Scripts come from this server (no inline script, no eval), workers
 * from it or from a blob: (syntax.ts's throwaway parser); CodeMirror writes
 * its styles at run time. Nothing may be fetched from elsewhere — so a
 * program from a link cannot make the page reach out.
 */
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
/**
 * The worker's policy (a worker obeys the policy its own script came with):
 * it runs the learner's program with `new Function` ('unsafe-eval'), and
 * may load, fetch or connect to nothing at all.
 */
const WORKER_POLICY = ["default-src 'none'", "script-src 'self' 'unsafe-eval'"].join('; ');
/** The files that start a worker, and get its policy. */
const WORKER_SCRIPTS = new Set(['worker.js']);

/**
 * The names the server answers to: its own address. A page on another site
 * can make the browser send requests to 127.0.0.1, and with DNS rebinding
 * even read the answers — but those requests carry that site's name in
 * their Host header, so a server that checks it gives them nothing.
 */
function ownHosts(port) {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  // On port 80 a browser leaves the port out of Host.
  if (port === 80) hosts.push('127.0.0.1', 'localhost');
  return new Set(hosts);
}

/** A plain-text answer (every refusal says why). */
function reply(res, status, text, headers = {}) {
  const body = Buffer.from(`${text}\n`);
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(body);
}

/** `inner` is `outer` or a path inside it. */
function inside(outer, inner) {
  return inner === outer || inner.startsWith(outer + path.sep);
}

/**
 * The file a request asks for, or a refusal `{ status, text }`. Nothing is
 * taken on trust: the request target, the Host header and the path are all
 * untrusted text from whoever can reach the port.
 */
async function resolveRequest(req, root) {
  const hosts = ownHosts(req.socket.localPort);
  const host = String(req.headers.host ?? '').toLowerCase();
  const here = `http://127.0.0.1:${req.socket.localPort}/`;
  if (!hosts.has(host)) return { status: 421, text: `This server answers only requests addressed to ${here} (Host: ${host || 'none'}).` };
  let target = req.url ?? '';
  if (!target.startsWith('/')) {
    // absolute-form (`GET http://127.0.0.1:8310/x`): accepted only when it names this server.
    const m = /^http:\/\/([^/?#]*)(\/[^#]*)?$/i.exec(target);
    if (m === null) return { status: 400, text: 'The request target must be a path (/index.html).' };
    if (!hosts.has(m[1].toLowerCase())) return { status: 421, text: `This server answers only requests addressed to ${here}.` };
    target = m[2] ?? '/';
  }
  let name;
  try {
    name = decodeURIComponent(target.replace(/[?#].*$/s, ''));
  } catch {
    return { status: 400, text: 'The path is not valid percent-encoded UTF-8.' };
  }
  // No file name holds a control character; a NUL would even make fs throw.
  if (/[\u0000-\u001f\u007f]/.test(name)) return { status: 400, text: 'The path holds a control character.' };
  if (name.endsWith('/')) name += 'index.html';
  // path.join resolves every `..`: what is left must still be inside the folder.
  const file = path.join(root, name);
  if (!inside(root, file)) return { status: 403, text: 'Only the files of the playground are served.' };
  let real;
  try {
    real = await fs.promises.realpath(file);
  } catch {
    return { status: 404, text: `not found: ${name}` };
  }
  // A symbolic link inside the folder may point anywhere: follow it only when it stays inside.
  if (!inside(root, real)) return { status: 403, text: 'Only the files of the playground are served.' };
  const stat = await fs.promises.stat(real);
  if (!stat.isFile()) return { status: 404, text: `not found: ${name}` };
  return { file: real };
}

/**
 * Answers one request from the files in `dir`: GET and HEAD only, addressed
 * to this server, of a file inside `dir`. Every request gets an answer — a
 * refusal is a 4xx, an unexpected failure a 500 — and none can stop the server.
 */
function handler(dir) {
  let root = null; // dir's real path, once known (it may be made after the server starts)
  const answer = async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'Only GET and HEAD.', { Allow: 'GET, HEAD' });
    root ??= await fs.promises.realpath(dir);
    const found = await resolveRequest(req, root);
    if (!('file' in found)) return reply(res, found.status, found.text);
    const body = await fs.promises.readFile(found.file);
    res.writeHead(200, {
      'Content-Type': TYPES[path.extname(found.file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': WORKER_SCRIPTS.has(path.basename(found.file)) ? WORKER_POLICY : PAGE_POLICY,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  return (req, res) => {
    answer(req, res).catch((err) => {
      if (res.headersSent) res.destroy();
      else reply(res, 500, `The server failed to answer: ${err.message}`);
    });
  };
}

/**
 * Serves `dir` on 127.0.0.1. With `port` busy, tries the next ones (up to 10),
 * unless `port` is 0 (any free port). Resolves to `{ server, url }`.
 */
function serve({ dir = outdir, port = 8310 } = {}) {
  return new Promise((resolve, reject) => {
    const server = http.createServer(handler(path.resolve(dir)));
    let tries = 0;
    server.on('error', (err) => {
      if (err.code === 'EADDRINUSE' && port !== 0 && ++tries < 10) server.listen(port + tries, '127.0.0.1');
      else reject(err);
    });
    server.on('listening', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}/` }));
    server.listen(port, '127.0.0.1');
  });
}

module.exports = { serve, handler };

if (require.main === module) {
  const i = process.argv.indexOf('--port');
  const port = i >= 0 ? Number(process.argv[i + 1]) : 8310;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port needs a port number (0-65535), got ${process.argv[i + 1]}`);
    process.exit(2);
  }
  buildPlayground()
    .then(() => serve({ port }))
    .then(({ url }) => console.log(`tulip playground: ${url}  (Ctrl-C to stop)`))
    .catch((err) => {
      for (const e of err.errors ?? []) console.error(`${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`);
      if (!err.errors) console.error(err.message ?? err);
      process.exit(1);
    });
}
