// Issue 12 in the browser: a supplier reads its opportunities (why each lot matched),
// marks interest and withdraws it, opens the partners page, sets its alerts; the buyer sees
// the count on the tender page and the interest view with its CSV link. With JavaScript on
// and off; axe and the 360 px width check run scripts in the page, which a page with
// JavaScript off does not allow (they wait for ever), so they run with it on: the server
// renders the same document either way.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { BINARY, BUYER, PASSWORD, REPO, SITE_ROOT } from './server.mjs';
import { expectHeading, expectNoAxeViolations, expectNoProblems, MODES, ready, settled, signIn, submit, useServerAndBrowser, visit } from './helpers.mjs';

const RUN_MODES = MODES;
const SUPPLIERS = {
  'JavaScript on': { email: 'mo@mowers.coop', organisation: 'Mowers Co-operative', postcode: 'PR1 2HE', cpv: '77314000' },
  'JavaScript off': { email: 'gr@green.coop', organisation: 'Green Spaces CIC', postcode: 'PR2 1AA', cpv: '77000000' },
};

const env = useServerAndBrowser({
  users: Object.values(SUPPLIERS).map((s) => ({ email: s.email, role: 'supplier', organisation: s.organisation })),
});

/** A bearer token from the command line, as a deployment would issue it. */
function token(email) {
  const r = spawnSync(BINARY, ['tokens', 'issue', '--email', email], {
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

async function api(method, path, tok, body) {
  const res = await fetch(`${env.server.baseURL}${path}`, {
    method,
    headers: { Authorization: `Bearer ${tok}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Two published grounds suppliers and a published two-lot tender around Preston. */
async function seed() {
  for (const s of Object.values(SUPPLIERS)) {
    await api('POST', '/api/v1/suppliers', token(s.email), {
      name: s.organisation, legal_form: 'worker_coop', postcode: s.postcode, cpv: [s.cpv],
      capability_statement: 'Grounds maintenance for parks and schools.', employees: 8,
      max_contract_value_gbp: 200000, service_radius_km: 40,
    });
  }
  const buyer = token(BUYER.email);
  const t = await api('POST', '/api/v1/tenders', buyer, {
    title: 'Parks 2027',
    deadline: '2099-03-31',
    local_area: { outcodes: ['PR1', 'PR2'] },
    items: [
      { description: 'Mowing of parks', cpv: '77314000', value_gbp: 60000, delivery_postcode: 'PR1 2HE' },
      { description: 'Tree surgery', cpv: '77211400', value_gbp: 30000, delivery_postcode: 'PR2' },
    ],
  });
  await api('PUT', `/api/v1/tenders/${t.id}/lots`, buyer, {
    lots: [{ title: 'Grounds', items: [t.items[0].id] }, { title: 'Trees', items: [t.items[1].id] }],
  });
  await api('POST', `/api/v1/tenders/${t.id}/publish`, buyer, {});
  const published = await api('GET', `/api/v1/tenders/${t.id}`, buyer);
  return { id: t.id, grounds: published.lots[0].id };
}

/** Axe and the 360 px width, with JavaScript on (see the top of the file). */
async function checkPage(page, label) {
  if (!page.js) return;
  await expectNoAxeViolations(page, label);
  await fitsAt360(page, label);
}

/** At 360 px wide the page does not scroll sideways. */
async function fitsAt360(page, label) {
  await page.setViewportSize({ width: 360, height: 740 });
  const cdp = await page.context().newCDPSession(page);
  const measure = async (expression) => (await cdp.send('Runtime.evaluate', { expression, returnByValue: true })).result.value;
  const scroll = await measure('document.documentElement.scrollWidth');
  const client = await measure('document.documentElement.clientWidth');
  await cdp.detach().catch(() => {});
  await page.setViewportSize({ width: 1280, height: 900 });
  assert.ok(scroll <= client, `${label} scrolls sideways at 360 px (${scroll} > ${client})`);
}

describe('opportunities, interest and partners', () => {
  let tender;
  before(async () => {
    tender = await seed();
  });

  for (const mode of RUN_MODES) {
    test(`a supplier marks interest in a lot it matches (${mode.name})`, async () => {
      const s = SUPPLIERS[mode.name];
      const page = await env.page(mode.js);
      try {
        await signIn(page, s.email, PASSWORD);
        await visit(page, '/opportunities');
        await expectHeading(page, 'Opportunities for you');
        const nav = page.getByRole('navigation', { name: 'Main' });
        assert.ok(await nav.getByRole('link', { name: 'Opportunities' }).isVisible(), 'the header links it');
        const card = page.locator('li.opportunity', { has: page.getByRole('heading', { name: 'Grounds' }) });
        await card.waitFor();
        assert.match(await card.textContent(), /Parks 2027/);
        assert.match(await card.textContent(), /within your capacity of £200,000/);
        await checkPage(page, `opportunities (${mode.name})`);

        await card.getByLabel('We would bid as part of a consortium').check();
        await card.getByLabel('Note for the buyer (optional)').fill('Happy to team up.');
        await submit(page, card.getByRole('button', { name: 'Mark interest' }));
        await card.getByText('You are interested in this lot.').waitFor();
        assert.ok(await card.getByRole('button', { name: 'Withdraw interest' }).isVisible());

        // The filters are a GET form.
        await page.getByLabel('Buyer', { exact: true }).fill('Lancaster');
        await submit(page, page.getByRole('button', { name: 'Filter' }));
        assert.match(page.url(), /buyer=Lancaster/);
        await page.getByRole('heading', { name: 'Lots you can bid for (0)' }).waitFor();

        await visit(page, `/lots/${tender.grounds}/partners`);
        await expectHeading(page, 'Partners for');
        await checkPage(page, `partners (${mode.name})`);

        // Alerts: a daily digest instead of an e-mail per tender; the match is listed.
        await visit(page, '/alerts');
        await expectHeading(page, 'Alerts and feeds');
        await page.getByRole('heading', { name: /Lots matched to you/ }).waitFor();
        assert.ok(await page.getByRole('link', { name: 'Lot 1: Grounds' }).isVisible(), 'the matched lot is listed');
        await checkPage(page, `alerts (${mode.name})`);
        await page.getByLabel('A daily digest').check();
        await submit(page, page.getByRole('button', { name: 'Save alert setting' }));
        await page.getByText('Saved: you get one e-mail a day').waitFor();
        assert.ok(await page.getByLabel('A daily digest').isChecked());
        expectNoProblems(page);
      } finally {
        await page.context().close();
      }
    });
  }

  test('the buyer sees who is interested, on the tender page and per lot', async () => {
    for (const mode of RUN_MODES) {
      const page = await env.page(mode.js);
      try {
        await signIn(page, BUYER.email, PASSWORD);
        await visit(page, `/tenders/${tender.id}`);
        await page.getByText(`${RUN_MODES.length} supplier(s) interested`).waitFor();
        await visit(page, `/tenders/${tender.id}/interest`);
        await expectHeading(page, "Suppliers' interest");
        const table = page.getByRole('table', { name: 'Interest in Grounds' });
        await table.waitFor();
        for (const s of RUN_MODES.map((m) => SUPPLIERS[m.name])) {
          assert.ok(await table.getByRole('link', { name: s.organisation }).isVisible(), s.organisation);
        }
        const csv = page.getByRole('link', { name: 'Download the interest as CSV' });
        assert.equal(await csv.getAttribute('href'), `/tenders/${tender.id}/interest.csv`);
        await checkPage(page, `interest (${mode.name})`);
        expectNoProblems(page);
      } finally {
        await page.context().close();
      }
    }
  });
});
