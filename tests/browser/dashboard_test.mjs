// The admin dashboard in a real browser: headless Chromium (Debian's `chromium`, driven by
// playwright-core) against the real `wagate serve` on sqlite.
//
//   node dashboard_test.mjs <path to wagate> <screenshot.png>
//
// 1. A small HTTP server stands in for HANDLER_URL: it rejects the test's message with a 400 (a
//    permanent error, so the item is dead-lettered), and accepts it once told to.
// 2. The page is opened; a wrong token must show an error and no data.
// 3. With the right token the dead letter (its key, and a hostile payload shown as text) is
//    listed; Redrive is clicked and confirmed; the dead letter must leave the list, and the
//    record lookup in the page must reach COMPLETED.
// 4. A token the service no longer accepts shows an error and no data again.
// A screenshot of the final page is saved. Any step that does not happen fails the test (exit 1).
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [binary, screenshot] = process.argv.slice(2);
if (!binary || !screenshot) {
  console.error('usage: node dashboard_test.mjs <wagate binary> <screenshot.png>');
  process.exit(2);
}

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'browser-admin-' + randomBytes(12).toString('hex');
const SECRET = 'browser-app-secret-' + randomBytes(8).toString('hex');
const WAMID = 'wamid.browser-' + randomBytes(6).toString('hex');
const KEY = 'msg:' + WAMID;
const HOSTILE_TEXT = '<img src=x onerror=window.__xss=1>';
const TIMEOUT_MS = 30_000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function fail(message) { throw new Error(message); }

async function until(what, check, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await sleep(100);
  }
  fail('timed out waiting for ' + what);
}

// The stand-in for the operator's handler endpoint.
let accept = false;
const handlerCalls = [];
const handler = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    handlerCalls.push(req.headers['idempotency-key']);
    res.writeHead(accept ? 200 : 400, { 'Content-Type': 'application/json' });
    res.end(accept ? '{}' : '{"error":"rejected by the test handler"}');
  });
});
await new Promise((r) => handler.listen(0, '127.0.0.1', r));
const handlerUrl = `http://127.0.0.1:${handler.address().port}/handle`;

const dir = mkdtempSync(join(tmpdir(), 'wagate-browser-'));
const portFile = join(dir, 'port');
const server = spawn(binary, ['serve', '--port-file', portFile], {
  env: {
    PATH: process.env.PATH,
    WAGATE_BACKEND: 'sqlite',
    WAGATE_DATA_DIR: join(dir, 'data'),
    HOST: '127.0.0.1',
    PORT: '0',
    ADMIN_TOKEN: TOKEN,
    WHATSAPP_APP_SECRET: SECRET,
    WHATSAPP_VERIFY_TOKEN: 'browser-verify',
    HANDLER: 'http',
    HANDLER_URL: handlerUrl,
    WORKERS: '1',
    SENDERS: '1',
    MIN_FREE_DISK_MB: '1',
    HTTP_THREADS: '2',
    DRAIN_SECONDS: '0',
    LOG_LEVEL: 'info',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let serverLog = '';
server.stdout.on('data', (c) => { serverLog += c; });
server.stderr.on('data', (c) => { serverLog += c; });
let browser;

async function main() {
  await until('the port file', () => existsSync(portFile) && readFileSync(portFile, 'utf8').trim());
  const base = `http://127.0.0.1:${readFileSync(portFile, 'utf8').trim()}`;
  const adminApi = async (path) => {
    const r = await fetch(base + '/admin/api/' + path, { headers: { Authorization: 'Bearer ' + TOKEN } });
    return { status: r.status, body: await r.json() };
  };

  // A signed message whose handler call fails permanently: a dead letter.
  const now = Math.floor(Date.now() / 1000);
  const webhook = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '301', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15551230000', phone_number_id: '112233' },
      contacts: [{ profile: { name: 'M' }, wa_id: '5215512345678' }],
      messages: [{ from: '5215512345678', id: WAMID, timestamp: String(now), type: 'text',
                   text: { body: HOSTILE_TEXT } }],
    } }] }],
  });
  const signature = 'sha256=' + createHmac('sha256', SECRET).update(webhook).digest('hex');
  const posted = await fetch(base + '/webhook', {
    method: 'POST', body: webhook,
    headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature },
  });
  if (posted.status !== 200) fail('webhook POST answered ' + posted.status + ': ' + await posted.text());
  await until('the message to be dead-lettered', async () => {
    const r = await adminApi('record?key=' + encodeURIComponent(KEY));
    return r.status === 200 && r.body.state === 'DEAD';
  });
  console.log('dead letter created:', KEY);

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
                                    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  await page.goto(base + '/admin');

  // A wrong token: an error, and no data.
  await page.locator('#token').fill('not-the-token');
  await page.locator('#login-submit').click();
  await page.locator('#error').waitFor({ state: 'visible', timeout: TIMEOUT_MS });
  const errorText = await page.locator('#error').textContent();
  if (!/refused/i.test(errorText)) fail('the wrong token showed no error, but: ' + errorText);
  if (await page.locator('#dashboard').isVisible()) fail('the dashboard is visible with a wrong token');
  if (await page.locator('#dead-letters li').count() !== 0) fail('dead letters shown with a wrong token');
  if (await page.locator('#queues tbody tr').count() !== 0) fail('queue stats shown with a wrong token');
  if (await page.evaluate(() => sessionStorage.getItem('wagate.admin.token')) !== null) {
    fail('a refused token was kept in session storage');
  }
  if ((await page.content()).includes(KEY)) fail('the page holds data after a wrong token');
  console.log('wrong token: error shown, no data');

  // The right token: the dead letter is listed, its hostile payload as text.
  await page.locator('#token').fill(TOKEN);
  await page.locator('#login-submit').click();
  await page.locator('#dashboard').waitFor({ state: 'visible', timeout: TIMEOUT_MS });
  if (await page.locator('#error').isVisible()) fail('an error is still shown with the right token');
  const item = page.locator('#dead-letters li.dead-letter', { hasText: KEY });
  await item.waitFor({ state: 'visible', timeout: TIMEOUT_MS });
  const itemText = await item.textContent();
  if (!itemText.includes('handler_rejected')) fail('the dead letter shows no reason: ' + itemText);
  await item.locator('summary').click();
  const payload = await item.locator('pre.payload').textContent();
  if (!payload.includes(HOSTILE_TEXT)) fail('the payload is not shown as text: ' + payload);
  if (await item.locator('img').count() !== 0) fail('the payload was rendered as HTML');
  if (await page.evaluate(() => window.__xss) !== undefined) fail('the payload ran a script');
  if (await page.evaluate(() => sessionStorage.getItem('wagate.admin.token')) !== TOKEN) {
    fail('the token is not kept in session storage');
  }
  console.log('right token: dead letter listed with its payload as text');

  // Redrive, confirmed; the handler now accepts.
  accept = true;
  let confirmed = '';
  page.once('dialog', async (dialog) => { confirmed = dialog.message(); await dialog.accept(); });
  await page.locator('#redrive').click();
  await until('the redrive to be reported', async () =>
    /1 moved/.test(await page.locator('#dlq-status').textContent()));
  if (!/incoming/.test(confirmed)) fail('Redrive asked no confirmation naming the queue: ' + confirmed);
  await until('the dead letter to leave the list', async () => (await item.count()) === 0);
  console.log('redriven: the dead letter left the list');

  // The record lookup in the page reaches COMPLETED.
  await page.locator('#lookup-key').fill(KEY);
  await until('the record to be COMPLETED in the page', async () => {
    await page.locator('#lookup-submit').click();
    await sleep(300);
    const state = page.locator('#record-state');
    return (await state.count()) === 1 && (await state.textContent()) === 'COMPLETED';
  });
  if (handlerCalls.filter((k) => k === KEY).length < 2) fail('the handler was not called again');
  console.log('record COMPLETED');

  await page.screenshot({ path: screenshot, fullPage: true });
  console.log('screenshot:', screenshot);

  // A token that stops being accepted (a rotated ADMIN_TOKEN) takes every shown value away at the
  // next periodic refresh, without a reload.
  if (await page.locator('#queues tbody tr').count() === 0) fail('no queue stats shown');
  await page.evaluate(() => sessionStorage.setItem('wagate.admin.token', 'rotated-away'));
  await page.locator('#error').waitFor({ state: 'visible', timeout: TIMEOUT_MS });
  if (await page.locator('#dashboard').isVisible()) fail('the dashboard is visible with a stale token');
  if (await page.locator('#queues tbody tr').count() !== 0) fail('queue stats shown with a stale token');
  console.log('stale token: error shown, no data');
  if (pageErrors.some((e) => !/401/.test(e))) fail('the page logged errors: ' + pageErrors.join('; '));
}

let code = 0;
try {
  await main();
  console.log('PASS');
} catch (err) {
  code = 1;
  console.error('FAIL:', err.message);
  console.error('--- wagate log ---\n' + serverLog.split(TOKEN).join('[token]'));
}
if (browser) await browser.close();
server.kill('SIGTERM');
await new Promise((r) => { if (server.exitCode !== null) r(); else server.once('exit', r); });
handler.close();
rmSync(dir, { recursive: true, force: true });
if (serverLog.includes(TOKEN)) { console.error('FAIL: the admin token appears in the log'); code = 1; }
process.exit(code);
