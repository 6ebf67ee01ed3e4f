// lib/unix.ts: Unix domain sockets — streams and protocols, the socket file's life (a
// stale one removed, cleanup on close, CPython 3.13's rules), TLS over a Unix socket,
// failures. Real sockets in a fresh temporary directory, real child processes.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import {
  ConnectionRefusedError,
  EventLoop,
  FileNotFoundError,
  OSError,
  SSLCertVerificationError,
  PIPE,
  ValueError,
  createSubprocessExec,
  getRunningLoop,
  openUnixConnection,
  startUnixServer,
  type Coroutine,
  type Protocol,
  type StreamReader,
  type StreamWriter,
  type Transport,
} from '../lib';
import { arun, catching, expectEachThrows, hostPause, testTls, throws, type ErrorClass } from './support';

const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function* echo(r: StreamReader, w: StreamWriter): Coroutine<void> {
  let line: Uint8Array;
  while ((line = yield* r.readline()).length > 0) w.write(line);
  w.close();
}

describe('unix: Unix domain sockets', function () {
  this.timeout(30000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tulip-unix-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('startUnixServer and openUnixConnection: an echo; the path is the address; peername and sockname are paths', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const where = path.join(dir, 'echo.sock');
        const seen: unknown[] = [];
        const server = yield* startUnixServer(function* (r: StreamReader, w: StreamWriter): Coroutine<void> {
          seen.push(w.getExtraInfo('peername'), w.getExtraInfo('sockname'));
          yield* echo(r, w);
        }, where);
        expect(server.address()).to.equal(where);
        expect(server.isServing()).to.equal(true);
        expect(String(server)).to.equal(`<Server ${where} clients=0>`);
        expect(fs.statSync(where).isSocket()).to.equal(true);
        const [r, w] = yield* openUnixConnection(where);
        w.write('over a Unix socket\n');
        expect(dec(yield* r.readline())).to.equal('over a Unix socket\n');
        expect(w.getExtraInfo('peername')).to.equal(where); // Python: the client's peername is the path, its sockname ''
        expect(w.getExtraInfo('sockname')).to.equal('');
        expect(seen).to.deep.equal(['', where]); // the server's side: the other way round
        expect(String(w.transport)).to.match(new RegExp(`^<SocketTransport open peer=${where.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} `));
        w.writeEof(); // a Unix stream half-closes like TCP
        expect(dec(yield* r.read())).to.equal('');
        server.close();
        yield* server.waitClosed();
        expect(fs.existsSync(where), 'closing the server removes its socket file').to.equal(false);
      })(),
    );
  });

  it('loop.createUnixServer and loop.createUnixConnection, with protocols', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        const where = path.join(dir, 'proto.sock');
        class Upper implements Protocol {
          t!: Transport;
          connectionMade(t: Transport): void {
            this.t = t;
          }
          dataReceived(d: Uint8Array): void {
            this.t.write(dec(d).toUpperCase());
          }
        }
        const got = loop.createFuture<string>();
        const server = yield* loop.createUnixServer(() => new Upper(), where, { backlog: 5 });
        const [transport] = yield* loop.createUnixConnection(() => ({ dataReceived: (d: Uint8Array) => got.setResult(dec(d)) }), where);
        transport.write('shout');
        expect(yield* got).to.equal('SHOUT');
        transport.close();
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('a stale socket file (its server was killed) is removed before binding', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const where = path.join(dir, 'stale.sock');
        const script = `require('net').createServer().listen(${JSON.stringify(where)}, () => console.log('ready'))`;
        const child = yield* createSubprocessExec(process.execPath, ['-e', script], { stdout: PIPE });
        expect(dec(yield* child.stdout!.readline())).to.equal('ready\n');
        child.kill(); // SIGKILL: nobody removes its socket file
        yield* child.wait();
        expect(fs.statSync(where).isSocket()).to.equal(true);
        expect(yield* catching(openUnixConnection(where))).to.be.instanceOf(ConnectionRefusedError); // stale: nobody listens
        const server = yield* startUnixServer(echo, where);
        const [r, w] = yield* openUnixConnection(where);
        w.write('fresh\n');
        expect(dec(yield* r.readline())).to.equal('fresh\n');
        w.close();
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('a path taken by something that is not a socket: OSError "Address … is already in use"; the file stays', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const where = path.join(dir, 'regular-file');
        fs.writeFileSync(where, 'precious');
        const err = (yield* catching(startUnixServer(echo, where))) as Error;
        expect(err).to.be.instanceOf(OSError);
        expect(err.message).to.equal(`[Errno 98] Address '${where}' is already in use`);
        expect(err).to.include({ code: 'EADDRINUSE', errno: 98 });
        expect(fs.readFileSync(where, 'utf8')).to.equal('precious');
      })(),
    );
  });

  it("closing removes only the server's own socket file (another server may have taken the path); cleanupSocket: false keeps it", async () => {
    await arun(
      (function* (): Coroutine<void> {
        const where = path.join(dir, 'shared.sock');
        const first = yield* startUnixServer(echo, where);
        const second = yield* startUnixServer(echo, where); // removes first's file (a socket) and binds anew, as CPython does
        first.close();
        yield* first.waitClosed();
        expect(fs.existsSync(where), "the first server leaves the second's file alone").to.equal(true);
        const [r, w] = yield* openUnixConnection(where);
        w.write('second\n');
        expect(dec(yield* r.readline())).to.equal('second\n');
        w.close();
        second.close();
        yield* second.waitClosed();
        expect(fs.existsSync(where)).to.equal(false);
        const kept = yield* startUnixServer(echo, where, { cleanupSocket: false });
        kept.close();
        yield* kept.waitClosed();
        expect(fs.statSync(where).isSocket(), 'cleanupSocket: false keeps the file').to.equal(true);
      })(),
    );
  });

  it('no server at the path: FileNotFoundError (ENOENT)', async () => {
    await arun(
      (function* (): Coroutine<void> {
        expect(yield* catching(openUnixConnection(path.join(dir, 'nobody.sock')))).to.be.instanceOf(FileNotFoundError).with.property('code', 'ENOENT');
        const loop = getRunningLoop();
        expect(yield* catching(loop.createUnixConnection(() => ({}), path.join(dir, 'missing', 'x.sock')))).to.have.property('code', 'ENOENT');
      })(),
    );
  });

  it('TLS over a Unix socket: ssl needs serverHostname (there is no host to take it from)', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const where = path.join(dir, 'tls.sock');
        const { cert, key } = testTls;
        expect(() => openUnixConnection(where, { ssl: true })).to.throw(ValueError, 'you have to pass server_hostname when using ssl');
        expect(() => openUnixConnection(where, { serverHostname: 'x' })).to.throw(ValueError, 'server_hostname is only meaningful with ssl');
        const server = yield* startUnixServer(echo, where, { ssl: { key, cert }, sslHandshakeTimeout: 10 });
        expect(String(server)).to.contain(' tls ');
        const [r, w] = yield* openUnixConnection(where, { ssl: { ca: cert }, serverHostname: 'localhost' });
        expect(w.getExtraInfo('sslObject')).to.be.instanceOf(tls.TLSSocket);
        expect(w.getExtraInfo('peername')).to.equal(where);
        w.write('secret\n');
        expect(dec(yield* r.readline())).to.equal('secret\n');
        const wrong = (yield* catching(openUnixConnection(where, { ssl: { ca: cert }, serverHostname: 'example.com' }))) as Error;
        expect(wrong).to.be.instanceOf(SSLCertVerificationError);
        w.close();
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  it('startServing: false — bound (the file exists) but no connection is served until startServing()', async () => {
    await arun(
      (function* (): Coroutine<void> {
        const where = path.join(dir, 'later.sock');
        const server = yield* startUnixServer(echo, where, { startServing: false });
        expect(server.isServing()).to.equal(false);
        expect(fs.statSync(where).isSocket()).to.equal(true);
        const [r, w] = yield* openUnixConnection(where);
        w.write('early\n');
        yield* hostPause(20);
        expect(server._clients.size).to.equal(0);
        yield* server.startServing();
        expect(dec(yield* r.readline())).to.equal('early\n');
        w.close();
        server.close();
        yield* server.waitClosed();
      })(),
    );
  });

  if (process.platform === 'linux') {
    it("Linux's abstract namespace: a path starting with NUL has no file", async () => {
      await arun(
        (function* (): Coroutine<void> {
          const name = `\0tulip-spec-${process.pid}-${Date.now()}`;
          const server = yield* startUnixServer(echo, name);
          const [r, w] = yield* openUnixConnection(name);
          w.write('abstract\n');
          expect(dec(yield* r.readline())).to.equal('abstract\n');
          w.close();
          server.close();
          yield* server.waitClosed();
        })(),
      );
    });
  }

  it('checks its arguments at the call', () => {
    const f = () => ({});
    const cases: [() => unknown, ErrorClass, string][] = [
      [() => openUnixConnection(42 as never), TypeError, "openUnixConnection() needs the socket's path (a non-empty string), got 42"],
      [() => openUnixConnection(''), TypeError, "needs the socket's path"],
      [() => startUnixServer(echo, null as never), TypeError, "startUnixServer() needs the socket's path"],
      [() => startUnixServer('x' as never, '/tmp/x.sock'), TypeError, 'startUnixServer() needs a clientConnected callback'],
      [() => openUnixConnection('/tmp/x.sock', { limit: 10, port: 1 } as never), TypeError, "openUnixConnection() got an unexpected option 'port' (it takes 'ssl', 'serverHostname', 'sslHandshakeTimeout', 'limit')"],
      [() => startUnixServer(echo, '/tmp/x.sock', { reusePort: true } as never), TypeError, "startUnixServer() got an unexpected option 'reusePort' (it takes 'backlog', 'ssl', 'sslHandshakeTimeout', 'startServing', 'cleanupSocket', 'limit')"],
      [() => startUnixServer(echo, '/tmp/x.sock', { cleanupSocket: 'no' as never }), TypeError, 'cleanupSocket must be true or false'],
      [() => startUnixServer(echo, '/tmp/x.sock', { backlog: -1 }), TypeError, 'backlog must be a non-negative integer'],
    ];
    expectEachThrows(cases);
    const l = new EventLoop({ clock: 'virtual' });
    expect(throws(() => l.createUnixServer('x' as never, '/tmp/x.sock'))).to.be.instanceOf(TypeError).with.property('message').that.contains('protocol factory');
    expect(throws(() => l.createUnixConnection(f, '/tmp/x.sock', { bogus: 1 } as never))).to.be.instanceOf(TypeError).with.property('message').that.contains("createUnixConnection() got an unexpected option 'bogus'");
    expect(throws(() => l.createUnixServer(f, '/tmp/x.sock', { startServing: 1 as never }))).to.be.instanceOf(TypeError).with.property('message').that.contains('startServing must be true or false');
    l.close();
    expect(throws(() => l.createUnixConnection(f, '/tmp/x.sock'))).to.have.property('message', 'Event loop is closed');
  });
});
