/**
 * What every example shares: command-line flags, printing with loop
 * timestamps, and running a main coroutine on a loop that a Tracer can watch.
 *
 *   --trace      after the run, print the Tracer's narrated trace (narrate())
 *   --timeline   after the run, print the Tracer's text timeline (timeline())
 *   --realtime   run a virtual-clock example on the real clock instead
 *
 * Traces are printed when the program ends, after its own output.
 *
 * This file is not an example: it starts with `_` so the examples spec and
 * `npm run example` skip it.
 */
import { EventLoop, Tracer, getRunningLoop, run, runSync, type Clock, type Coroutine, type CoroutineCall } from '../lib';

const argv = process.argv.slice(2);

/** The flags an example was started with. */
export const flags = {
  trace: argv.includes('--trace'),
  timeline: argv.includes('--timeline'),
  realtime: argv.includes('--realtime'),
};

const tracers = new Map<EventLoop, Tracer>();
/** What --trace/--timeline print, collected run by run and printed when the program ends. */
const traceReports: string[] = [];
let traceRuns = 0;
/** Real-clock loops print their time since they were made, so `t=0.000` is the start of the run. */
const startTimes = new WeakMap<EventLoop, number>();
let lastLoop: EventLoop | null = null;

/**
 * A new loop for an example: the virtual clock unless told otherwise (or
 * `--realtime` is given), with a Tracer attached when --trace/--timeline ask
 * for one. `clock` may also be a Clock object of the example's own.
 */
export function makeLoop(options: { clock?: 'real' | 'virtual' | Clock; debug?: boolean } = {}): EventLoop {
  const clock = options.clock ?? (flags.realtime ? 'real' : 'virtual');
  const loop = new EventLoop({ clock, debug: options.debug });
  if (loop._clock.kind === 'real') startTimes.set(loop, loop.time());
  if (flags.trace || flags.timeline) {
    const tracer = new Tracer();
    loop.addInstrument(tracer);
    tracers.set(loop, tracer);
  }
  lastLoop = loop;
  return loop;
}

/**
 * Keeps what the flags asked for about `loop`'s run; it is printed after the
 * example's own output, when the process exits, so that output reads the
 * same with and without the flags.
 */
export function showTrace(loop: EventLoop): void {
  const tracer = tracers.get(loop);
  if (tracer === undefined) return;
  tracers.delete(loop);
  const run = ++traceRuns;
  if (flags.trace) traceReports.push(`--- trace (Tracer.narrate()), run ${run} ---\n${tracer.narrate()}`);
  if (flags.timeline) traceReports.push(`--- timeline (Tracer.timeline()), run ${run} ---\n${tracer.timeline()}`);
  if (traceReports.length === (flags.trace ? 1 : 0) + (flags.timeline ? 1 : 0)) {
    process.once('exit', () => {
      for (const report of traceReports) console.log(`\n${report}`);
    });
  }
}

/**
 * asyncio.run(main) on the synchronous driver and (by default) the virtual
 * clock: deterministic, and an hour of sleep costs nothing.
 */
export function runVirtual<T>(main: Coroutine<T> | CoroutineCall<T>, options: { debug?: boolean; loop?: EventLoop } = {}): T {
  const loop = options.loop ?? makeLoop({ debug: options.debug });
  try {
    return runSync(main, { loopFactory: () => loop });
  } finally {
    showTrace(loop);
  }
}

/** asyncio.run(main) on the async driver and the real clock: for examples with real I/O. */
export async function runReal<T>(main: Coroutine<T> | CoroutineCall<T>, options: { debug?: boolean; loop?: EventLoop } = {}): Promise<T> {
  const loop = options.loop ?? makeLoop({ clock: 'real', debug: options.debug });
  try {
    return await run(main, { loopFactory: () => loop });
  } finally {
    showTrace(loop);
  }
}

/**
 * `t=1.000`: the running loop's time (else the last loop's), to the
 * millisecond; on the real clock, the time since the loop was made.
 */
export function stamp(loop?: EventLoop): string {
  let l = loop ?? null;
  if (l === null) {
    try {
      l = getRunningLoop();
    } catch {
      l = lastLoop;
    }
  }
  return l === null ? 't=-----' : `t=${(l.time() - (startTimes.get(l) ?? 0)).toFixed(3)}`;
}

/** Where `stamp()` counts from: 0 on the virtual clock, the loop's creation time on the real clock. */
export function loopEpoch(loop: EventLoop): number {
  return startTimes.get(loop) ?? 0;
}

/** Prints a line with the loop's time in front. */
export function say(message: string): void {
  console.log(`${stamp()}  ${message}`);
}

/** Prints a section heading. */
export function heading(title: string): void {
  console.log(`\n== ${title} ==`);
}

/** Prints the example's title and what it teaches. */
export function intro(title: string, ...lines: string[]): void {
  console.log(`# ${title}`);
  for (const line of lines) console.log(`  ${line}`);
}

/** An error as `Name: message` (just `Name` when the message is empty), anything else as a string. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.message ? `${e.name}: ${e.message}` : e.name;
}

/**
 * The names of the functions on an error's stack that belong to this
 * example's file, innermost first, up to the first frame from anywhere else
 * (the loop, a Task): what the program itself was doing when it failed.
 */
export function exampleFrames(e: unknown, file: string): string[] {
  const stack = e instanceof Error && e.stack ? e.stack : '';
  const names: string[] = [];
  for (const line of stack.split('\n').slice(1)) {
    if (line.includes('(<anonymous>)')) continue; // a generator's own .next() frame
    if (!line.includes(file)) break;
    const m = /^\s*at (?:Object\.)?([\w$.<>]+) \(/.exec(line);
    names.push(m ? m[1] : '<anonymous>');
  }
  return names;
}

/** Replaces the project's directory in a path or message with `<project>`, so output does not depend on where it runs. */
export function relative(text: string): string {
  return text.split(process.cwd()).join('<project>');
}
