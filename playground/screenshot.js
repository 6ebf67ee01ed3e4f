#!/usr/bin/env node
// Takes the screenshot in docs/: the playground stepping through the gather
// example. Needs Debian's Chromium (apt-get install chromium).
//
//   node playground/screenshot.js [out.png] [steps]
'use strict';
const path = require('node:path');
const { chromium } = require('playwright-core');
const { buildPlayground } = require('./build');
const { serve } = require('./serve');

async function main() {
  const out = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'docs', 'playground-gather.png'));
  const steps = Number(process.argv[3] ?? 3);
  await buildPlayground();
  const { server, url } = await serve({ port: 0 });
  const browser = await chromium.launch({
    executablePath: process.env.TULIP_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 960 } });
    await page.goto(`${url}?program=gather`);
    const settled = () => page.waitForFunction(() => document.body.dataset.busy === 'false');
    await settled();
    for (let i = 0; i < steps; i++) {
      await page.click('#step');
      await settled();
    }
    await page.click('#tasks tr[data-name="Task-1"]');
    await page.screenshot({ path: out });
    console.log(`wrote ${path.relative(process.cwd(), out)} after ${steps} steps of the gather example`);
  } finally {
    await browser.close();
    server.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
