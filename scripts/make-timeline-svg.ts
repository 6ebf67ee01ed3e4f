// Writes docs/timeline.svg, the picture in docs/seeing-inside.md: the
// Tracer's toSVG() of the page's gather program (two tasks that sleep 2 s
// and 1 s, gathered by main), on the virtual clock.
// Run it again whenever the SVG renderer (lib/inspect/render-svg.ts) changes:
//   npx ts-node scripts/make-timeline-svg.ts
import * as fs from 'fs';
import * as path from 'path';
import { EventLoop, Tracer, createTask, gather, sleep, type Coroutine } from '../lib';

function* fetch(seconds: number): Coroutine<string> {
  yield* sleep(seconds);
  return `${seconds} s`;
}

function* main(): Coroutine<string[]> {
  const slow = createTask(fetch(2), { name: 'slow' });
  const fast = createTask(fetch(1), { name: 'fast' });
  return yield* gather([slow, fast]);
}

const loop = new EventLoop({ clock: 'virtual' });
const tracer = new Tracer();
loop.addInstrument(tracer);
loop.runUntilComplete(loop.createTask(main(), { name: 'main' }));
loop.close();

const file = path.resolve(__dirname, '..', 'docs', 'timeline.svg');
fs.writeFileSync(file, `${tracer.toSVG({ title: 'gather([slow, fast]): two sleeps, 2 s and 1 s', columnWidth: 24 })}\n`);
console.log(`wrote ${path.relative(process.cwd(), file)}`);
