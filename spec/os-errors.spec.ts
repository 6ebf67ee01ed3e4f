// lib/os-errors.ts: Node's errors become Python's classes, with asyncio's
// messages — on real sockets, real processes, real TLS handshakes and real
// file-system calls; the cases a test machine cannot produce (a connect that
// times out, an unreachable host…) on errors of the exact shape Node gives.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import {
  BrokenPipeError,
  ConnectionAbortedError,
  ConnectionError,
  ConnectionRefusedError,
  ConnectionResetError,
  FileExistsError,
  FileNotFoundError,
  OSError,
  PIPE,
  PermissionError,
  ProcessLookupError,
  SSLCertVerificationError,
  SSLError,
  TimeoutError,
  ValueError,
  createSubprocessExec,
  fromNodeError,
  fromPromise,
  getRunningLoop,
  openConnection,
  startServer,
  type Coroutine,
  type StreamWriter,
} from '../lib';
import { arun, catching, closedPort } from './support';

const ERRNO = os.constants.errno;

/** An error shaped as Node makes them for a failed system call (util's UVException). */
function nodeError(code: string, syscall: string, more: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${syscall} ${code}`), { code, errno: -(ERRNO as Record<string, number>)[code], syscall, ...more });
}

/** The error Node's `fn` throws (a synchronous system call). */
function nodeThrows(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('os-errors: Node errors as Python exceptions', () => {
  describe('on real I/O', function () {
    this.timeout(20_000);

    it("a refused connect: ConnectionRefusedError, asyncio's message, Node's error as cause", async () => {
      const [port, viaStreams, viaLoop] = await arun(
        (function* (): Coroutine<[number, unknown, unknown]> {
          const p = yield* closedPort();
          const a = yield* catching(openConnection('127.0.0.1', p));
          const b = yield* catching(getRunningLoop().createConnection(() => ({}), '127.0.0.1', p));
          return [p, a, b];
        })(),
      );
      for (const err of [viaStreams, viaLoop]) {
        expect(err).to.be.instanceOf(ConnectionRefusedError).and.instanceOf(ConnectionError).and.instanceOf(OSError);
        const e = err as ConnectionRefusedError;
        expect(e.message).to.equal(`[Errno ${ERRNO.ECONNREFUSED}] Connect call failed ('127.0.0.1', ${port})`);
        expect(e).to.include({ errno: ERRNO.ECONNREFUSED, code: 'ECONNREFUSED', strerror: `Connect call failed ('127.0.0.1', ${port})`, filename: null });
        expect(e.cause).to.be.instanceOf(Error).and.include({ code: 'ECONNREFUSED', syscall: 'connect', port });
      }
    });

    it('a peer that resets the connection: read() raises ConnectionResetError', async () => {
      const err = await arun(
        (function* (): Coroutine<unknown> {
          const reset = (_r: unknown, w: StreamWriter) => void (w.getExtraInfo('socket') as net.Socket).resetAndDestroy();
          const server = yield* startServer(reset, '127.0.0.1', 0);
          try {
            const [reader] = yield* openConnection('127.0.0.1', server.address().port);
            return yield* catching(reader.read());
          } finally {
            server.close();
          }
        })(),
      );
      expect(err).to.be.instanceOf(ConnectionResetError);
      expect(err).to.include({ message: `[Errno ${ERRNO.ECONNRESET}] Connection reset by peer`, errno: ERRNO.ECONNRESET, code: 'ECONNRESET' });
      expect((err as Error).cause).to.include({ code: 'ECONNRESET' });
    });

    it('writing to a child that stopped reading (EPIPE): drain() raises BrokenPipeError', async () => {
      const err = await arun(
        (function* (): Coroutine<unknown> {
          const child = yield* createSubprocessExec(process.execPath, ['-e', ''], { stdin: PIPE });
          child.stdin!.write(new Uint8Array(4 * 1024 * 1024)); // more than the pipe holds: the writer pauses, then fails
          const e = yield* catching(child.stdin!.drain());
          yield* child.wait();
          return e;
        })(),
      );
      expect(err).to.be.instanceOf(BrokenPipeError).and.instanceOf(ConnectionError);
      expect(err).to.include({ message: `[Errno ${ERRNO.EPIPE}] Broken pipe`, errno: ERRNO.EPIPE, code: 'EPIPE' });
    });

    it("a port in use: OSError (Python has no subclass for EADDRINUSE) with asyncio's message", async () => {
      const [port, err] = await arun(
        (function* (): Coroutine<[number, unknown]> {
          const first = yield* startServer(() => {}, '127.0.0.1', 0);
          const p = first.address().port;
          const e = yield* catching(startServer(() => {}, '127.0.0.1', p));
          first.close();
          return [p, e];
        })(),
      );
      expect(Object.getPrototypeOf(err)).to.equal(OSError.prototype);
      const n = ERRNO.EADDRINUSE;
      expect(err).to.include({
        message: `[Errno ${n}] error while attempting to bind on address ('127.0.0.1', ${port}): [errno ${n}] address already in use`,
        errno: n,
        code: 'EADDRINUSE',
      });
    });

    describe('child processes', () => {
      let dir: string;
      before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tulip-os-errors-'));
      });
      after(() => fs.rmSync(dir, { recursive: true, force: true }));

      const spawnError = (program: string, options: { cwd?: string } = {}) =>
        arun(
          (function* (): Coroutine<unknown> {
            return yield* catching(createSubprocessExec(program, [], options));
          })(),
        );

      it('a program that does not exist: FileNotFoundError naming it', async () => {
        for (const program of ['tulip-no-such-program', path.join(dir, 'missing')]) {
          const err = await spawnError(program);
          expect(err).to.be.instanceOf(FileNotFoundError);
          expect(err).to.include({ message: `[Errno ${ERRNO.ENOENT}] No such file or directory: '${program}'`, filename: program, code: 'ENOENT' });
        }
      });

      it('a working directory that does not exist: FileNotFoundError naming the directory, as Python', async () => {
        const cwd = path.join(dir, 'no-such-dir');
        const err = await spawnError(process.execPath, { cwd });
        expect(err).to.be.instanceOf(FileNotFoundError).and.include({ filename: cwd, message: `[Errno ${ERRNO.ENOENT}] No such file or directory: '${cwd}'` });
      });

      it('a program without the execute bit: PermissionError', async () => {
        const script = path.join(dir, 'not-executable.sh');
        fs.writeFileSync(script, 'echo hi\n', { mode: 0o644 });
        const err = await spawnError(script);
        expect(err).to.be.instanceOf(PermissionError);
        expect(err).to.include({ message: `[Errno ${ERRNO.EACCES}] Permission denied: '${script}'`, errno: ERRNO.EACCES, filename: script });
      });

      it('a signal to a process that was waited for: ProcessLookupError (ESRCH)', async () => {
        const err = await arun(
          (function* (): Coroutine<unknown> {
            const child = yield* createSubprocessExec(process.execPath, ['-e', '']);
            yield* child.wait();
            try {
              child.kill();
            } catch (e) {
              return e;
            }
            return null;
          })(),
        );
        expect(err).to.be.instanceOf(ProcessLookupError).and.instanceOf(OSError);
        expect(err).to.include({ code: 'ESRCH', errno: ERRNO.ESRCH });
      });
    });

    describe('TLS handshakes (Node tls: the errors a TLS connection will raise)', () => {
      const fixtures = path.join(__dirname, 'fixtures', 'tls');
      const key = fs.readFileSync(path.join(fixtures, 'localhost.key'));
      const cert = fs.readFileSync(path.join(fixtures, 'localhost.crt'));

      /** The error of a TLS client connecting with `options` to a server that answers with TLS, or (plain) not. */
      function handshakeError(options: tls.ConnectionOptions, plain = false): Promise<Error> {
        return new Promise((resolve, reject) => {
          const server = plain ? net.createServer((c) => c.end('HTTP/1.0 400 nope\r\n\r\n')) : tls.createServer({ key, cert }, (c) => c.end());
          server.on('tlsClientError', () => {});
          server.listen(0, '127.0.0.1', () => {
            const port = (server.address() as net.AddressInfo).port;
            const client = tls.connect({ host: '127.0.0.1', port, ...options });
            client.on('secureConnect', () => reject(new Error('the handshake succeeded')));
            client.on('error', (err) => {
              server.close();
              resolve(err);
            });
          });
        });
      }

      it("an untrusted self-signed certificate: SSLCertVerificationError, verifyCode 18, Python's message", async () => {
        const err = fromNodeError(await handshakeError({}));
        expect(err).to.be.instanceOf(SSLCertVerificationError).and.instanceOf(SSLError).and.instanceOf(OSError).and.instanceOf(ValueError);
        expect(err).to.include({
          message: '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate',
          verifyCode: 18,
          verifyMessage: 'self-signed certificate',
          reason: 'CERTIFICATE_VERIFY_FAILED',
          library: 'SSL',
          errno: 1,
          code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
        });
      });

      it('a certificate for another name: verifyCode 62, "Hostname mismatch"', async () => {
        const err = fromNodeError(await handshakeError({ ca: cert, servername: 'example.com' }));
        expect(err).to.be.instanceOf(SSLCertVerificationError).and.include({
          message: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'example.com'.",
          verifyCode: 62,
          verifyMessage: "Hostname mismatch, certificate is not valid for 'example.com'.",
        });
      });

      it('a peer that does not speak TLS: SSLError WRONG_VERSION_NUMBER', async () => {
        const err = fromNodeError(await handshakeError({ ca: cert, servername: 'localhost' }, true));
        expect(err).to.be.instanceOf(SSLError).and.not.instanceOf(SSLCertVerificationError);
        expect(err).to.include({ message: '[SSL: WRONG_VERSION_NUMBER] wrong version number', reason: 'WRONG_VERSION_NUMBER', library: 'SSL', errno: 1 });
      });
    });

    it('a Unix socket path with nothing there: FileNotFoundError, no address in the message (the call fails at once, as in Python)', async () => {
      const where = path.join(os.tmpdir(), `tulip-nothing-${process.pid}.sock`);
      const err = await arun(
        (function* (): Coroutine<Error> {
          const sock = net.connect(where);
          return yield* fromPromise(new Promise<Error>((resolve) => sock.on('error', resolve)));
        })(),
      );
      expect(fromNodeError(err)).to.be.instanceOf(FileNotFoundError).and.include({ message: `[Errno ${ERRNO.ENOENT}] No such file or directory` });
    });

    it("a Unix socket path that is taken: asyncio's create_unix_server message", async () => {
      const where = path.join(os.tmpdir(), `tulip-taken-${process.pid}`);
      fs.writeFileSync(where, '');
      try {
        const err = await new Promise<Error>((resolve) => net.createServer().on('error', resolve).listen(where));
        expect(fromNodeError(err)).to.include({ message: `[Errno ${ERRNO.EADDRINUSE}] Address '${where}' is already in use`, code: 'EADDRINUSE' });
      } finally {
        fs.rmSync(where, { force: true });
      }
    });

    it('several addresses tried (happy eyeballs): one error for the same text, else a plain OSError listing each (base_events)', async () => {
      /** Node's error for a connect to `port` at a name that resolves to `addresses`. */
      const tryAll = (port: number, addresses: string[]) =>
        new Promise<Error>((resolve) => {
          const all = addresses.map((address) => ({ address, family: net.isIP(address) }));
          const lookup = ((_host: string, options: { all?: boolean }, cb: (...a: unknown[]) => void) =>
            options.all ? cb(null, all) : cb(null, all[0].address, all[0].family)) as unknown as net.LookupFunction;
          net.connect({ host: 'several.test', port, autoSelectFamily: true, lookup }).on('error', resolve);
        });
      const port = await arun(closedPort());
      const n = ERRNO.ECONNREFUSED;
      const same = fromNodeError(await tryAll(port, ['127.0.0.1', '127.0.0.1']));
      expect(same).to.be.instanceOf(ConnectionRefusedError).and.include({ message: `[Errno ${n}] Connect call failed ('127.0.0.1', ${port})` });
      const both = fromNodeError(await tryAll(port, ['127.0.0.1', '::1']));
      expect(Object.getPrototypeOf(both)).to.equal(OSError.prototype);
      expect(both).to.include({
        message: `Multiple exceptions: [Errno ${n}] Connect call failed ('127.0.0.1', ${port}), [Errno ${n}] Connect call failed ('::1', ${port}, 0, 0)`,
        errno: null,
        code: 'ECONNREFUSED',
      });
    });

    it('file-system errors: the file names, as Python shows them', () => {
      const missing = path.join(os.tmpdir(), 'tulip-no-such-dir', 'file');
      const open = fromNodeError(nodeThrows(() => fs.openSync(missing, 'r')));
      expect(open).to.be.instanceOf(FileNotFoundError).and.include({ message: `[Errno ${ERRNO.ENOENT}] No such file or directory: '${missing}'`, filename: missing });
      const dir = os.tmpdir();
      const exists = fromNodeError(nodeThrows(() => fs.mkdirSync(dir)));
      expect(exists).to.be.instanceOf(FileExistsError).and.include({ message: `[Errno ${ERRNO.EEXIST}] File exists: '${dir}'`, strerror: 'File exists' });
      const link = fromNodeError(nodeThrows(() => fs.symlinkSync('anywhere', dir)));
      expect(link).to.include({ message: `[Errno ${ERRNO.EEXIST}] File exists: 'anywhere' -> '${dir}'`, filename2: dir });
    });

    it('a signal to a pid that does not exist: ProcessLookupError "[Errno 3] No such process"', () => {
      const err = fromNodeError(nodeThrows(() => process.kill(2 ** 22 + 12345, 0)));
      expect(err).to.be.instanceOf(ProcessLookupError).and.include({ message: `[Errno ${ERRNO.ESRCH}] No such process` });
    });
  });

  describe('errors a test machine cannot make, in the shape Node gives them', () => {
    it('a connect that times out: TimeoutError, which is an OSError', () => {
      const err = fromNodeError(nodeError('ETIMEDOUT', 'connect', { address: '10.0.0.1', port: 80 }));
      expect(err).to.be.instanceOf(TimeoutError).and.include({ message: `[Errno ${ERRNO.ETIMEDOUT}] Connect call failed ('10.0.0.1', 80)` });
    });

    it('an unreachable host or network: OSError itself', () => {
      for (const code of ['EHOSTUNREACH', 'ENETUNREACH']) {
        const err = fromNodeError(nodeError(code, 'connect', { address: '10.0.0.1', port: 80 }));
        expect(Object.getPrototypeOf(err), code).to.equal(OSError.prototype);
      }
    });

    it("aborted and reset on read: their classes, with the C library's text", () => {
      expect(fromNodeError(nodeError('ECONNABORTED', 'read'))).to.be.instanceOf(ConnectionAbortedError).and.include({ strerror: 'Software caused connection abort' });
      expect(fromNodeError(nodeError('EHOSTUNREACH', 'write'))).to.include({ strerror: 'No route to host' }); // glibc's words, not libuv's
    });

    it("{ plainBind: true }: a failed bind in sock.bind()'s words (a UDP endpoint), not create_server's", () => {
      const bind = () => nodeError('EADDRINUSE', 'bind', { address: '127.0.0.1', port: 5353 });
      const plain = fromNodeError(bind(), { plainBind: true });
      expect(Object.getPrototypeOf(plain)).to.equal(OSError.prototype);
      expect(plain).to.include({ message: `[Errno ${ERRNO.EADDRINUSE}] Address already in use`, code: 'EADDRINUSE', filename: null });
      expect(fromNodeError(bind())).to.include({
        message: `[Errno ${ERRNO.EADDRINUSE}] error while attempting to bind on address ('127.0.0.1', 5353): [errno ${ERRNO.EADDRINUSE}] address already in use`,
      });
    });

    it('a name that does not resolve: OSError "[Errno -2] Name or service not known" (socket.gaierror)', () => {
      const err = fromNodeError(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND', errno: -3008, syscall: 'getaddrinfo', hostname: 'nowhere.invalid' }));
      expect(err).to.be.instanceOf(OSError).and.include({ message: '[Errno -2] Name or service not known', errno: -2, code: 'ENOTFOUND' });
    });

    it('an IP address that the certificate does not name: verifyCode 64', () => {
      const err = fromNodeError(Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID', host: '10.1.2.3' }));
      expect(err).to.be.instanceOf(SSLCertVerificationError).and.include({ verifyCode: 64, verifyMessage: "IP address mismatch, certificate is not valid for '10.1.2.3'." });
    });

    it('what is not an operating-system error comes back unchanged', () => {
      const mine = new ConnectionResetError('Connection lost');
      const plain = new TypeError('x');
      const nodeOwn = Object.assign(new Error('Cannot call write after a stream was destroyed'), { code: 'ERR_STREAM_DESTROYED' });
      for (const v of [mine, plain, nodeOwn, 'a string', 42, null, undefined]) expect(fromNodeError(v)).to.equal(v);
    });
  });
});
