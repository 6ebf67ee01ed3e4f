// toSVG(): a self-contained SVG timeline.
import { expect } from 'chai';
import { EventLoop, Tracer, ValueError, sleep, type TraceEvent } from '../../lib';
import { traceHandOff } from './support';

/** Checks that tags nest and close, attributes are quoted, and text has no raw `<` or `&`; returns the tag names. */
function checkWellFormed(svg: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = tag.exec(svg)) !== null) {
    const text = svg.slice(last, m.index);
    expect(text, 'text between tags').to.not.match(/<|&(?!amp;|lt;|gt;|quot;)/);
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = m;
    names.push(name);
    if (closing) expect(stack.pop(), `closing </${name}>`).to.equal(name);
    else if (!selfClosing) stack.push(name);
  }
  expect(svg.slice(last).trim()).to.equal('');
  expect(stack).to.deep.equal([]);
  return names;
}

function run(name = 'b'): { tracer: Tracer; svg: string } {
  const tracer = traceHandOff({ bName: name });
  return { tracer, svg: tracer.toSVG() };
}

describe('inspect: toSVG()', () => {
  it('is one well-formed, self-contained <svg> element with no scripts or external references', () => {
    const { svg } = run();
    expect(svg).to.match(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /);
    const names = checkWellFormed(svg);
    expect(names[0]).to.equal('svg');
    expect(names).to.not.include('script');
    expect(svg).to.not.match(/href=|url\((?!#)/);
  });

  it('draws a lane per task, the time where it moves on, and a legend', () => {
    const { svg } = run();
    for (const lane of ['(loop)', "Task 'main'", "Task 'a'", "Task 'b'"]) expect(svg).to.include(`>${lane}</text>`);
    expect(svg).to.include('>t=0.000</text>');
    expect(svg).to.include('>t=1.000</text>');
    for (const state of ['running', 'ready', 'waiting', 'sleeping', 'done', 'wake-up', 'callback', 'idle']) expect(svg).to.include(`>${state}</text>`);
  });

  it('draws one bar per step, titled with what happened, and one arrow per wake-up it can place', () => {
    const { tracer, svg } = run();
    const steps = tracer.events.filter((e) => e.type === 'stepStart');
    const running = svg.match(/<rect [^>]*fill="#2b6cb0"[^>]*><title>/g) ?? [];
    expect(running).to.have.length(steps.length);
    expect(svg).to.include("<title>t=1.000 Task 'a' resumes: the Future it awaited got result 42 (set by Task 'b')</title>");
    const wakeups = steps.filter((e) => (e as Extract<TraceEvent, { type: 'stepStart' }>).cause.kind === 'wakeup');
    const arrows = svg.match(/<path d="M[^"]*"[^>]*marker-end="url\(#wake\)"/g) ?? [];
    expect(arrows).to.have.length(wakeups.length);
    expect(svg).to.include("<title>wake-up: Task 'a' is done</title>");
    expect(svg).to.include('<title>t=0.000 the loop is idle</title>');
  });

  it('escapes task names and takes a title', () => {
    const { tracer } = run('<b & "c">');
    const svg = tracer.toSVG({ title: 'hand-off <1>', columnWidth: 10 });
    checkWellFormed(svg);
    expect(svg).to.include('Task \'&lt;b &amp; &quot;c&quot;&gt;\'');
    expect(svg).to.include('>hand-off &lt;1&gt;</text>');
  });

  it('shortens long lane names and draws an empty trace', () => {
    const loop = new EventLoop({ clock: 'virtual' });
    const tracer = new Tracer();
    expect(checkWellFormed(tracer.toSVG())).to.include('svg');
    loop.addInstrument(tracer);
    loop.runUntilComplete(loop.createTask(sleep(0), { name: 'x'.repeat(40) }));
    expect(tracer.toSVG()).to.include(`>Task '${'x'.repeat(21)}…</text>`);
    loop.close();
  });

  it('refuses a column width that is not a number of at least 4', () => {
    expect(() => new Tracer().toSVG({ columnWidth: 2 })).to.throw(ValueError, 'columnWidth must be a number of at least 4');
  });
});
