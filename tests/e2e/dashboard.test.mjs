// End-to-end tests of the dashboard page (GET /) in headless Chromium, against a real
// `sijill serve --demo`. Run by run_e2e.py (CTest label e2e), which installs playwright-core and
// passes, in the environment: SIJILL (the binary), SIJILL_CHROMIUM, SIJILL_E2E_WORK (a scratch
// folder), SIJILL_E2E_ARTIFACTS (where screenshots go), SIJILL_SOURCE_DIR.
//
// The tests run in order and share one server and one browser: sign-in and the figures, a
// command seen live on two open pages, the server killed and restarted, Arabic (right to left),
// a coordinator kept to their region, the case view with the as-of replay, a phone's width.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';

const WORK = process.env.SIJILL_E2E_WORK;
const ARTIFACTS = process.env.SIJILL_E2E_ARTIFACTS;
const require = createRequire(path.join(WORK, 'node', 'package.json'));
const { chromium } = require('playwright-core');

const SIJILL = process.env.SIJILL;
const LIVE_BUDGET_MS = 1000; // a committed command shows on every open page within a second

// --- the server ---------------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

class Server {
  constructor(dir, port) {
    this.dir = dir;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.tokenFile = path.join(dir, 'admin-token');
    this.output = '';
  }

  async start(...extra) {
    const args = ['serve', '--data', path.join(this.dir, 'data'), '--listen', `127.0.0.1:${this.port}`,
      '--admin-token-file', this.tokenFile, ...extra];
    this.proc = spawn(SIJILL, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => resolve({ code, signal }));
      this.proc.on('error', (e) => {
        this.output += `cannot run ${SIJILL}: ${e.message}\n`;
        resolve({ code: null, signal: null });
      });
    });
    const listening = new Promise((resolve, reject) => {
      const onData = (chunk) => {
        this.output += chunk.toString();
        if (/listening on http:\/\//.test(this.output.split('\n').slice(-20).join('\n'))) resolve();
      };
      this.proc.stdout.on('data', onData);
      this.proc.stderr.on('data', onData);
      this.exited.then(({ code }) => reject(new Error(`sijill serve exited (${code}):\n${this.output}`)));
    });
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`sijill serve did not listen:\n${this.output}`)), 180_000);
    });
    try {
      await Promise.race([listening, timeout]);
    } finally {
      clearTimeout(timer);
    }
    this.output = '';
    if (!this.admin) this.admin = fs.readFileSync(this.tokenFile, 'utf8').trim();
  }

  async kill() {
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null || this.proc.signalCode) return;
    this.proc.kill('SIGTERM');
    let timer;
    await Promise.race([this.exited, new Promise((r) => { timer = setTimeout(r, 20_000); })]);
    clearTimeout(timer);
    if (this.proc.exitCode === null && !this.proc.signalCode) this.proc.kill('SIGKILL');
  }

  async request(method, route, { body, token = this.admin } = {}) {
    const res = await fetch(this.url + route, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, headers: res.headers, body: json };
  }

  async get(route, token) {
    const r = await this.request('GET', route, { token });
    assert.equal(r.status, 200, `GET ${route}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async command(name, body, token) {
    const r = await this.request('POST', `/v1/commands/${name}`, { body, token });
    assert.equal(r.status, 201, `${name}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async tokenFor(person, role, region) {
    const reg = await this.request('POST', '/v1/commands/RegisterUser', { body: { person_id: person, roles: [role] } });
    assert.ok([201, 409].includes(reg.status), JSON.stringify(reg.body));
    const body = { user: person, role };
    if (region) body.region = region;
    return (await this.command('CreateToken', body)).token;
  }
}

// --- helpers -------------------------------------------------------------------------------------

// Text as a person reads it: French number spaces (U+202F, U+00A0) and bidi isolates made plain.
function plain(text) {
  return String(text).replace(/[\u202f\u00a0]/g, ' ').replace(/[\u2066-\u2069\u200e\u200f]/g, '').replace(/\s+/g, ' ').trim();
}

const count = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
const euros = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 });

async function shot(page, name, { docs = false, fullPage = true } = {}) {
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage });
  if (docs && process.env.SIJILL_E2E_UPDATE_DOCS === '1') {
    const dir = path.join(process.env.SIJILL_SOURCE_DIR, 'docs', 'screenshots');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(file, path.join(dir, name));
  }
}

async function signIn(page, token, { lang = 'fr' } = {}) {
  await page.goto(`${server.url}/`);
  await page.evaluate((l) => localStorage.setItem('sijill.lang', l), lang);
  await page.reload();
  await page.locator('#token').fill(token);
  await page.locator('#signin button[type=submit]').click();
  await page.locator('#targets-grid [data-target]').first().waitFor({ timeout: 15_000 });
}

// The figure the page shows for a pipeline stage (funnel or side chips).
async function stageValue(page, stage) {
  const funnel = page.locator(`svg.funnel [data-stage="${stage}"] .value`);
  if (await funnel.count()) return Number(await funnel.getAttribute('data-value'));
  const chip = page.locator(`#pipeline-side [data-stage="${stage}"] dd`);
  return Number(plain(await chip.innerText()).replace(/\D/g, ''));
}

let server;
let browser;
let adminPage;
let tokens = {};
let selected = []; // selected applications of the demo: {application_id, region}
const requests = [];

before(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const dir = fs.mkdtempSync(path.join(WORK, 'run-'));
  server = new Server(dir, await freePort());
  const started = Date.now();
  await server.start('--demo');
  console.log(`sijill serve --demo listening after ${Date.now() - started} ms`);
  const regions = (await server.get('/v1/dashboard')).regions;
  tokens.coordinator = await server.tokenFor('u-e2e-coord', 'regional_coordinator', regions[0]);
  tokens.auditor = await server.tokenFor('u-e2e-audit', 'auditor');
  tokens.officer = await server.tokenFor('u-e2e-po', 'programme_officer');
  tokens.regions = regions;
  browser = await chromium.launch({ executablePath: process.env.SIJILL_CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  const stopping = Date.now();
  if (browser) await browser.close();
  if (server) {
    await server.stop();
    fs.rmSync(server.dir, { recursive: true, force: true });
  }
  console.log(`stopped after ${Date.now() - stopping} ms`);
});

// --- the tests -----------------------------------------------------------------------------------

test('GET / serves the page from the binary, with a strict CSP, content types and ETags', async () => {
  const res = await fetch(`${server.url}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html; charset=utf-8/);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const html = await res.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'nothing from another origin');
  const etag = res.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]+"$/);
  const again = await fetch(`${server.url}/`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  for (const [file, type] of [['app.js', 'text/javascript'], ['i18n.js', 'text/javascript'], ['style.css', 'text/css']]) {
    const r = await fetch(`${server.url}/ui/${file}`);
    assert.equal(r.status, 200, file);
    assert.ok(r.headers.get('content-type').startsWith(type), `${file}: ${r.headers.get('content-type')}`);
    assert.ok(r.headers.get('etag'), file);
    const body = await r.text();
    assert.doesNotMatch(body, /(import|from)\s*\(?\s*['"]https?:/, `${file} imports nothing from the network`);
  }
  assert.equal((await fetch(`${server.url}/ui/missing.js`)).status, 404);
});

test('signs in with a token and shows the figures of GET /v1/dashboard', async () => {
  const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
  adminPage = await context.newPage();
  const errors = [];
  adminPage.on('pageerror', (e) => errors.push(e.message));
  adminPage.on('console', (m) => m.type() === 'error' && !/WebSocket|Failed to load resource/.test(m.text()) && errors.push(m.text()));
  adminPage.on('request', (r) => requests.push(r.url()));
  await signIn(adminPage, tokens.officer);
  assert.equal(await adminPage.evaluate(() => sessionStorage.getItem('sijill.token')), tokens.officer);
  await adminPage.locator('#live[data-state="online"]').waitFor({ timeout: 10_000 });

  const api = await server.get('/v1/dashboard');
  await adminPage.waitForFunction((p) => document.querySelector('#asof')?.dataset.position === String(p), api.position);
  // Targets vs actual.
  for (const target of api.targets) {
    const card = adminPage.locator(`[data-target="${target.id}"]`);
    assert.equal(Number(await card.getAttribute('data-actual')), target.actual, target.id);
    assert.equal(Number(await card.getAttribute('data-goal')), target.target, target.id);
    const shown = plain(await card.locator('.figure').innerText());
    const fmt = target.unit === 'eur_cents' ? (v) => euros.format(v / 100) : (v) => count.format(v);
    assert.equal(shown, plain(`${fmt(target.actual)} sur ${fmt(target.target)}`), target.id);
  }
  const cascade = plain(await adminPage.locator('[data-target="cascade_eur"] .of').innerText());
  assert.equal(cascade, 'sur 1 340 000 €');
  // The funnel and the other stages.
  for (const [stage, value] of Object.entries(api.pipeline)) {
    assert.equal(await stageValue(adminPage, stage), value, stage);
  }
  // Evaluation progress, money per line, regions.
  for (const [key, value] of Object.entries(api.evaluation)) {
    const dd = plain(await adminPage.locator(`[data-eval="${key}"] dd`).innerText());
    assert.equal(dd, plain(count.format(value)), key);
  }
  // Each evaluator's workload, one row each, as the API gives it.
  const evaluatorRows = await adminPage.locator('#workload tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.evaluator));
  assert.deepEqual(evaluatorRows, api.evaluators.map((w) => w.evaluator_id));
  assert.ok(api.evaluators.length > 0);
  for (const w of api.evaluators) {
    for (const key of ['assigned', 'to_declare', 'to_score', 'scored', 'conflicts']) {
      const cell = plain(await adminPage.locator(`#workload tr[data-evaluator="${w.evaluator_id}"] td[data-col="${key}"]`).innerText());
      assert.equal(cell, plain(count.format(w[key])), `${w.evaluator_id} ${key}`);
    }
  }
  for (const line of api.money) {
    const cells = await adminPage.locator(`#money tr[data-line="${line.line}"] td`).allInnerTexts();
    assert.equal(plain(cells[0]), plain(euros.format(line.envelope_cents / 100)), line.line);
  }
  for (const r of api.by_region) {
    const selectedCell = plain(await adminPage.locator(`#regions tr[data-region="${r.region}"] td[data-col="selected"]`).innerText());
    assert.equal(selectedCell, String(r.selected), r.region);
  }
  // The activity feed holds the read model's latest events, newest first.
  const positions = await adminPage.locator('#feed li').evaluateAll((lis) => lis.map((li) => Number(li.dataset.position)));
  assert.deepEqual(positions, api.activity.map((a) => a.position));
  // Local times are the server's text, rearranged (never the browser's zone).
  const firstTime = await adminPage.locator('#feed li time').first().getAttribute('datetime');
  assert.equal(firstTime, api.activity[0].recorded_at_local);
  // The ranking of a region.
  await adminPage.locator('#ranking table tbody tr').first().waitFor();
  // Every form control has a label; the EU visibility line and emblem are there.
  const unlabelled = await adminPage.$$eval('input, select', (els) =>
    els.filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map((e) => e.id || e.name));
  assert.deepEqual(unlabelled, []);
  // Keyboard: the view's heading has the focus after sign-in; the next Tab reaches a control
  // that shows a visible outline.
  assert.equal(await adminPage.evaluate(() => document.activeElement.id), 'dashboard-title');
  await adminPage.keyboard.press('Tab');
  const outline = await adminPage.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return { tag: document.activeElement.tagName, style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  assert.ok(outline.tag !== 'BODY' && outline.style !== 'none' && outline.width >= 2, JSON.stringify(outline));
  assert.equal(await adminPage.evaluate(() => document.querySelector('a[href], button, input, select').id), 'skip-link');
  assert.equal(await adminPage.locator('#feed').getAttribute('aria-live'), 'polite');
  assert.equal(plain(await adminPage.locator('#eu-line').innerText()), "Cofinancé par l'Union européenne");
  assert.equal(await adminPage.locator('#eu-emblem svg polygon').count(), 12);
  // Nothing was fetched from another origin.
  const foreign = requests.filter((u) => !u.startsWith(server.url) && !u.startsWith('data:') && !u.startsWith('ws://127.0.0.1'));
  assert.deepEqual(foreign, []);
  assert.deepEqual(errors, []);
  await shot(adminPage, 'dashboard-fr.png', { docs: true });
});

test('a committed command shows on every open page within a second, without reload', async () => {
  const list = await server.get(`/v1/applications?call=${encodeURIComponent(await callId())}&status=selected`);
  selected = list.items ?? list.applications;
  assert.ok(selected.length > 3, 'the demo has selected applications');
  // A second page: the auditor, following the region of the application.
  const target = selected.find((a) => a.region === tokens.regions[1]) ?? selected[0];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const second = await context.newPage();
  await signIn(second, tokens.auditor);
  await second.locator('#region').selectOption(target.region);
  await second.waitForFunction((r) => document.querySelector('#regions tr[data-region]')?.dataset.region === r, target.region);
  await second.locator('#live[data-state="online"]').waitFor();

  const pages = [adminPage, second];
  for (const p of pages) await p.evaluate(() => { window.__sijillNoReload = true; });
  const before = await Promise.all(pages.map((p) => stageValue(p, 'withdrawn')));
  const seen = pages.map((p) => p.waitForFunction(
    ([n, id]) => {
      const li = document.querySelector('#feed li');
      const chip = document.querySelector('#pipeline-side [data-stage="withdrawn"] dd');
      return li && li.dataset.type === 'ApplicationWithdrawn' && li.textContent.includes(id) &&
        chip && Number(chip.textContent.replace(/\D/g, '')) === n + 1;
    },
    [before[pages.indexOf(p)], target.application_id],
    { timeout: 10_000, polling: 'raf' },
  ).then(() => Date.now()));
  const t0 = Date.now();
  await server.command('WithdrawApplication', {
    application_id: target.application_id,
    reason: "Courrier de l'association : elle renonce à l'accompagnement (test de bout en bout).",
  });
  const committed = Date.now();
  const times = await Promise.all(seen);
  const latencies = times.map((t) => t - committed);
  console.log(`live latency after the 201: ${latencies.join(' ms, ')} ms (command took ${committed - t0} ms)`);
  for (const l of latencies) assert.ok(l <= LIVE_BUDGET_MS, `shown ${l} ms after the commit`);
  for (const p of pages) assert.equal(await p.evaluate(() => window.__sijillNoReload), true, 'no reload');
  selected = selected.filter((a) => a.application_id !== target.application_id);
  tokens.withdrawn = target.application_id;
  await context.close();
});

test('after the server is killed it shows an offline banner, then recovers by itself', async () => {
  await server.kill();
  await adminPage.locator('#offline').waitFor({ state: 'visible', timeout: 10_000 });
  assert.match(plain(await adminPage.locator('#offline').innerText()), /Connexion au serveur perdue/);
  await shot(adminPage, 'offline.png', { fullPage: false });
  await new Promise((r) => setTimeout(r, 1500));
  await server.start();
  await adminPage.locator('#offline').waitFor({ state: 'hidden', timeout: 20_000 });
  await adminPage.locator('#live[data-state="online"]').waitFor({ timeout: 5_000 });
  // Live again: the next command shows without reload.
  const target = selected.pop();
  const before = await stageValue(adminPage, 'withdrawn');
  await server.command('WithdrawApplication', { application_id: target.application_id, reason: 'Retrait après redémarrage (test).' });
  await adminPage.waitForFunction((n) => Number(document.querySelector('#pipeline-side [data-stage="withdrawn"] dd')
    ?.textContent.replace(/\D/g, '')) === n + 1, before, { timeout: 5_000 });
  assert.equal(await adminPage.evaluate(() => window.__sijillNoReload), true, 'no reload');
});

test('Arabic turns the page right to left, with the EU line in Arabic', async () => {
  await adminPage.locator('button[data-lang="ar"]').click();
  assert.equal(await adminPage.getAttribute('html', 'dir'), 'rtl');
  assert.equal(await adminPage.getAttribute('html', 'lang'), 'ar');
  assert.equal(plain(await adminPage.locator('#eu-line').innerText()), 'بتمويل مشترك من الاتحاد الأوروبي');
  await adminPage.locator('#targets-grid [data-target]').first().waitFor();
  assert.equal(await adminPage.evaluate(() => getComputedStyle(document.querySelector('main')).direction), 'rtl');
  // Mirrored: the brand is on the right, the languages on the left; tables read from the right.
  const brand = await adminPage.locator('.brand').boundingBox();
  const langs = await adminPage.locator('#langs').boundingBox();
  assert.ok(brand.x > langs.x, 'the brand is right of the language buttons');
  const heads = adminPage.locator('#regions thead th');
  const first = await heads.first().boundingBox();
  const last = await heads.last().boundingBox();
  assert.ok(first.x > last.x, 'the first column is on the right');
  const card = await adminPage.locator('#targets-grid [data-target]').first().boundingBox();
  const grid = await adminPage.locator('#targets-grid').boundingBox();
  assert.ok(card.x + card.width > grid.x + grid.width - 2, 'the first card starts on the right');
  // Numbers keep French formatting and left-to-right digits.
  assert.equal(plain(await adminPage.locator('[data-target="cascade_eur"] .of .num').innerText()), '1 340 000 €');
  await shot(adminPage, 'dashboard-ar.png', { docs: true });
  await adminPage.locator('button[data-lang="fr"]').click();
  assert.equal(await adminPage.getAttribute('html', 'dir'), 'ltr');
});

test('a regional coordinator sees their own region only', async () => {
  const [own, other] = tokens.regions;
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, tokens.coordinator);
  await page.waitForFunction((r) => document.querySelector('#regions tr[data-region]')?.dataset.region === r, own);
  assert.equal(await page.locator('#region').isDisabled(), true);
  assert.equal(await page.locator('#region').inputValue(), own);
  assert.deepEqual(await page.locator('#regions tbody tr').evaluateAll((trs) => trs.map((t) => t.dataset.region)), [own]);
  const regionsInFeed = await page.locator('#feed li .region').allInnerTexts();
  assert.ok(regionsInFeed.every((r) => plain(r) === own), regionsInFeed.join(', '));
  // Asking for another region in the URL changes nothing; the API refuses it.
  await page.goto(`${server.url}/#/?region=${encodeURIComponent(other)}`);
  await page.waitForFunction((r) => document.querySelector('#regions tr[data-region]')?.dataset.region === r, own);
  assert.match(plain(await page.locator('#dashboard-title').innerText()), new RegExp(own.replace(/[-]/g, '.')));
  const refused = await server.request('GET', `/v1/dashboard?region=${encodeURIComponent(other)}`, { token: tokens.coordinator });
  assert.equal(refused.status, 403);
  // Another region's case file is refused, and said so.
  const list = await server.get(`/v1/applications?call=${encodeURIComponent(await callId())}&region=${encodeURIComponent(other)}`);
  const foreign = (list.items ?? list.applications)[0].application_id;
  await page.goto(`${server.url}/#/applications/${foreign}`);
  await page.locator('#case-body .error').waitFor();
  assert.match(plain(await page.locator('#case-body .error').innerText()), /n'a pas accès/);
  assert.equal(await page.locator('#replay').isVisible(), false);
  await context.close();
});

test('the case view shows the file and its history, and replays it as of a past position', async () => {
  const context = await browser.newContext({ viewport: { width: 1360, height: 1000 } });
  const page = await context.newPage();
  await signIn(page, tokens.auditor);
  const id = tokens.withdrawn;
  await page.goto(`${server.url}/#/applications/${id}`);
  await page.locator('#case-identity').waitFor();
  const file = await server.get(`/v1/applications/${id}`, tokens.auditor);
  const history = await server.get(`/v1/applications/${id}/history`, tokens.auditor);
  assert.match(plain(await page.locator('#case-title').innerText()), new RegExp(id));
  // Documents with their digests.
  const digests = await page.locator('#case-documents code.digest').allInnerTexts();
  assert.ok(digests.length > 0, 'documents are listed');
  for (const d of digests) assert.match(d, /^[0-9a-f]{64}$/);
  // Eligibility, scores and decisions.
  await page.locator('#case-eligibility').waitFor();
  await page.locator('#case-scores').waitFor();
  const decisions = await page.locator('#history tbody tr').evaluateAll((trs) => trs.map((t) => Number(t.dataset.position)));
  for (const d of history.decisions) assert.ok(decisions.includes(d.position), `decision at ${d.position} shown`);
  assert.ok(await page.locator('#history tr[data-decision="withdrawn"]').count(), 'the withdrawal is in the history');
  assert.equal(await page.locator('#case-asof').getAttribute('data-position'), String(file.position ?? file.as_of?.position));
  await shot(page, 'case.png', { docs: true });

  // The slider: its steps are the history's positions; the first one replays the file then.
  const range = page.locator('#asof-range');
  await range.waitFor();
  const steps = (await range.getAttribute('data-positions')).split(',').map(Number);
  assert.ok(steps.length > 3);
  await range.focus();
  await page.keyboard.press('Home');
  await page.waitForFunction((p) => document.querySelector('#case-asof')?.dataset.position === String(p), steps[0], { timeout: 10_000 });
  assert.match(page.url(), new RegExp(`as_of=${steps[0]}$`));
  const stageThen = plain(await page.locator('#case-identity [data-field="stage"] dd').innerText());
  assert.notEqual(stageThen, 'Retirée');
  const replayed = await server.get(`/v1/applications/${id}?as_of=${steps[0]}`, tokens.auditor);
  assert.ok(!replayed.decisions || replayed.decisions.length < file.decisions.length);
  await shot(page, 'case-replay.png');
  await page.locator('#asof-now').click();
  await page.waitForFunction((p) => document.querySelector('#case-asof')?.dataset.position === String(p), file.position ?? file.as_of?.position);
  assert.equal(plain(await page.locator('#case-identity [data-field="stage"] dd').innerText()), 'Retirée');
  await context.close();
});

test('the page fits a phone', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await signIn(page, tokens.officer);
  await page.locator('svg.funnel').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no horizontal scrolling (${overflow} px)`);
  await shot(page, 'dashboard-phone.png');
  await context.close();
});

let knownCall = null;
async function callId() {
  if (knownCall) return knownCall;
  const dash = await server.get('/v1/dashboard');
  knownCall = dash.call_id ?? dash.call ?? null;
  if (!knownCall) {
    const list = await server.get('/v1/applications?limit=1');
    knownCall = (list.items ?? list.applications)[0].call_id;
  }
  return knownCall;
}
