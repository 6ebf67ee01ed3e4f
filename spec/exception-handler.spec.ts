// lib/exception-handler.ts: where errors nobody can catch go — the custom handler, else the
// default one, and what the default one writes (the loop's own routing is in loop.spec.ts).
import { expect } from 'chai';
import { EventLoop, type ExceptionContext } from '../lib';
import { capture, iterate, useVirtualLoop } from './support';

describe('the exception handler', () => {
  let loop: EventLoop;
  useVirtualLoop((l) => (loop = l));

  describe('a custom handler that throws (CPython: "Unhandled error in exception handler")', () => {
    function failingCallbackReport(): string {
      loop.setExceptionHandler(() => {
        throw new Error('handler bug');
      });
      const lines = capture('error', () => {
        loop.callSoon(function bad() {
          throw new TypeError('original');
        });
        iterate(loop);
      });
      expect(lines).to.have.length(1);
      return lines[0];
    }

    it('shows the context the handler was given, key by key, as Python shows the dict', () => {
      const report = failingCallbackReport();
      expect(report).to.match(/^Unhandled error in exception handler\n/);
      expect(report).to.contain("context: {'message': 'Exception in callback bad()', 'exception': TypeError('original'), 'handle': <Handle bad()>}");
      expect(report).not.to.contain('[object Object]');
    });

    it("prints the original error's stack first, then the handler's, chained as Python chains them", () => {
      const report = failingCallbackReport();
      const original = report.indexOf('TypeError: original\n    at bad');
      const between = report.indexOf('\n\nDuring handling of the above exception, another exception occurred:\n\n');
      const handlerError = report.indexOf('Error: handler bug\n    at ');
      expect(original, report).to.be.greaterThan(0);
      expect(between, report).to.be.greaterThan(original);
      expect(handlerError, report).to.be.greaterThan(between);
    });

    it('a context whose own exception is missing has nothing to chain: only the handler error', () => {
      loop.setExceptionHandler(() => {
        throw new Error('handler bug');
      });
      const lines = capture('error', () => loop.callExceptionHandler({ message: 'just a message', extra: 1 }));
      expect(lines[0]).to.contain("context: {'message': 'just a message', 'extra': 1}");
      expect(lines[0]).not.to.contain('During handling');
      expect(lines[0]).to.contain('Error: handler bug');
    });
  });

  describe('the default handler', () => {
    it('writes the message, the other keys sorted, then the exception with its stack', () => {
      const err = new Error('boom');
      const context: ExceptionContext = { message: 'Something failed', exception: err, zeta: 'last', alpha: 42 };
      const [line] = capture('error', () => loop.defaultExceptionHandler(context));
      expect(line.split('\n').slice(0, 3)).to.deep.equal(['Something failed', 'alpha: 42', "zeta: 'last'"]);
      expect(line).to.contain(err.stack as string);
    });

    it('shows a plain object as a dict, an object with its own toString by it', () => {
      const [line] = capture('error', () =>
        loop.defaultExceptionHandler({ message: 'm', options: { port: 80, host: 'h' }, future: loop.createFuture() }),
      );
      expect(line).to.contain("options: {'port': 80, 'host': 'h'}");
      expect(line).to.contain('future: <Future pending>');
    });

    it('without a message says "Unhandled exception in event loop"; a thrown non-error shows by its repr', () => {
      const [line] = capture('error', () => loop.defaultExceptionHandler({ message: '', exception: 'a string' }));
      expect(line).to.equal("Unhandled exception in event loop\n'a string'");
    });
  });
});
