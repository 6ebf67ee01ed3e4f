// lib/loop-resources.ts: what a loop owns in Node is closed when the loop
// closes — once, after the loop itself, and never while it runs; in debug
// mode what the program left open is reported in CPython's words. A
// program whose main returns while a server listens or a child runs exits
// at once, as CPython's does (child processes below).
import { expect } from 'chai';
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  EventLoop,
  RuntimeError,
  createSubprocessExec,
  getRunningLoop,
  openConnection,
  openUnixConnection,
  run,
  sleep,
  startServer,
  startUnixServer,
  type Coroutine,
  type ExceptionContext,
} from '../lib';
import '../lib/datagrams';
import '../lib/signals';
import { ownResource, releaseResource } from '../lib/loop-resources';
import { errorsOf, runFixture } from './support';

/** A resource that records when the loop closes it, and whether the loop was closed by then. */
function resource(loop: EventLoop, log: string[], name: string) {
  return { _unclosedReport: () => null, _closeWithLoop: () => void log.push(`${name} closed (loop closed: ${loop.isClosed()})`) };
}

describe('loop-resources: closing a loop closes what it still owns', () => {
  it('closes each owned resource once, in the order taken, after the loop; released ones are left alone', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const log: string[] = [];
    const a = resource(loop, log, 'a');
    const b = resource(loop, log, 'b');
    const c = resource(loop, log, 'c');
    ownResource(loop, a);
    ownResource(loop, b);
    ownResource(loop, c);
    releaseResource(loop, b); // b closed by itself
    loop.close();
    loop.close(); // idempotent: nothing is closed twice
    expect(log).to.deep.equal(['a closed (loop closed: true)', 'c closed (loop closed: true)']);
  });

  it('a running loop refuses to close and keeps its resources', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const log: string[] = [];
    ownResource(loop, resource(loop, log, 'r'));
    loop.runUntilComplete(
      (function* () {
        expect(() => loop.close()).to.throw(RuntimeError, 'Cannot close a running event loop');
        yield* sleep(0);
      })(),
    );
    expect(log).to.deep.equal([]);
    loop.close();
    expect(log).to.deep.equal(['r closed (loop closed: true)']);
  });

  it('a loop that owns nothing closes as before', () => {
    const loop = new EventLoop();
    releaseResource(loop, { _unclosedReport: () => null, _closeWithLoop: () => undefined }); // releasing what was never owned is harmless
    loop.close();
    expect(loop.isClosed()).to.equal(true);
  });
});

/** Whether a connection to 127.0.0.1:`port` is refused (nothing listens there any more). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(false);
    });
    sock.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** Whether process `pid` has ended: no such process, or one that is dead and only waits to be reaped (state Z). */
function ended(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

describe('loop-resources: what run() leaves open is closed with its loop (real sockets and processes)', function () {
  this.timeout(20_000);

  it('debug mode reports each thing left open in CPython’s words, in the order it was made; the server no longer listens', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tulip-left-open-'));
    const sockPath = path.join(dir, 's');
    let reports: ExceptionContext[] = [];
    let port = 0;
    let names: string[] = [];
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (text: string) => void warnings.push(text);
    await run(
      (function* (): Coroutine<void> {
        const loop = getRunningLoop();
        reports = errorsOf(loop);
        const server = yield* startServer(() => undefined, '127.0.0.1', 0);
        port = (server.sockets[0].address() as net.AddressInfo).port;
        const [, writer] = yield* openConnection('127.0.0.1', port);
        const unixServer = yield* startUnixServer(() => undefined, sockPath);
        yield* openUnixConnection(sockPath);
        const [udp] = yield* loop.createDatagramEndpoint(() => ({}), { localAddr: ['127.0.0.1', 0] });
        loop.addSignalHandler('SIGUSR2', () => undefined); // removed silently, as CPython's close() does
        const proc = yield* createSubprocessExec(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
        yield* sleep(0.05); // the servers' sides of the connections are accepted
        names = [String(server), String(writer.transport), String(unixServer), String(udp), String(proc._transport)];
        expect(reports).to.deep.equal([]);
      })(),
      { debug: true },
    ).finally(() => (console.warn = warn));
    const messages = reports.map((r) => r.message);
    expect(messages).to.have.length(8);
    expect(messages[0]).to.match(/^unclosed <Server 127\.0\.0\.1:\d+ clients=1>$/);
    expect(messages.filter((m) => m.startsWith('unclosed transport <SocketTransport open'))).to.have.length(4);
    expect(messages).to.include(`unclosed transport ${names[1]}`);
    expect(messages).to.include(`unclosed <Server ${sockPath} clients=1>`);
    expect(messages).to.include(`unclosed transport ${names[3]}`);
    expect(messages[7]).to.equal(`unclosed transport ${names[4]}`);
    expect(messages[7]).to.match(/^unclosed transport <SubprocessTransport pid=\d+ running>$/);
    expect(warnings).to.deep.equal([`Close running child process: kill ${names[4].replace('<SubprocessTransport', '<SubprocessTransport closed')}`]);
    expect(reports[0].server).to.be.an('object');
    expect(reports[7].transport).to.be.an('object');
    expect(process.listenerCount('SIGUSR2')).to.equal(0);
    expect(await refused(port)).to.equal(true);
    expect(fs.existsSync(sockPath)).to.equal(false); // the Unix server's socket file went with it
    fs.rmdirSync(dir);
  });

  it('what the program closed itself, and a child it waited for, is not reported; nor is anything outside debug mode', async () => {
    const quiet: ExceptionContext[][] = [];
    for (const debug of [true, false]) {
      await run(
        (function* (): Coroutine<void> {
          const loop = getRunningLoop();
          const reports = errorsOf(loop);
          quiet.push(reports);
          const server = yield* startServer((_reader, writer) => writer.close(), '127.0.0.1', 0);
          const [, writer] = yield* openConnection('127.0.0.1', (server.sockets[0].address() as net.AddressInfo).port);
          writer.close();
          yield* writer.waitClosed();
          server.close();
          yield* server.waitClosed();
          const proc = yield* createSubprocessExec(process.execPath, ['-e', '']);
          yield* proc.wait();
          if (!debug) yield* startServer(() => undefined, '127.0.0.1', 0); // left open, closed silently
        })(),
        { debug },
      );
    }
    expect(quiet).to.deep.equal([[], []]);
  });

  it('a child process still running is killed (SIGKILL) when its loop closes', async () => {
    let pid = 0;
    let exited: Promise<NodeJS.Signals | null> = Promise.resolve(null);
    await run(
      (function* (): Coroutine<void> {
        const proc = yield* createSubprocessExec('sleep', ['60']);
        pid = proc.pid;
        const child = proc._transport._proc;
        exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      })(),
    );
    expect(await exited).to.equal('SIGKILL');
    expect(ended(pid)).to.equal(true);
  });

  it('one that fails to close is reported, and the others are still closed', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const reports = errorsOf(loop);
    const log: string[] = [];
    const broken = { _unclosedReport: () => null, _closeWithLoop: () => { throw new Error('stuck'); }, toString: () => '<broken>' };
    ownResource(loop, broken);
    ownResource(loop, resource(loop, log, 'after'));
    loop.close();
    expect(reports.map((r) => [r.message, String(r.exception)])).to.deep.equal([['Error closing <broken> with its loop', 'Error: stuck']]);
    expect(log).to.deep.equal(['after closed (loop closed: true)']);
  });
});

describe('loop-resources: a program whose main returns with things still open exits at once (child processes)', function () {
  // The guard is this timeout: left open, the server would keep the program
  // alive for good, and the child for 60 s.
  this.timeout(30_000);

  for (const how of ['run', 'Runner']) {
    it(`a server listening, with a connection to it (${how})`, async () => {
      const result = await runFixture('left-open', ['server', how]);
      expect(result.lines).to.have.length(2);
      expect(result.lines[0]).to.match(/^listening on \d+$/);
      expect(result.lines[1]).to.equal('main returned');
      expect(result.code).to.equal(0);
    });

    it(`a child process sleeping 60 s is killed (${how})`, async () => {
      const result = await runFixture('left-open', ['child', how]);
      expect(result.lines).to.have.length(2);
      expect(result.lines[1]).to.equal('main returned');
      expect(result.code).to.equal(0);
      const pid = Number(/^child (\d+)$/.exec(result.lines[0])?.[1]);
      expect(ended(pid)).to.equal(true);
    });
  }
});
