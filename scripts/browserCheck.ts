// The browser check of the docs: serves build/docs on a loopback port, opens the overview and a claim page
// in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core), saves screenshots under
// build/screenshots, and fails when the math did not render, a plot or the dependency graph is missing, or
// the console shows an error. Run after `npm run docs` (npm start does both).
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = 'build/docs';
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const CLAIM_WITH_PLOT = 'rate.first-order';
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.js': 'text/javascript', '.png': 'image/png' };

function fail(message: string): never {
  console.error(`browser check: ${message}`);
  process.exit(1);
}

if (!existsSync(join(ROOT, 'index.html'))) fail(`${ROOT}/index.html not found: run npm run docs first`);
if (!existsSync(CHROMIUM)) fail(`${CHROMIUM} not found: apt-get install chromium (or set CHROMIUM_PATH)`);

const server = createServer((req, res) => {
  const url = decodeURIComponent((req.url ?? '/').split('?')[0]!);
  const path = normalize(join(ROOT, url.endsWith('/') ? `${url}index.html` : url));
  if (!path.startsWith(normalize(ROOT)) || !existsSync(path) || statSync(path).isDirectory()) {
    res.writeHead(404).end('not found');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
  createReadStream(path).pipe(res);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address();
const port = typeof address === 'object' && address ? address.port : 0;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const problems: string[] = [];
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error on ${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error on ${page.url()}: ${error.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
  mkdirSync('build/screenshots', { recursive: true });

  await page.goto(`http://127.0.0.1:${port}/index.html`, { waitUntil: 'networkidle' });
  const nodes = await page.locator('#dependency-graph svg g.node').count();
  const rows = await page.locator('table.claims tr').count();
  if (nodes < 10) problems.push(`the dependency graph has ${nodes} nodes`);
  if (nodes !== rows) problems.push(`the graph has ${nodes} nodes but the overview lists ${rows} claims`);
  await page.screenshot({ path: 'build/screenshots/overview.png', fullPage: false });

  await page.goto(`http://127.0.0.1:${port}/claims/${CLAIM_WITH_PLOT}.html`, { waitUntil: 'networkidle' });
  const katex = await page.locator('.statement .katex').count();
  const katexErrors = await page.locator('.katex-error').count();
  const plots = await page.locator('.plot svg').count();
  const fontLoaded = (await page.evaluate("document.fonts.check('16px KaTeX_Main')")) as boolean;
  if (katex === 0) problems.push(`no rendered math on the ${CLAIM_WITH_PLOT} page`);
  if (katexErrors > 0) problems.push(`${katexErrors} KaTeX errors on the ${CLAIM_WITH_PLOT} page`);
  if (plots === 0) problems.push(`no plot on the ${CLAIM_WITH_PLOT} page`);
  if (!fontLoaded) problems.push('the KaTeX fonts did not load (the site must work offline)');
  await page.screenshot({ path: 'build/screenshots/claim.png', fullPage: true });

  // The benchmarks page: the last build/bench.md as tables, or a note saying how to make one.
  await page.goto(`http://127.0.0.1:${port}/bench.html`, { waitUntil: 'networkidle' });
  const benchTitle = (await page.locator('main h1').first().textContent()) ?? '';
  const benchTables = await page.locator('main table').count();
  if (!/bench/i.test(benchTitle)) problems.push(`the benchmarks page has no benchmarks heading (found "${benchTitle}")`);
  console.log(`browser check: overview graph ${nodes} nodes / ${rows} claims; ${CLAIM_WITH_PLOT}: ${katex} math blocks, ${plots} plots; benchmarks page: ${benchTables} tables; screenshots in build/screenshots`);
} finally {
  await browser.close();
  server.close();
}
if (problems.length) fail(problems.join('\n'));
console.log('browser check: passed');
