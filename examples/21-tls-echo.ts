/**
 * 21 — An HTTPS-style TLS echo (startServer and openConnection with `ssl`).
 *
 * The echo server of example 12, encrypted: TLS from the first byte, as
 * HTTPS does. The server answers one HTTP/1.0-style request per connection
 * with the request line it read. What to watch:
 *  - the server gives its certificate and key, `{ ssl: { key, cert } }`; the
 *    client says whom it trusts, `{ ssl: { ca: cert } }` (a self-signed
 *    certificate is its own authority);
 *  - the handshake comes first: `openConnection` returns, and the server's
 *    handler starts, only once it is done; `getExtraInfo('peercert')` and
 *    `'cipher'` then tell who is at the other end and how they talk;
 *  - verification is on unless you turn it off: a client that trusts only the
 *    usual authorities, or expects another name, is refused with Python's
 *    SSLCertVerificationError and its reason; a plaintext client is dropped;
 *    a handshake that never finishes is aborted after `sslHandshakeTimeout`;
 *  - STARTTLS: a plaintext conversation upgraded in place (`writer.startTls`).
 *
 * The certificate is spec/fixtures/tls/localhost.crt: a throwaway one,
 * TEST ONLY — its private key is public, in the repository.
 *
 * Real sockets, real time: the spec normalises timestamps (t=#.###) and durations.
 *
 * Run: npx ts-node examples/21-tls-echo.ts
 */
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { fromPromise, openConnection, startServer, type Coroutine, type StreamReader, type StreamWriter } from '../lib';
import { heading, intro, runReal, say } from './_shared';

intro(
  '21 — an HTTPS-style TLS echo',
  'A TLS server with a throwaway certificate, a client that trusts it, and what verification refuses.',
);

// TEST ONLY: a throwaway certificate (CN=localhost) whose private key is in the repository.
const fixtures = join(__dirname, '..', 'spec', 'fixtures', 'tls');
const cert = readFileSync(join(fixtures, 'localhost.crt'));
const key = readFileSync(join(fixtures, 'localhost.key'));

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** The server's side of one connection: read a request, answer with its first line. */
function* handle(reader: StreamReader, writer: StreamWriter): Coroutine<void> {
  const requestLine = text(yield* reader.readline()).trimEnd();
  while (text(yield* reader.readline()).trim() !== '') {} // the headers, up to the blank line
  say(`server: over ${writer.getExtraInfo('cipher')?.version}, the request is ${JSON.stringify(requestLine)}`);
  const body = `you asked for: ${requestLine}\n`;
  writer.write(`HTTP/1.0 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  yield* writer.drain();
  writer.close(); // TLS says goodbye (close_notify), then the socket closes
}

/** A client: connect with TLS, send a request, read the whole answer. */
function* get(port: number, target: string): Coroutine<void> {
  const [reader, writer] = yield* openConnection('localhost', port, { ssl: { ca: cert } });
  const peer = writer.getExtraInfo('peercert');
  say(`client: handshake done — the server's certificate is for ${peer?.subject.CN}, issued by ${peer?.issuer.CN} (self-signed), valid until ${peer?.valid_to}`);
  writer.write(`GET ${target} HTTP/1.0\r\nHost: localhost\r\n\r\n`);
  const answer = text(yield* reader.read()); // to the end: the server closes
  for (const line of answer.trimEnd().split('\r\n')) say(line === '' ? 'client: <' : `client: < ${line}`);
  writer.close();
  yield* writer.waitClosed();
}

/** Tries to connect; prints what the failure says. */
function* refused(what: string, port: number, options: Parameters<typeof openConnection>[2]): Coroutine<void> {
  try {
    yield* openConnection('127.0.0.1', port, options);
    say(`${what}: connected (it should not have)`);
  } catch (e) {
    const err = e as Error;
    say(`${what}:`);
    say(`    ${err.name}: ${err.message}`);
  }
}

function* main(): Coroutine<void> {
  const server = yield* startServer(handle, '127.0.0.1', 0, { ssl: { key, cert } });
  const port = server.address().port;
  say(`server: listening with TLS on 127.0.0.1 port <ephemeral>`);

  heading('1. A request over TLS');
  yield* get(port, '/hello');

  heading('2. What verification refuses');
  yield* refused('a client trusting only the usual authorities', port, { ssl: true });
  yield* refused('a client expecting another name', port, { ssl: { ca: cert }, serverHostname: 'example.com' });
  const [plainReader, plainWriter] = yield* openConnection('127.0.0.1', port); // no ssl: plaintext
  plainWriter.write('GET / HTTP/1.0\r\n\r\n');
  try {
    yield* plainReader.read(); // to the end (at most a TLS alert comes), or a reset
  } catch {
    /* a reset: hung up all the same */
  }
  say('a plaintext client: the TLS server hangs up on it (no error on its side: a failed handshake is dropped quietly)');
  plainWriter.close();

  heading('3. A handshake that never finishes');
  const silent = net.createServer((sock) => sock.resume()); // accepts, never answers the ClientHello
  yield* fromPromise(new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve)));
  const silentPort = (silent.address() as net.AddressInfo).port;
  yield* refused('a server that never answers, sslHandshakeTimeout 0.5', silentPort, { ssl: true, sslHandshakeTimeout: 0.5 });
  silent.close();

  heading('4. STARTTLS: plaintext first, then TLS on the same connection');
  const upgrading = yield* startServer(
    function* (reader: StreamReader, writer: StreamWriter): Coroutine<void> {
      say(`server: plaintext ${JSON.stringify(text(yield* reader.readline()).trimEnd())} — answering GO AHEAD, then TLS`);
      writer.write('GO AHEAD\n');
      yield* writer.startTls({ key, cert }); // a server's streams take the server's side
      say(`server: over TLS: ${JSON.stringify(text(yield* reader.readline()).trimEnd())}`);
      writer.close();
    },
    '127.0.0.1',
    0,
  );
  const [reader, writer] = yield* openConnection('127.0.0.1', upgrading.address().port);
  writer.write('STARTTLS\n');
  say(`client: the server says ${JSON.stringify(text(yield* reader.readline()).trimEnd())}`);
  yield* writer.startTls({ ca: cert }, { serverHostname: 'localhost' });
  say(`client: upgraded — now ${writer.getExtraInfo('cipher')?.version}; the same reader and writer go on`);
  writer.write('a secret\n');
  yield* reader.read(); // until the server closes
  writer.close();

  heading('5. Shutting down');
  upgrading.close();
  server.close();
  yield* upgrading.waitClosed();
  yield* server.waitClosed();
  say('servers: closed');
}

runReal(main()).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
