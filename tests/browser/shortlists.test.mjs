// Journey 6: shortlists and saved searches (issue 3). A buyer adds a search result to a new
// shortlist, opens it, shares it, exports it as CSV, saves a search and runs it again; a
// colleague of the same buyer organisation sees the shared shortlist (and not a private
// one); a buyer of another organisation gets "not found". With JavaScript on and off; axe
// on /shortlists and /shortlists/:id.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { BUYER, PASSWORD } from './server.mjs';
import { expectHeading, expectNoAxeViolations, expectNoProblems, MODES, ready, settled, signIn, submit, useServerAndBrowser, visit } from './helpers.mjs';

const COLLEAGUE = { email: 'colleague@council.example', organisation: BUYER.organisation };
const OUTSIDER = { email: 'buyer@county.example', organisation: 'Lancashire County Council' };
const CSV_HEADER = 'id,name,legal_form,size,postcode,town,distance_km,cpv,website,email,verified,social_economy,profile_url';

const env = useServerAndBrowser({
    seed: { suppliers: 300, randomSeed: 5 },
    users: [{ ...COLLEAGUE, role: 'buyer' }, { ...OUTSIDER, role: 'buyer' }],
  });

/** Clicks a download link; resolves to { name, lines }. */
async function download(page, link) {
  const [d] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const text = readFileSync(await d.path(), 'utf8');
  return { name: d.suggestedFilename(), lines: text.trim().split(/\r?\n/) };
}

async function signedIn(email, js) {
  const page = await env.page(js);
  await signIn(page, email, PASSWORD);
  return page;
}

for (const mode of MODES) {
  describe(`shortlists and saved searches, ${mode.name}`, () => {
    const tag = mode.js ? 'js' : 'nojs';
    const listName = `Grounds maintenance 2027 (${tag})`;
    const privateName = `Private notes (${tag})`;
    const searchName = `Micro mowing firms (${tag})`;
    let page;
    let supplier;
    let listPath;
    let privatePath;

    before(async () => {
      page = await signedIn(BUYER.email, mode.js);
    });
    after(async () => {
      if (page) await page.screenshot({ path: `/tmp/anchorlink-shortlists-${tag}.png`, fullPage: true }).catch(() => {});
      await page?.context().close();
    });

    test('adds a search result to a new shortlist and finds it on /shortlists/:id', async () => {
      await visit(page, '/suppliers?q=mowng');
      const result = page.locator('main ol.results li.result').nth(1);
      supplier = await result.locator('h3').innerText();
      await result.locator('summary', { hasText: 'Add to shortlist' }).click();
      await result.getByLabel('Shortlist', { exact: true }).selectOption('new');
      await result.getByLabel('Name for a new shortlist').fill(listName);
      await submit(page, result.getByRole('button', { name: `Add ${supplier} to the shortlist` }));
      const again = page.locator('main ol.results li.result', { has: page.getByRole('heading', { name: supplier }) });
      await again.getByText(`Added to “${listName}”.`).waitFor();
      assert.match(page.url(), /\/suppliers\?q=mowng/, 'the buyer stays on the search results');

      await visit(page, '/shortlists');
      await expectHeading(page, 'Shortlists and saved searches');
      const row = page.locator('table.shortlists tbody tr', { hasText: listName });
      assert.match(await row.innerText(), /\t1\tOnly you\tYou\t/, 'one supplier, private, made by the buyer');
      await Promise.all([page.waitForURL(/\/shortlists\/\d+$/), row.getByRole('link', { name: listName, exact: true }).click()]);
      await ready(page);
      listPath = new URL(page.url()).pathname;
      await expectHeading(page, listName);
      await page.locator('table.shortlist').getByRole('link', { name: supplier }).waitFor();
      assert.match(await page.locator('main').innerText(), /1 supplier · Private to its creator · created by you/);
      expectNoProblems(page);
    });

    test('a second supplier goes onto the existing shortlist from its profile page', async () => {
      await visit(page, '/suppliers?q=cleening');
      const link = page.locator('main ol.results li.result h3 a').first();
      const second = await link.innerText();
      await Promise.all([page.waitForURL(/\/suppliers\/\d+$/), link.click()]);
      await ready(page);
      await expectHeading(page, second);
      await page.locator('summary', { hasText: 'Add to shortlist' }).click();
      const select = page.getByLabel('Shortlist', { exact: true });
      await select.selectOption({ label: listName });
      await submit(page, page.getByRole('button', { name: `Add ${second} to the shortlist` }));
      await page.getByText(`Added to “${listName}”.`).waitFor();
      await visit(page, listPath);
      const names = await page.locator('table.shortlist tbody th').allInnerTexts();
      assert.deepEqual(names.map((n) => n.trim()).sort(), [supplier, second].sort());
      // Leave one supplier, so later checks are simple.
      await submit(page, page.getByRole('button', { name: `Remove ${second} from this shortlist` }));
      await page.getByText('Removed from the shortlist.').waitFor();
      assert.deepEqual((await page.locator('table.shortlist tbody th').allInnerTexts()).map((n) => n.trim()), [supplier]);
    });

    test('shares the shortlist with colleagues; a private one stays private', async () => {
      await visit(page, listPath);
      await submit(page, page.getByRole('button', { name: 'Share with colleagues' }));
      await page.getByRole('button', { name: 'Make private' }).waitFor();
      assert.match(await page.locator('main').innerText(), /Shared with your colleagues/);
      await page.getByText('Shortlist shared with your colleagues.').waitFor();

      // A second, private list through the form on /shortlists; it opens at once.
      await visit(page, '/shortlists');
      await page.getByLabel('Name', { exact: true }).fill(privateName);
      await Promise.all([
        page.waitForURL(/\/shortlists\/\d+$/),
        page.getByRole('button', { name: 'Create shortlist' }).click(),
      ]);
      await ready(page);
      await expectHeading(page, privateName);
      await page.getByText('Shortlist created.').waitFor();
      privatePath = new URL(page.url()).pathname;
      await visit(page, '/shortlists');
      assert.match(await page.locator('table.shortlists tbody tr', { hasText: privateName }).innerText(), /Only you/);
      assert.match(await page.locator('table.shortlists tbody tr', { hasText: listName }).innerText(), /Your colleagues/);
    });

    test('exports the shortlist as CSV', async () => {
      await visit(page, listPath);
      const { name, lines } = await download(page, page.getByRole('link', { name: `Export CSV of ${listName}` }));
      assert.match(name, /^shortlist-grounds-maintenance-2027-.*\d{4}-\d{2}-\d{2}\.csv$/);
      assert.equal(lines[0], CSV_HEADER);
      assert.equal(lines.length, 2, 'the header and the one supplier');
      assert.ok(lines[1].includes(supplier), `the row is ${supplier}: ${lines[1]}`);
      assert.match(lines[1], new RegExp(`,${env.server.baseURL.replace(/[.]/g, '\\.')}/suppliers/\\d+$`), 'the row ends with the profile URL');
      // The same from the /shortlists table.
      await visit(page, '/shortlists');
      const again = await download(page, page.getByRole('link', { name: `Export CSV of ${listName}` }));
      assert.deepEqual(again.lines, lines);
    });

    test('saves a search and runs it again from /shortlists', async () => {
      await visit(page, '/suppliers?q=mowng&size=micro');
      const total = Number((await page.locator('main .result-count').innerText()).match(/^(\d+)/)[1]);
      const names = await page.locator('main ol.results li.result h3').allInnerTexts();
      await page.locator('.search-actions summary', { hasText: 'Save this search' }).click();
      await page.getByLabel('Name for this search').fill(searchName);
      await submit(page, page.getByRole('button', { name: 'Save search' }));
      await page.getByText('Search saved. Find it under Shortlists.').waitFor();

      await visit(page, '/shortlists');
      const saved = page.locator('ul.saved-searches li', { hasText: searchName });
      const exported = await download(page, saved.getByRole('link', { name: `Export CSV of ${searchName}` }));
      assert.equal(exported.lines[0], CSV_HEADER);
      assert.equal(exported.lines.length - 1, total, 'the saved search exports all its results');
      await Promise.all([page.waitForURL(/\/suppliers\?/), saved.getByRole('link', { name: searchName, exact: true }).click()]);
      await ready(page);
      if (page.js) await settled(page);
      const url = new URL(page.url());
      assert.equal(url.searchParams.get('q'), 'mowng');
      assert.equal(url.searchParams.get('size'), 'micro');
      assert.equal(await page.getByLabel('Size').inputValue(), 'micro');
      assert.match(await page.locator('main .result-count').innerText(), new RegExp(`^${total} suppliers? found$`));
      assert.deepEqual(await page.locator('main ol.results li.result h3').allInnerTexts(), names, 'the same results as when saved');
      expectNoProblems(page);
    });

    test('a colleague in the same organisation sees the shared shortlist, not the private one', async () => {
      const colleague = await signedIn(COLLEAGUE.email, mode.js);
      try {
        await visit(colleague, '/shortlists');
        const row = colleague.locator('table.shortlists tbody tr', { hasText: listName });
        await row.waitFor();
        assert.match(await row.innerText(), new RegExp(`Your colleagues\\t${BUYER.email.replace(/[.]/g, '\\.')}`), 'made by the first buyer');
        assert.equal(await colleague.locator('table.shortlists tbody tr', { hasText: privateName }).count(), 0, 'the private list is not listed');
        assert.equal(await colleague.locator('ul.saved-searches li', { hasText: searchName }).count(), 0, 'saved searches are personal');

        await visit(colleague, listPath);
        await expectHeading(colleague, listName);
        await colleague.locator('table.shortlist').getByRole('link', { name: supplier }).waitFor();
        assert.equal(await colleague.getByRole('button', { name: /Make private|Share with colleagues|Delete this shortlist/ }).count(), 0,
          'only its creator may share or delete it');
        const { lines } = await download(colleague, colleague.getByRole('link', { name: `Export CSV of ${listName}` }));
        assert.equal(lines.length, 2);

        await visit(colleague, privatePath);
        await expectHeading(colleague, 'Shortlist not found');
        expectNoProblems(colleague);
      } finally {
        await colleague.context().close();
      }
    });

    test('a buyer of another organisation gets "not found" for the shortlist and its CSV', async () => {
      const outsider = await signedIn(OUTSIDER.email, mode.js);
      try {
        await visit(outsider, '/shortlists');
        assert.equal(await outsider.locator('table.shortlists tbody tr', { hasText: listName }).count(), 0);
        const res = await visit(outsider, listPath);
        assert.equal(res.status(), 404, 'the page answers 404');
        await expectHeading(outsider, 'Shortlist not found');
        const text = await outsider.locator('main').innerText();
        assert.ok(!text.includes(supplier), 'nothing of the list is shown');
        const csv = await outsider.context().request.get(`${listPath}/export.csv`);
        assert.equal(csv.status(), 404, 'the CSV is not found either');
        assert.ok(!(await csv.text()).includes(supplier));
        expectNoProblems(outsider);
      } finally {
        await outsider.context().close();
      }
    });

    if (mode.js) {
      test('axe: /shortlists and /shortlists/:id', async () => {
        await visit(page, '/shortlists');
        await expectNoAxeViolations(page, 'shortlists and saved searches');
        // Blank (but not empty, which the browser itself refuses): the server says why.
        await page.getByLabel('Name', { exact: true }).fill('   ');
        await page.getByRole('button', { name: 'Create shortlist' }).click();
        await page.locator('main .error-summary').waitFor();
        await expectNoAxeViolations(page, 'shortlists with an error in the new-shortlist form');
        await visit(page, listPath);
        await expectNoAxeViolations(page, 'a shortlist with a supplier');
        await visit(page, privatePath);
        await expectNoAxeViolations(page, 'an empty shortlist');
        await visit(page, '/shortlists/999999');
        await expectHeading(page, 'Shortlist not found');
        await expectNoAxeViolations(page, 'a shortlist that is not found');
        expectNoProblems(page);
      });
    }
  });
}
