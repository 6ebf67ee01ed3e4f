/**
 * The figures the reliability suite reports (docs/reliability.md quotes them):
 * programs generated, faults injected, bad inputs tried, data lost. Every
 * reliability spec adds to one tally; after the run, one line sums it up, and
 * with TULIP_RELIABILITY_REPORT=<file> the tally is also written there as
 * JSON (scripts/stress.js uses that).
 *
 * Budgets: the property specs read TULIP_PROP_SEED (the base seed, fixed by
 * default so `npm test` is reproducible), TULIP_PROP_RUNS (a multiplier of
 * the default number of programs per property), and TULIP_PROP_PATH (with the
 * seed, replays one failing case that fast-check reported).
 */
import * as fs from 'fs';

export const tally = {
  programs: 0,
  modelled: 0,
  shuffled: 0,
  tasks: 0,
  callbacks: 0,
  timers: 0,
  cancellationsInjected: 0,
  timeoutsExpired: 0,
  errorsThrown: 0,
  queueItems: 0,
  faultsInjected: 0,
  badInputs: 0,
  /** Items or bytes that went missing or came twice: the suites fail on any, but count them anyway. */
  dataLost: 0,
  roundTrips: 0,
  longRunTasks: 0,
  bytesPerTask: null as number | null,
  bytesPerRoundTrip: null as number | null,
  faultKinds: {} as Record<string, number>,
  badInputKinds: {} as Record<string, number>,
  /** API → kind of bad input → how many were tried. */
  badInputTable: {} as Record<string, Record<string, number>>,
};

/** The base seed of the property specs. */
export const SEED = Number(process.env.TULIP_PROP_SEED ?? 20260514);
/** The multiplier of the default number of generated programs. */
export const RUNS_SCALE = Number(process.env.TULIP_PROP_RUNS ?? 1);
/** A fast-check path to replay (with TULIP_PROP_SEED), or undefined. */
export const REPLAY_PATH = process.env.TULIP_PROP_PATH;

export function countFault(kind: string, n = 1): void {
  tally.faultsInjected += n;
  tally.faultKinds[kind] = (tally.faultKinds[kind] ?? 0) + n;
}

export function countBadInput(kind: string, api = 'other', n = 1): void {
  tally.badInputs += n;
  tally.badInputKinds[kind] = (tally.badInputKinds[kind] ?? 0) + n;
  const row = (tally.badInputTable[api] ??= {});
  row[kind] = (row[kind] ?? 0) + n;
}

// Registered on mocha's root suite when a spec first imports this module.
if (typeof after === 'function') after(function () {
  const t = tally;
  console.log(
    `      reliability: ${t.programs} programs generated (${t.modelled} checked against the model, ${t.shuffled} shuffled), ` +
      `${t.tasks} tasks, ${t.cancellationsInjected} cancellations, ${t.faultsInjected} faults injected, ` +
      `${t.badInputs} bad inputs tried, data lost: ${t.dataLost}` +
      (t.bytesPerTask !== null ? `, ${t.bytesPerTask.toFixed(1)} bytes retained per finished task` : ''),
  );
  const file = process.env.TULIP_RELIABILITY_REPORT;
  if (file) fs.writeFileSync(file, JSON.stringify(t, null, 2));
});
