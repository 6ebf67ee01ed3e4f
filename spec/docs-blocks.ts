// The machinery behind spec/docs.spec.ts: find the ```ts blocks of a
// Markdown file, turn them into files, type-check them all together with the
// TypeScript compiler API, emit JavaScript once, and run each block as its own
// Node process. The conventions are described in docs/README.md and at the
// top of spec/docs.spec.ts.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/** What the spec does with a block, from its first line. */
export type BlockMode = 'run' | 'no-run' | 'no-check';

/** A ```text block that checks the ts block before it. */
export interface Expectation {
  /** `output`: the lines the program prints; `tsc`: the compiler's errors. */
  kind: 'output' | 'tsc';
  /** The expected lines (without the `// output` / `// tsc` line). */
  lines: string[];
  /** 1-based line of the fence in the Markdown file. */
  line: number;
}

/** One ```ts block of a Markdown file. */
export interface DocBlock {
  /** The Markdown file, relative to the project root (`docs/mistakes.md`). */
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** A file name for it: `mistakes-3` is the third ts block of docs/mistakes.md. */
  name: string;
  code: string;
  mode: BlockMode;
  /** `// timeout: N` (seconds) on one of the first lines; the default is DEFAULT_TIMEOUT. */
  timeout: number;
  output: Expectation | null;
  tsc: Expectation | null;
}

/** Seconds a block may run (a block that does real I/O may say `// timeout: N`). */
export const DEFAULT_TIMEOUT = 15;

interface Fence {
  info: string;
  line: number;
  body: string[];
}

/** Every fenced code block (``` or ~~~, indented up to 3 spaces or inside a list), in order. */
export function fences(markdown: string): Fence[] {
  const lines = markdown.replace(/\r\n/g, '\n').split('\n');
  const out: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[i]);
    if (open === null) continue;
    const [, indent, marker, info] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(lines[j]);
      if (close !== null && close[1][0] === marker[0] && close[1].length >= marker.length) break;
      // A block inside a list item is indented like its fence: strip that much.
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    out.push({ info: info.trim().split(/\s+/)[0] ?? '', line: i + 1, body });
    i = j; // an unclosed fence runs to the end of the file, as in CommonMark
  }
  return out;
}

const TS_LANGS = new Set(['ts', 'typescript']);

/** The ts blocks of one Markdown file, each with the `// output` / `// tsc` text blocks that follow it. */
export function extractBlocks(markdown: string, doc: string): DocBlock[] {
  const base = path.basename(doc, path.extname(doc));
  const blocks: DocBlock[] = [];
  for (const f of fences(markdown)) {
    if (TS_LANGS.has(f.info)) {
      const first = (f.body[0] ?? '').trim();
      const mode: BlockMode = first === '// no-run' ? 'no-run' : first === '// no-check' ? 'no-check' : 'run';
      const timeoutLine = f.body.slice(0, 3).map((l) => /^\s*\/\/ timeout: (\d+(?:\.\d+)?)\s*$/.exec(l)).find((m) => m !== null);
      blocks.push({
        doc,
        line: f.line,
        name: `${base}-${blocks.length + 1}`,
        code: f.body.join('\n') + '\n',
        mode,
        timeout: timeoutLine ? Number(timeoutLine[1]) : DEFAULT_TIMEOUT,
        output: null,
        tsc: null,
      });
      continue;
    }
    const head = (f.body[0] ?? '').trim();
    const kind = head === '// output' ? 'output' : head === '// tsc' ? 'tsc' : null;
    if (f.info !== 'text' || kind === null) continue;
    const owner = blocks[blocks.length - 1];
    const where = `${doc}:${f.line}`;
    if (owner === undefined) throw new Error(`${where}: a \`${head}\` block must follow a ts block`);
    if (owner[kind] !== null) throw new Error(`${where}: the ts block at line ${owner.line} already has a \`${head}\` block`);
    if (owner.mode === 'no-check') throw new Error(`${where}: the ts block at line ${owner.line} is \`// no-check\`: nothing would check this`);
    if (kind === 'output' && owner.mode === 'no-run') throw new Error(`${where}: the ts block at line ${owner.line} is \`// no-run\`: it has no output`);
    owner[kind] = { kind, lines: trimTrailingEmpty(f.body.slice(1)), line: f.line };
  }
  return blocks;
}

function trimTrailingEmpty(lines: string[]): string[] {
  const out = [...lines];
  while (out.length > 0 && out[out.length - 1].trim() === '') out.pop();
  return out;
}

/**
 * What a run printed, as an `// output` block compares it: stdout and stderr
 * as the terminal shows them, less stack frames (`    at …`), which name
 * temp files and lib lines.
 */
export function normaliseOutput(text: string): string[] {
  return trimTrailingEmpty(
    text
      .replace(/\r\n/g, '\n')
      .split('\n')
      .filter((l) => !/^\s+at \S/.test(l)),
  );
}

/** Whether one printed line matches one expected line; `...` in the expected line matches any text. */
export function lineMatches(expected: string, actual: string): boolean {
  if (!expected.includes('...')) return expected === actual;
  const pattern = expected
    .split('...')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(actual);
}

/** `null` when `actual` matches `expected` line by line, else a readable first difference. */
export function compareLines(expected: string[], actual: string[]): string | null {
  for (let i = 0; i < Math.max(expected.length, actual.length); i++) {
    const e = expected[i];
    const a = actual[i];
    if (e === undefined || a === undefined || !lineMatches(e, a)) {
      return `line ${i + 1} differs:\n  expected: ${JSON.stringify(e ?? '(nothing)')}\n  actual:   ${JSON.stringify(a ?? '(nothing)')}\n--- everything printed ---\n${actual.join('\n')}`;
    }
  }
  return null;
}

/** Markdown files whose blocks are checked: README.md and docs/*.md (not docs/api/, which is generated). */
export function docFiles(root: string): string[] {
  const docsDir = path.join(root, 'docs');
  const docs = fs.existsSync(docsDir)
    ? fs
        .readdirSync(docsDir)
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => `docs/${f}`)
    : [];
  return ['README.md', ...docs];
}

// ---- turning blocks into files ----

/** The public names of lib/index.ts (values and types), for blocks that import nothing. */
export function publicNames(root: string, options: ts.CompilerOptions): string[] {
  const index = path.join(root, 'lib', 'index.ts');
  const program = ts.createProgram([index], { ...options, noEmit: true });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(index) as ts.SourceFile);
  return moduleSymbol ? checker.getExportsOfModule(moduleSymbol).map((s) => s.name).sort() : [];
}

/**
 * The file the spec writes for a block, line for line the same (so compiler
 * errors and `// tsc` lines keep the block's line numbers):
 * - `from 'tulip'` becomes the relative path to lib/;
 * - a block that imports nothing (a fragment) gets every public name of tulip
 *   imported, on its first line;
 * - `export {}` at the end makes each file a module, so blocks never clash.
 */
export function blockSource(block: DocBlock, libPath: string, names: readonly string[]): string {
  let code = block.code.replace(/(from\s+|import\s*\(\s*|require\s*\(\s*)(['"])tulip\2/g, `$1$2${libPath}$2`);
  if (!/^\s*import\s/m.test(code) && names.length > 0) {
    code = `import { ${names.join(', ')} } from '${libPath}'; ${code}`;
  }
  return `${code}\nexport {};\n`;
}

/** The compiler options the spec uses: the project's tsconfig.json, emitting JavaScript into `outDir`. */
export function compilerOptions(root: string, outDir: string): ts.CompilerOptions {
  const configPath = path.join(root, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath);
  return {
    ...parsed.options,
    noEmit: false,
    noEmitOnError: false,
    declaration: false,
    sourceMap: false,
    incremental: false,
    composite: false,
    rootDir: root,
    outDir,
  };
}

/** One compiler error, as a `// tsc` block spells it: `line 6: error TS2741: …`. */
export function formatDiagnostic(d: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0];
  if (d.file === undefined || d.start === undefined) return `error TS${d.code}: ${message}`;
  const { line } = d.file.getLineAndCharacterOfPosition(d.start);
  return `line ${line + 1}: error TS${d.code}: ${message}`;
}

/**
 * Type-checks `files` together and emits JavaScript for them (and for lib/)
 * into the options' outDir. Returns each file's errors, by file name.
 */
export function compile(files: string[], options: ts.CompilerOptions): Map<string, ts.Diagnostic[]> {
  const program = ts.createProgram(files, options);
  const byFile = new Map<string, ts.Diagnostic[]>(files.map((f) => [path.resolve(f), []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const key = d.file ? path.resolve(d.file.fileName) : '';
    const list = byFile.get(key);
    if (list !== undefined) list.push(d);
    else if (d.category === ts.DiagnosticCategory.Error && d.file === undefined) throw new Error(formatDiagnostic(d));
  }
  const emitted = program.emit();
  for (const d of emitted.diagnostics) if (d.category === ts.DiagnosticCategory.Error) throw new Error(formatDiagnostic(d));
  return byFile;
}

// ---- running ----

export interface RunResult {
  /** stdout and stderr together, in the order written. */
  printed: string;
  status: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
}

/**
 * Runs `file` (emitted JavaScript) with node, from `cwd`. stdout and stderr
 * share one file descriptor, so their lines interleave as on a terminal.
 */
export function runFile(file: string, cwd: string, timeoutSeconds: number): Promise<RunResult> {
  const capture = `${file}.out`;
  const fd = fs.openSync(capture, 'w');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], {
      cwd,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSeconds * 1000);
    const finish = (status: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      fs.closeSync(fd);
      resolve({ printed: fs.readFileSync(capture, 'utf8'), status, signal, timedOut });
    };
    child.on('error', () => finish(null, null));
    child.on('exit', finish);
  });
}

/** Runs `jobs` at most `limit` at a time; each result promise settles when its own job ends. */
export function limited<T>(jobs: Array<() => Promise<T>>, limit: number): Array<Promise<T>> {
  let next = 0;
  const starts: Array<(v: void) => void> = [];
  const gates = jobs.map(() => new Promise<void>((r) => starts.push(r)));
  const results = jobs.map((job, i) => gates[i].then(job));
  const release = () => {
    if (next < jobs.length) starts[next++]();
  };
  results.forEach((p) => p.then(release, release));
  for (let i = 0; i < Math.min(limit, jobs.length); i++) release();
  return results;
}

// ---- docs/rosetta.md: every name in the tulip column exists ----
//
// The second column of each table lists tulip's names in backticks:
// `name`, `new Name(…)`, `yield* name(…)`, `receiver.member(…)`. A receiver
// is a class or interface name, or one of the variable names below. Spans
// that are not a name (`function* f(): Coroutine<T>`) are skipped, and so
// are the placeholders below (`yield* x`); the spec requires a minimum count
// so that a change of format cannot skip them all.

/** Words that stand for the reader's own values in the tulip column, not for names of tulip. */
export const PLACEHOLDERS = new Set(['x', 'aw', 'coro', 'yield', 'value', 'error']);

/** Variable names the rosetta page uses for receivers, and their types. */
export const RECEIVERS: Record<string, string> = {
  loop: 'EventLoop',
  fut: 'Future',
  task: 'Task',
  handle: 'TimerHandle',
  runner: 'Runner',
  policy: 'DefaultEventLoopPolicy',
  cm: 'Timeout',
  tg: 'TaskGroup',
  lock: 'Lock',
  event: 'Event',
  cond: 'Condition',
  sem: 'Semaphore',
  barrier: 'Barrier',
  q: 'Queue',
  reader: 'StreamReader',
  writer: 'StreamWriter',
  server: 'Server',
  proc: 'Process',
  executor: 'ThreadPoolExecutor',
  transport: 'Transport',
  endpoint: 'DatagramTransport',
  protocol: 'Protocol',
  tracer: 'Tracer',
  instrument: 'Instrument',
  context: 'ExceptionContext',
  eg: 'ExceptionGroup',
  scope: 'EnteredContext',
  snap: 'Snapshot',
  agen: 'AsyncGenerator',
  cursor: 'AsyncCursor',
  var: 'ContextVar',
  token: 'Token',
  ctx: 'Context',
};

/** A name of the tulip column: `name`, or `owner.member` (owner a type of lib/index.ts). */
export interface RosettaName {
  /** 1-based line of the table row. */
  line: number;
  /** The code span as written. */
  text: string;
  name: string;
  member: string | null;
}

/** The names of the tulip column (the second) of every table row in `markdown`. */
export function rosettaNames(markdown: string): RosettaName[] {
  const names: RosettaName[] = [];
  markdown.split('\n').forEach((row, i) => {
    if (!row.startsWith('|') || /^\|\s*:?-/.test(row)) return;
    const cells = row.split(/(?<!\\)\|/).slice(1, -1);
    if (cells.length < 2) return;
    for (const m of cells[1].matchAll(/`([^`]+)`/g)) {
      const span = m[1].replace(/^(new|yield\*|await)\s+/, '').replace(/[(<{ ].*$/, '');
      const parts = /^([A-Za-z_$][\w$]*)(?:\.([A-Za-z_$][\w$]*))?$/.exec(span);
      if (parts === null) continue;
      const [, head, member] = parts;
      if (member === undefined && PLACEHOLDERS.has(head)) continue;
      names.push({ line: i + 1, text: m[1], name: RECEIVERS[head] ?? head, member: member ?? null });
    }
  });
  return names;
}

/**
 * A TypeScript file that compiles only if every `owner.member` exists: line
 * `header + k` checks the k-th name with a member.
 */
export function rosettaSource(withMembers: RosettaName[], libPath: string): { source: string; header: number } {
  const head = [`import type * as tulip from '${libPath}';`];
  const lines = withMembers.map((n, k) => `type M${k} = tulip.${n.name}['${n.member}'];`);
  return { source: [...head, ...lines, 'export {};', ''].join('\n'), header: head.length };
}

// ---- links between the pages ----

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2, … */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutFences(markdown)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m === null) continue;
    const base = m[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** The lines of `markdown` outside fenced code blocks. */
function withoutFences(markdown: string): string[] {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of markdown.replace(/\r\n/g, '\n').split('\n')) {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (fence === null && m !== null) fence = m[1];
    else if (fence !== null && m !== null && m[1][0] === fence[0] && m[1].length >= fence.length && line.trim() === m[1]) fence = null;
    else if (fence === null) out.push(line);
  }
  return out;
}

/**
 * Relative links of `doc` (a path under `root`) that lead nowhere: a missing
 * file, or a `#anchor` that no heading of the target .md file makes. Links
 * to line numbers of source files (`#L12`) are spec/examples.spec.ts's job.
 */
export function brokenLinks(root: string, doc: string): string[] {
  const text = fs.readFileSync(path.join(root, doc), 'utf8');
  const problems: string[] = [];
  withoutFences(text).forEach((line) => {
    for (const m of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
      const [file, anchor] = target.split('#');
      const resolved = file === '' ? path.join(root, doc) : path.resolve(path.dirname(path.join(root, doc)), file);
      if (!fs.existsSync(resolved)) {
        problems.push(`${doc}: (${target}) — no such file`);
        continue;
      }
      if (anchor !== undefined && resolved.endsWith('.md') && !headingAnchors(fs.readFileSync(resolved, 'utf8')).has(anchor)) {
        problems.push(`${doc}: (${target}) — no heading makes #${anchor}`);
      }
    }
  });
  return problems;
}
