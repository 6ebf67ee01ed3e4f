#!/usr/bin/env node
// `npm run playground`: builds the playground (playground/build.js), then
// serves playground/dist/ on 127.0.0.1 and prints the address to open.
//
//   npm run playground                 # http://127.0.0.1:8310/ (or the next free port)
//   npm run playground -- --port 9000  # a port of your choice (0: any free port)
//
// A small static server: GET and HEAD of the files in dist/, nothing else.
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

/** Answers one request from the files in `dir`. */
function handler(dir) {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let name;
    try {
      name = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (name.endsWith('/')) name += 'index.html';
    const file = path.join(dir, path.normalize(name));
    // Only files inside dir: no ../ escapes.
    if (!file.startsWith(dir + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`not found: ${name}\n`);
        return;
      }
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
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
