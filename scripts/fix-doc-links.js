#!/usr/bin/env node
// docs/*.md link into the source as [`code`](../lib/file.ts#L123), and
// spec/examples.spec.ts checks that each lands on a line with that code.
// After editing lib/, run `node scripts/fix-doc-links.js` to move every link
// that drifted to the nearest line that shows its code (it prints each move;
// a link whose code is gone is reported, not guessed).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const docsDir = path.join(root, 'docs');
const link = /\[`([^`]+)`\]\(\.\.\/(lib\/[\w/.-]+\.ts)#L(\d+)\)/g;
let moved = 0;
let lost = 0;
for (const doc of fs.readdirSync(docsDir).filter((f) => f.endsWith('.md'))) {
  const file = path.join(docsDir, doc);
  const text = fs.readFileSync(file, 'utf8');
  const out = text.replace(link, (whole, label, src, lineNo) => {
    // The same rule as the spec: drop a leading `Class.` and a trailing `…`.
    const needle = label.replace(/^[A-Z]\w*(\.|(?=\[))/, '').replace(/,? ?….*$/, '');
    const lines = fs.readFileSync(path.join(root, src), 'utf8').split('\n');
    const n = Number(lineNo);
    if ((lines[n - 1] ?? '').includes(needle)) return whole;
    let found = -1;
    lines.forEach((l, i) => {
      if (l.includes(needle) && (found < 0 || Math.abs(i + 1 - n) < Math.abs(found + 1 - n))) found = i;
    });
    if (found < 0) {
      lost++;
      console.log(`${doc}: ${src}#L${n}: \`${needle}\` is no longer in the file — fix by hand`);
      return whole;
    }
    moved++;
    console.log(`${doc}: ${src}#L${n} -> #L${found + 1} (\`${needle}\`)`);
    return `[\`${label}\`](../${src}#L${found + 1})`;
  });
  if (out !== text) fs.writeFileSync(file, out);
}
console.log(`${moved} link(s) moved, ${lost} to fix by hand`);
process.exit(lost === 0 ? 0 : 1);
