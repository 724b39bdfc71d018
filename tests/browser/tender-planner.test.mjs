// Issue 8's planner pages in the browser: a buyer with a seeded multi-line draft suggests
// lots, moves a line and merges two lots (JavaScript off), renames a lot (JavaScript on),
// publishes; then imports a sample release through the preview. axe on every page, and
// no horizontal scrolling at 360 px.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BINARY, BUYER, PASSWORD, REPO, SITE_ROOT } from './server.mjs';
import { expectHeading, expectNoAxeViolations, expectNoProblems, ready, settled, signIn, submit, useServerAndBrowser, visit } from './helpers.mjs';

const SAMPLE = join(REPO, 'tests', 'fixtures', 'ocds', 'sell2wales-2025', 'WRel0.json');

const env = useServerAndBrowser({ seed: { suppliers: 300, randomSeed: 5 } });

/** A bearer token for the buyer, from the command line as a deployment would issue it. */
function buyerToken() {
  const r = spawnSync(BINARY, ['tokens', 'issue', '--email', BUYER.email], {
    cwd: REPO,
    encoding: 'utf8',
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${env.server.dir}/test.db?mode=rwc`,
      LEPTOS_SITE_ROOT: SITE_ROOT,
      ANCHORLINK_INDEX_DIR: join(env.server.dir, 'index-cli'),
      RUST_LOG: 'warn',
    },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split(/\s+/).find((w) => w.startsWith('al_'));
}

/** The buyer's four-line draft around Preston, made through the API. */
async function seedDraft() {
  const token = buyerToken();
  assert.ok(token, 'a token was issued');
  const res = await fetch(`${env.server.baseURL}/api/v1/tenders`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      title: 'Parks and buildings 2027',
      deadline: '2027-03-31',
      local_area: { near: 'PR1', within_km: 30 },
      items: [
        { description: 'Mowing of parks', cpv: '77314000', value_gbp: 60000 },
        { description: 'Tree surgery', cpv: '77211400', value_gbp: 30000 },
        { description: 'Cleaning of park toilets', cpv: '90911200', value_gbp: 20000 },
        { description: 'Boiler servicing', cpv: '50720000', value_gbp: 15000 },
      ],
    }),
  });
  const body = await res.text();
  assert.equal(res.status, 201, body);
  return JSON.parse(body).id;
}

/** At 360 px wide the page does not scroll sideways. */
async function fitsAt360(page, label) {
  await page.setViewportSize({ width: 360, height: 740 });
  // Through the DevTools protocol: page.evaluate waits forever with JavaScript off.
  const cdp = await page.context().newCDPSession(page);
  const measure = async (expression) => (await cdp.send('Runtime.evaluate', { expression, returnByValue: true })).result.value;
  const scroll = await measure('document.documentElement.scrollWidth');
  const client = await measure('document.documentElement.clientWidth');
  await cdp.detach().catch(() => {});
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.ok(scroll <= client, `${label} scrolls sideways at 360 px (${scroll} > ${client})`);
}

const lots = (page) => page.locator('main section.lot');

describe('lot planner, publish and import', () => {
  let id;
  let nojs;
  let js;

  before(async () => {
    id = await seedDraft();
    nojs = await env.page(false);
    await signIn(nojs, BUYER.email, PASSWORD);
    js = await env.page(true);
    await signIn(js, BUYER.email, PASSWORD);
  });
  after(async () => {
    await nojs?.context().close();
    await js?.context().close();
  });

  test('suggests lots, moves a line and merges two lots without JavaScript', async () => {
    const page = nojs;
    await visit(page, `/tenders/${id}/lots`);
    await expectHeading(page, 'Plan lots');
    await page.getByLabel('Most lots', { exact: true }).fill('4');
    await page.getByLabel('Fewest eligible bidders per lot').fill('1');
    await submit(page, page.getByRole('button', { name: 'Suggest lots' }));
    await page.getByText('This suggestion is exact').waitFor();
    assert.ok((await lots(page).count()) >= 1, 'the plan has lots');
    assert.match(await page.locator('main').innerText(), /Best possible reach/);
    // Make sure there are two lots to work with, by splitting the first line off.
    if ((await lots(page).count()) === 1) {
      const first = lots(page).first();
      await first.locator('input[name="lines[]"]').first().check();
      await submit(page, first.getByRole('button', { name: 'Split lot' }));
    }
    const before = await lots(page).count();
    assert.ok(before >= 2, `${before} lots`);

    // Move the first line of lot 1 to lot 2.
    const lot1 = lots(page).first();
    const line = await lot1.getByLabel('Line to move').locator('option').first().innerText();
    await lot1.getByLabel('Move it to').selectOption({ index: 0 });
    await submit(page, lot1.getByRole('button', { name: 'Move line' }));
    await page.getByText('Line moved.').waitFor();
    const moved = await page.locator('main section.lot', { hasText: line.replace(/^Line \d+: /, '') }).first().locator('h3').innerText();
    assert.doesNotMatch(moved, /^Lot 1:/, `${line} left lot 1 (now in ${moved})`);

    // Merge lot 2 into lot 1.
    const count = await lots(page).count();
    if (count >= 2) {
      const first = lots(page).first();
      await first.getByLabel('Lot to merge into lot 1').selectOption({ index: 0 });
      await submit(page, first.getByRole('button', { name: 'Merge lots' }));
      await page.getByText('Lots merged.').waitFor();
      assert.equal(await lots(page).count(), count - 1, 'one lot fewer');
    }
    expectNoProblems(page);
  });

  test('renames a lot with JavaScript, in place', async () => {
    const page = js;
    await visit(page, `/tenders/${id}/lots`);
    // axe runs in the page, so on the JavaScript-on page; the HTML is the same.
    await expectNoAxeViolations(page, 'the lot planner');
    await fitsAt360(page, 'the lot planner');
    const first = lots(page).first();
    await first.getByLabel('New title for lot 1').fill('Parks, whole');
    await submit(page, first.getByRole('button', { name: 'Rename' }));
    await page.locator('main section.lot h3', { hasText: 'Lot 1: Parks, whole' }).waitFor();
    expectNoProblems(page);
  });

  test('publishes, giving a reason when it is one lot, and the notice shows the lots', async () => {
    const page = js;
    await visit(page, `/tenders/${id}/publish`);
    await expectHeading(page, 'Publish this tender');
    await expectNoAxeViolations(page, 'the publish page');
    await fitsAt360(page, 'the publish page');
    const reason = page.getByLabel('Why is this tender not divided into lots?');
    if (await reason.count()) await reason.fill('One crew serves every site in turn.');
    await Promise.all([page.waitForURL(`**/tenders/${id}`), page.getByRole('button', { name: 'Publish' }).click()]);
    await settled(page);
    await expectHeading(page, 'Parks and buildings 2027');
    const text = await page.locator('main').innerText();
    assert.match(text, /Parks, whole/);
    assert.match(text, /published/);
    assert.equal(await page.locator(`a[href="/api/v1/tenders/${id}/ocds"]`).count(), 1);
  });

  test('imports a sample release after its preview', async () => {
    const page = nojs;
    await visit(page, '/tenders');
    await Promise.all([page.waitForURL('**/tenders/import'), page.getByRole('link', { name: 'Import from another portal' }).click()]);
    await ready(page);
    await expectHeading(page, 'Import from another portal');
    await page.getByLabel('OCDS file (a release or a release package, JSON)').setInputFiles(SAMPLE);
    await Promise.all([page.waitForURL('**/tenders/import?upload=*'), page.getByRole('button', { name: 'Preview' }).click()]);
    await ready(page);
    await page.getByRole('table', { name: 'Tenders in the upload' }).waitFor();
    assert.match(await page.locator('main').innerText(), /ocds-kuma6s-148440/);
    const previewPath = new URL(page.url()).pathname + new URL(page.url()).search;
    await submit(page, page.getByRole('button', { name: 'Import' }));
    await page.getByRole('heading', { name: 'Imported' }).waitFor();
    const link = page.locator('main ul.imported a').first();
    const href = await link.getAttribute('href');
    assert.match(href, /^\/tenders\/\d+$/);
    const donePath = new URL(page.url()).pathname + new URL(page.url()).search;
    expectNoProblems(page);
    // The same pages with JavaScript: axe, and no sideways scrolling at 360 px.
    for (const [path, label] of [['/tenders/import', 'the import page'], [previewPath, 'the import preview'], [donePath, 'the import result']]) {
      await visit(js, path);
      await expectNoAxeViolations(js, label);
      await fitsAt360(js, label);
    }
    expectNoProblems(js);
  });
});
