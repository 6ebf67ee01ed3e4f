// examples/: every numbered example runs as a child process and prints
// exactly its transcript, examples/expected/NAME.txt.
//
// - Virtual-clock examples must match byte for byte.
// - Real-I/O examples (sockets, child processes, worker threads, real time)
//   match after the volatile parts listed in VOLATILE below are normalised
//   on both sides (timestamps, durations, …); their transcripts keep one real
//   run's values, so they read naturally.
//
// Regenerate the transcripts after changing an example (then read the diff!):
//   UPDATE_TRANSCRIPTS=1 npx mocha spec/examples.spec.ts
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const examplesDir = path.join(root, 'examples');
const expectedDir = path.join(examplesDir, 'expected');
const update = process.env.UPDATE_TRANSCRIPTS === '1';

/** The numbered examples, in order. */
const examples = fs
  .readdirSync(examplesDir)
  .filter((f) => /^\d\d-.*\.ts$/.test(f))
  .sort()
  .map((f) => f.replace(/\.ts$/, ''));

type Rule = [RegExp, string];

/** Real time in loop timestamps, measured durations and ratios: `t=0.123`, `12.3 ms`, `0.251 seconds`, `×1.8`. */
const REAL_TIME: Rule[] = [
  [/t=\d+\.\d{3}/g, 't=#.###'],
  [/\d+(\.\d+)? ?(ms|milliseconds|s|seconds)\b/g, '# $2'],
  [/×\d+(\.\d+)?/g, '×#'],
];

/**
 * What may differ between runs of the real-I/O examples (by name prefix).
 * Each example's header comment says what it normalises.
 */
const VOLATILE: Record<string, Rule[]> = {
  '12-': REAL_TIME,
  '18-': REAL_TIME,
  '19-': REAL_TIME,
  '21-': REAL_TIME,
  '22-': REAL_TIME,
};

function rulesFor(name: string): Rule[] {
  for (const prefix of Object.keys(VOLATILE)) if (name.startsWith(prefix)) return VOLATILE[prefix];
  return [];
}

function normalise(text: string, rules: Rule[]): string {
  let out = text.replace(/\r\n/g, '\n');
  for (const [re, by] of rules) out = out.replace(re, by);
  return out;
}

/** Runs an example (or any script) the way the README says, and returns what it printed. */
function runScript(file: string, args: string[] = []): { stdout: string; stderr: string; status: number | null } {
  const res = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', file, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 45_000,
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  return { stdout: res.stdout ?? '', stderr: res.stderr ?? '', status: res.status };
}

/** A readable failure: the first line that differs, with its neighbours. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) {
      return `line ${i + 1}:\n  expected: ${JSON.stringify(e[i])}\n  actual:   ${JSON.stringify(a[i])}`;
    }
  }
  return 'no difference';
}

describe('examples', function () {
  this.timeout(60_000);

  it('there are at least 15 numbered examples, numbered 01, 02, … without gaps', () => {
    expect(examples.length).to.be.at.least(15);
    examples.forEach((name, i) => expect(name.slice(0, 2)).to.equal(String(i + 1).padStart(2, '0')));
  });

  it('every transcript belongs to an example', () => {
    const transcripts = fs.existsSync(expectedDir) ? fs.readdirSync(expectedDir).filter((f) => f.endsWith('.txt')) : [];
    for (const t of transcripts) expect(examples, `examples/expected/${t} has no example`).to.include(t.replace(/\.txt$/, ''));
  });

  for (const name of examples) {
    it(`${name} prints its transcript`, () => {
      const file = path.join('examples', `${name}.ts`);
      const transcript = path.join(expectedDir, `${name}.txt`);
      const { stdout, stderr, status } = runScript(file);
      expect(status, `${file} exited with ${status}\n${stderr}`).to.equal(0);
      if (update) {
        fs.mkdirSync(expectedDir, { recursive: true });
        fs.writeFileSync(transcript, stdout);
        return;
      }
      expect(
        fs.existsSync(transcript),
        `no transcript for ${name}: write examples/expected/${name}.txt with UPDATE_TRANSCRIPTS=1 npx mocha spec/examples.spec.ts`,
      ).to.equal(true);
      const rules = rulesFor(name);
      const actual = normalise(stdout, rules);
      const expected = normalise(fs.readFileSync(transcript, 'utf8'), rules);
      expect(actual === expected, `${name} differs from its transcript at ${firstDifference(actual, expected)}`).to.equal(true);
    });
  }

  it('npm run example -- NAME --trace --timeline: scripts/example.js finds the example by a unique part of its name; the Tracer output follows the transcript', () => {
    const name = examples.find((n) => n.startsWith('04-')) as string;
    const res = spawnSync(process.execPath, ['scripts/example.js', name.slice(0, 2), '--trace', '--timeline'], { cwd: root, encoding: 'utf8' });
    expect(res.status, res.stderr).to.equal(0);
    const transcript = fs.readFileSync(path.join(expectedDir, `${name}.txt`), 'utf8');
    expect(res.stdout.startsWith(transcript), 'the output with flags starts with the transcript').to.equal(true);
    const extra = res.stdout.slice(transcript.length);
    expect(extra).to.match(/--- trace \(Tracer\.narrate\(\)\), run 1 ---\nt=0\.000 /);
    expect(extra).to.match(/--- timeline \(Tracer\.timeline\(\)\), run 1 ---\nTimeline/);
    const unknown = spawnSync(process.execPath, ['scripts/example.js', 'no-such-example'], { cwd: root, encoding: 'utf8' });
    expect(unknown.status).to.equal(1);
    expect(unknown.stderr).to.match(/no example matches 'no-such-example'/);
  });

  it('the guided tour (npm start) runs its stops and points at examples/README.md', () => {
    const { stdout, stderr, status } = runScript(path.join('examples', 'tour.ts'));
    expect(status, stderr).to.equal(0);
    expect(stdout).to.match(/tulip — a guided tour/);
    expect((stdout.match(/^━━━ Stop \d/gm) ?? []).length).to.be.within(4, 5);
    expect(stdout).to.match(/examples\/README\.md/);
  });

  it('examples/README.md lists every numbered example', () => {
    const readme = fs.readFileSync(path.join(examplesDir, 'README.md'), 'utf8');
    for (const name of examples) expect(readme, `README lacks ${name}`).to.include(`${name}.ts`);
  });
});

describe('docs', () => {
  // docs/*.md point into the source as [`code`](../lib/file.ts#L123). Each
  // such link must land on a line that contains the code it names (minus a
  // leading `Class.` and a trailing `…`), so the walkthrough cannot rot
  // silently when lib/ changes: when this fails, run `node scripts/fix-doc-links.js`.
  const docsDir = path.join(root, 'docs');
  const docs = fs.readdirSync(docsDir).filter((f) => f.endsWith('.md'));
  const link = /\[`([^`]+)`\]\(\.\.\/(lib\/[\w/.-]+\.ts)#L(\d+)\)/g;

  it('there is a walkthrough of the internals', () => {
    expect(docs).to.include('internals.md');
  });

  for (const doc of docs) {
    it(`${doc}: every [\`code\`](../lib/…#L) link points at a line with that code`, () => {
      const text = fs.readFileSync(path.join(docsDir, doc), 'utf8');
      const problems: string[] = [];
      let count = 0;
      for (const m of text.matchAll(link)) {
        count++;
        const [, label, file, lineNo] = m;
        const needle = label.replace(/^[A-Z]\w*(\.|(?=\[))/, '').replace(/,? ?….*$/, '');
        const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
        const line = lines[Number(lineNo) - 1] ?? '';
        if (!line.includes(needle)) {
          // Suggest the nearest line that has it.
          let found = -1;
          lines.forEach((l, i) => {
            if (l.includes(needle) && (found < 0 || Math.abs(i + 1 - Number(lineNo)) < Math.abs(found + 1 - Number(lineNo)))) found = i;
          });
          problems.push(`${file}#L${lineNo} should show \`${needle}\` but is ${JSON.stringify(line.trim())}${found >= 0 ? ` (nearest: line ${found + 1})` : ''}`);
        }
      }
      if (doc === 'internals.md') expect(count).to.be.at.least(20);
      expect(problems, problems.join('\n')).to.deep.equal([]);
    });
  }
});
