// Shared browser helpers: launching Chromium, waiting for hydration, axe checks, and the
// small steps (sign in, sign out) several journeys share.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import AxeBuilderModule from '@axe-core/playwright';
import { startServer } from './server.mjs';

const AxeBuilder = AxeBuilderModule.default ?? AxeBuilderModule;

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export const MODES = [
  { name: 'JavaScript on', js: true },
  { name: 'JavaScript off', js: false },
];

/**
 * Starts a server (with `startServer` options) and Chromium before a test file's tests and
 * stops both after them. `env.page(js)` opens a page on that server.
 */
export function useServerAndBrowser(options) {
  const env = {
    server: null,
    browser: null,
    page: (js) => newPage(env.browser, env.server.baseURL, js),
  };
  before(async () => {
    env.server = await startServer(options);
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

export function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/**
 * A new isolated context (own cookies) with JavaScript on or off. Only loopback traffic is
 * allowed; page errors and failed requests are collected so tests can assert there were none.
 */
export async function newPage(browser, baseURL, js) {
  const context = await browser.newContext({ javaScriptEnabled: js, baseURL, viewport: { width: 1280, height: 900 } });
  await context.route(/^(?!https?:\/\/127\.0\.0\.1[:/])/, (route) => route.abort());
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(20_000);
  const page = await context.newPage();
  page.js = js;
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // Failed requests are reported below, with their bodies.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      page.problems.push(`console error: ${m.text().slice(0, 600)}`);
    }
  });
  // In-flight requests, for `settled` (client-side navigations have no load event).
  page.inflight = 0;
  page.on('request', () => { page.inflight += 1; });
  const done = () => { page.inflight = Math.max(0, page.inflight - 1); };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  page.on('response', async (r) => {
    if (r.status() >= 500) {
      const body = await r.text().catch(() => '');
      // A server function's expected failure (bad input, wrong password) is the user's
      // error, shown on the page; its status is checked by the bad-input test. Anything
      // else (a panic, an internal or transport error) is a problem.
      const expected = /^\{"(Validation|InvalidCredentials|NotFound|Forbidden|Unauthenticated|Conflict)"/.test(body);
      if (!expected) page.problems.push(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}: ${body.slice(0, 300)}`);
    }
  });
  return page;
}

/** Whether every island on the page has hydrated: each counts itself in
 * `<html data-islands-hydrated>` once its handlers are attached (app::components::island_hydrated). */
async function islandsHydrated(page) {
  return page.evaluate(() => {
    const islands = document.querySelectorAll('leptos-island').length;
    const hydrated = Number(document.documentElement.dataset.islandsHydrated ?? 0);
    return hydrated >= islands;
  });
}

/**
 * Waits until the page is ready to use. With JavaScript on, on a page with islands (the
 * only parts that hydrate; app::assets::PAGES_WITH_ISLANDS): until every island is live.
 * With JavaScript off, or on a page without islands (plain HTML): the load event.
 */
export async function ready(page) {
  await page.waitForLoadState('load');
  if (!page.js) return;
  if (!(await page.evaluate(() => !!document.querySelector('leptos-island')))) return;
  const end = Date.now() + 15_000;
  while (!(await islandsHydrated(page))) {
    if (Date.now() > end) throw new Error(`the islands of ${page.url()} did not hydrate within 15 s; problems: ${page.problems.join('; ')}`);
    await page.waitForTimeout(50);
  }
}

/**
 * Submits a form by its button and waits for the page the server answers with. Outside
 * islands every form is a plain HTML form, with JavaScript on as off: the browser posts it
 * and follows the redirect back (field errors and notices come in the flash).
 */
export async function submit(page, button) {
  await Promise.all([page.waitForEvent('load'), button.click()]);
  await ready(page);
}

/**
 * Waits until the page has had no request in flight for `quietMs`: after a client-side
 * navigation (JavaScript on) its data has arrived and been rendered; after a full page
 * load, the same as the load event.
 */
export async function settled(page, { quietMs = 150, timeout = 15_000 } = {}) {
  await page.waitForLoadState('load');
  const end = Date.now() + timeout;
  let quietSince = Date.now();
  for (;;) {
    if (page.inflight > 0) quietSince = Date.now();
    else if (Date.now() - quietSince >= quietMs) break;
    if (Date.now() > end) throw new Error(`${page.url()}: requests still in flight after ${timeout} ms`);
    await page.waitForTimeout(25);
  }
  // Let the last response render.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
}

/** Counts the document (full page) loads of `page` from now on. */
export function countDocumentLoads(page) {
  const counter = { loads: 0 };
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) counter.loads += 1;
  });
  return counter;
}

/** Navigates to `path` and waits until the page is ready. */
export async function visit(page, path) {
  const res = await page.goto(path);
  await ready(page);
  return res;
}

/** Asserts the page has a given h1. */
export async function expectHeading(page, text) {
  const h1 = page.locator('main h1');
  await h1.filter({ hasText: text }).first().waitFor({ state: 'visible' });
}

/**
 * Runs axe with the WCAG 2.2 AA tag set and fails with a readable list of every violation.
 */
export async function expectNoAxeViolations(page, label) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  const lines = [];
  for (const v of results.violations) {
    lines.push(`- [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes) {
      lines.push(`    at ${n.target.join(' ')}: ${n.html.slice(0, 200)}`);
      if (n.failureSummary) lines.push(`      ${n.failureSummary.replace(/\n/g, '\n      ')}`);
    }
  }
  assert.equal(
    results.violations.length,
    0,
    `axe found ${results.violations.length} accessibility violation(s) on ${label} (${page.url()}):\n${lines.join('\n')}`,
  );
}

/** Asserts that nothing went wrong in the page so far (no 5xx, no script errors). */
export function expectNoProblems(page) {
  assert.deepEqual(page.problems, [], `problems on ${page.url()}`);
}

/** Signs in through the login form and waits for the page after it. */
export async function signIn(page, email, password) {
  await visit(page, '/login');
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
  await ready(page);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.ok((await page.locator('.nav-user').textContent()).includes(email), 'the header shows who is signed in');
}

/** Signs out with the header button. */
export async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign in' }).waitFor();
  await ready(page);
}
