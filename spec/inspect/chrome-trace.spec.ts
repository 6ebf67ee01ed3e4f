// toChromeTrace(): trace-event JSON for chrome://tracing and Perfetto.
import { expect } from 'chai';
import { EventLoop, Tracer, eagerTaskFactory, sleep, type ChromeTraceEvent, type Coroutine } from '../../lib';
import { traceHandOff } from './support';

function trace(setup?: (loop: EventLoop) => void): { tracer: Tracer; events: ChromeTraceEvent[] } {
  const tracer = traceHandOff({ setup });
  const parsed = JSON.parse(tracer.toChromeTrace()) as { traceEvents: ChromeTraceEvent[]; displayTimeUnit: string };
  expect(parsed.displayTimeUnit).to.equal('ms');
  return { tracer, events: parsed.traceEvents };
}

describe('inspect: toChromeTrace()', () => {
  it('is JSON with a named thread per task and one for the loop', () => {
    const { events } = trace();
    const threads = events.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => [e.tid, e.args?.name]);
    expect(threads).to.deep.equal([
      [0, '(loop callbacks)'],
      [1, "Task 'main'"],
      [2, "Task 'a'"],
      [3, "Task 'b'"],
    ]);
    expect(events.find((e) => e.name === 'process_name')?.args?.name).to.equal('tulip event loop');
  });

  it('has a complete ("X") slice per step, on its task\'s thread, in loop time (µs) and never of zero width', () => {
    const { tracer, events } = trace();
    const slices = events.filter((e) => e.ph === 'X' && e.cat === 'step');
    expect(slices).to.have.length(tracer.events.filter((e) => e.type === 'stepStart').length);
    expect(slices.map((e) => e.tid)).to.deep.equal([1, 2, 3, 3, 2, 1]);
    for (const s of slices) expect(s.dur).to.be.greaterThan(0);
    const wokenA = slices[4];
    expect(wokenA.ts).to.be.at.least(1e6); // after the one-second sleep
    expect(wokenA.args?.step).to.equal("Task 'a' resumes: the Future it awaited got result 42 (set by Task 'b')");
    // The timer callback and the idle wait are on the loop's thread.
    const loopSlices = events.filter((e) => e.ph === 'X' && e.tid === 0).map((e) => e.cat);
    expect(loopSlices).to.deep.equal(['wait', 'timer', 'callback']);
  });

  it('links each wake-up with a flow ("s" → "f") that starts inside the completing slice', () => {
    const { events } = trace();
    const starts = events.filter((e) => e.ph === 's');
    const finishes = events.filter((e) => e.ph === 'f');
    expect(starts.map((e) => e.id)).to.deep.equal(finishes.map((e) => e.id));
    expect(starts).to.have.length(3); // b's sleep (from the timer), a (from b), main (from a)
    for (const s of starts) {
      const enclosing = events.filter((e) => e.ph === 'X' && e.tid === s.tid && (e.ts as number) < (s.ts as number) && (s.ts as number) < (e.ts as number) + (e.dur as number));
      expect(enclosing, `slice around flow ${s.id}`).to.have.length(1);
    }
    const f = finishes.find((e) => e.tid === 2);
    expect(f?.bp).to.equal('e');
    const a = events.find((e) => e.ph === 'X' && e.tid === 2 && e.ts === f?.ts);
    expect(a, 'the woken step begins where the flow ends').to.not.equal(undefined);
  });

  it('keeps timestamps increasing even when virtual time stands still', () => {
    const { events } = trace();
    const stamped = events.filter((e) => e.ph === 'X' && e.cat === 'step').map((e) => e.ts as number);
    for (let i = 1; i < stamped.length; i++) expect(stamped[i]).to.be.greaterThan(stamped[i - 1]);
  });

  it('nests an eager step inside the step that created it', () => {
    const { events } = trace((loop) => loop.setTaskFactory(eagerTaskFactory));
    const slices = events.filter((e) => e.ph === 'X' && e.cat === 'step');
    const main = slices.find((e) => e.tid === 1) as ChromeTraceEvent;
    const a = slices.find((e) => e.tid === 2) as ChromeTraceEvent;
    expect(a.ts).to.be.greaterThan(main.ts as number);
    expect((a.ts as number) + (a.dur as number)).to.be.lessThan((main.ts as number) + (main.dur as number));
  });

  it('skips a wait whose start it did not see', () => {
    const tracer = new Tracer();
    tracer.afterWait(2); // attached while the loop was waiting
    const events = (JSON.parse(tracer.toChromeTrace()) as { traceEvents: ChromeTraceEvent[] }).traceEvents;
    expect(events.filter((e) => e.ph === 'X')).to.deep.equal([]);
  });

  it('skips a step whose start it did not see', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const tracer = new Tracer();
    function* c(): Coroutine<void> {
      loop.addInstrument(tracer); // attached in the middle of a step
      yield* sleep(1);
    }
    loop.runUntilComplete(loop.createTask(c(), { name: 'c' }));
    const events = (JSON.parse(tracer.toChromeTrace()) as { traceEvents: ChromeTraceEvent[] }).traceEvents;
    expect(events.filter((e) => e.ph === 'X' && e.cat === 'step')).to.have.length(1);
    loop.close();
  });
});
