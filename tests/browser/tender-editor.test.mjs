// The buyer's tender editor (issue 8): a buyer drafts a tender, adds several lines (with
// JavaScript, through the CPV finder's "Use for line"; without it, forms only, "Add a row"
// posting back), uploads a CSV of lines, sees market depth, and follows a depth number to
// the supplier search listing that many suppliers. axe on each page; at 360 px wide no
// page scrolls sideways.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BUYER, PASSWORD } from './server.mjs';
import { expectHeading, expectNoAxeViolations, expectNoProblems, MODES, ready, settled, signIn, submit, useServerAndBrowser, visit } from './helpers.mjs';

const CSV = 'Description,CPV code,Value (£),Qty,Unit,Delivery postcode\n'
  + 'Grass cutting,77314000,40000,12,months,PR1\n'
  + 'Tree surgery,77211400,15000,,,PR2 6AA\n'
  + 'Cleaning of park toilets,90911200,9000,52,weeks,\n';

const env = useServerAndBrowser({ seed: { suppliers: 300, randomSeed: 8 } });

/** At 360 px wide the page does not scroll sideways (tables scroll inside their region).
 * Measured by the browser's layout (DevTools protocol), so it works with JavaScript off. */
async function expectNarrowFits(page, label) {
  await page.setViewportSize({ width: 360, height: 740 });
  const cdp = await page.context().newCDPSession(page);
  try {
    const { cssContentSize } = await cdp.send('Page.getLayoutMetrics');
    let offenders = '';
    if (cssContentSize.width > 360 && page.js) {
      offenders = await page.evaluate(() => [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > 362)
        .slice(-8)
        .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)
        .join('; '));
    }
    assert.ok(cssContentSize.width <= 360, `${label} is ${cssContentSize.width} px wide at 360 px: ${offenders}`);
  } finally {
    await cdp.detach().catch(() => {});
    await page.setViewportSize({ width: 1280, height: 900 });
  }
}

/** axe needs scripts in the page, so it runs with JavaScript on; the markup it checks is
 * the same server-rendered HTML the JavaScript-off run gets. */
async function axe(page, label) {
  if (page.js) await expectNoAxeViolations(page, label);
}

/** The lines table's cell `field` of row `row` (0-based). */
const cell = (page, row, field) => page.locator(`#line-${row}-${field.replace('_', '-')}`);

for (const mode of MODES) {
  describe(`the tender editor, ${mode.name}`, () => {
    const tag = mode.js ? 'js' : 'nojs';
    const title = `Parks and open spaces (${tag})`;
    let page;
    let editPath;

    before(async () => {
      page = await env.page(mode.js);
      await signIn(page, BUYER.email, PASSWORD);
    });
    after(async () => {
      if (page) await page.screenshot({ path: `/tmp/anchorlink-tender-editor-${tag}.png`, fullPage: true }).catch(() => {});
      await page?.context().close();
    });

    test('drafts a tender from /tenders/new and lands in its editor', { timeout: 45_000 }, async () => {
      await visit(page, '/tenders');
      await Promise.all([page.waitForURL(/\/tenders\/new$/), page.getByRole('link', { name: 'New tender' }).click()]);
      await ready(page);
      await expectHeading(page, 'New tender');
      await axe(page, '/tenders/new');
      await expectNarrowFits(page, '/tenders/new');
      await page.getByLabel('Title').fill(title);
      await page.getByLabel('Estimated total value (£, optional)').fill('90k');
      await page.getByLabel('Postcode districts').fill('PR1, PR2, PR3');
      await Promise.all([
        page.waitForURL(/\/tenders\/\d+\/edit$/),
        page.getByRole('button', { name: 'Save draft and add lines' }).click(),
      ]);
      await ready(page);
      editPath = new URL(page.url()).pathname;
      await expectHeading(page, `Edit draft: ${title}`);
      await page.getByText('Draft saved. Now add its requirement lines.').waitFor();
      expectNoProblems(page);
    });

    test('adds several lines in the table and saves them together', { timeout: 45_000 }, async () => {
      await cell(page, 0, 'description').fill('Grounds maintenance of parks');
      if (mode.js) {
        // The CPV finder fills the line being edited.
        await cell(page, 0, 'cpv').focus();
        await page.getByLabel('Find a CPV code by words or code').fill('grounds maintenance');
        const use = page.getByRole('button', { name: /^Use for line 1/ }).first();
        await use.click();
        assert.match(await cell(page, 0, 'cpv').inputValue(), /^\d{8}$/, 'the code is in line 1');
        await page.getByRole('button', { name: 'Add a row' }).click();
        await cell(page, 1, 'description').waitFor();
        await page.waitForFunction(() => document.activeElement?.id === 'line-1-description');
      } else {
        await cell(page, 0, 'cpv').fill('77314000');
        // Looking a code up keeps the unsaved edits: the search box posts the lines form.
        await page.getByLabel('Find a CPV code by words or code').fill('tree surgery');
        await submit(page, page.getByRole('button', { name: 'Search', exact: true }));
        await page.getByTestId('cpv-results').getByText('77211400-6').waitFor();
        assert.equal(await cell(page, 0, 'description').inputValue(), 'Grounds maintenance of parks', 'kept while searching');
        assert.equal(await cell(page, 0, 'cpv').inputValue(), '77314000', 'kept while searching');
        await submit(page, page.getByRole('button', { name: 'Add a row' }));
        assert.equal(await cell(page, 0, 'description').inputValue(), 'Grounds maintenance of parks', 'kept as typed');
      }
      await cell(page, 0, 'value_gbp').fill('60000');
      await cell(page, 1, 'description').fill('Cleaning of park toilets');
      if (mode.js) {
        await cell(page, 1, 'cpv').focus();
        await page.getByLabel('Find a CPV code by words or code').fill('cleaning');
        await page.getByRole('button', { name: /^Use for line 2/ }).first().click();
      } else {
        await cell(page, 1, 'cpv').fill('90911200');
      }
      await cell(page, 1, 'value_gbp').fill('twenty');
      await submit(page, page.getByRole('button', { name: 'Save lines' }));
      // A bad value: nothing saved, the row and field named, the input kept.
      await page.getByText('There is a problem with the lines').waitFor();
      await page.getByRole('link', { name: /^Line 2: / }).waitFor();
      assert.equal(await cell(page, 1, 'value_gbp').inputValue(), 'twenty');
      await cell(page, 1, 'value_gbp').fill('20000');
      await submit(page, page.getByRole('button', { name: 'Save lines' }));
      await page.getByText('Lines saved.').waitFor();
      assert.equal(await cell(page, 1, 'description').inputValue(), 'Cleaning of park toilets');
      await axe(page, 'the editor');
      expectNoProblems(page);
    });

    test('uploads a CSV of lines, which replaces the table', { timeout: 45_000 }, async () => {
      await page.getByLabel('CSV file of lines').setInputFiles({ name: 'lines.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
      await submit(page, page.getByRole('button', { name: 'Upload and replace the lines' }));
      await page.getByText('3 lines uploaded').waitFor();
      assert.equal(await cell(page, 2, 'description').inputValue(), 'Cleaning of park toilets');
      assert.equal(await cell(page, 1, 'cpv').inputValue(), '77211400');
      await expectNarrowFits(page, 'the editor');
      expectNoProblems(page);
    });

    test('an editor opened with a CPV search shows its matches, usable for a line', { timeout: 45_000 }, async () => {
      await visit(page, `${editPath}?cpv_q=${encodeURIComponent('tree surgery')}`);
      const results = page.getByTestId('cpv-results');
      await results.getByText('77211400-6').filter({ visible: true }).waitFor();
      if (mode.js) {
        // The server's first list cannot fill a line; the browser's, which replaces it, can.
        await results.locator('li', { hasText: '77211400-6' }).getByRole('button', { name: /^Use for line 1\b.*Tree-cutting/ }).click();
        assert.equal(await cell(page, 0, 'cpv').inputValue(), '77211400', 'the code is in line 1');
      } else {
        assert.equal(await results.getByRole('button').count(), 0, 'without JavaScript the codes are typed');
      }
      expectNoProblems(page);
    });

    test('market depth links each number to the suppliers it counts', { timeout: 45_000 }, async () => {
      const depth = page.locator('table.depth');
      await depth.waitFor();
      assert.match(await depth.locator('caption').innerText(), /Each number lists those suppliers/);
      const link = depth.locator('tr.total a[data-kind="capable"]');
      const count = Number(await link.getAttribute('data-count'));
      assert.ok(count > 0, 'the seeded registry has capable suppliers');
      await Promise.all([page.waitForURL(/\/suppliers\?tender=\d+&kind=capable$/), link.click()]);
      await ready(page);
      if (page.js) await settled(page);
      await page.getByText(`of “${title}”`).first().waitFor();
      assert.equal(
        (await page.locator('main .result-count').innerText()).trim(),
        `${count} supplier${count === 1 ? '' : 's'} found`,
      );
      await axe(page, 'a depth list');
      await expectNarrowFits(page, 'a depth list');
      await visit(page, editPath.replace(/\/edit$/, ''));
      await page.locator('table.depth').waitFor();
      await axe(page, 'the notice');
      await expectNarrowFits(page, 'the notice');
      expectNoProblems(page);
    });
  });
}
