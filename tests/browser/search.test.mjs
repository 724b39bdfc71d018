// Journey 5: a buyer searches the registry (issue 3) on 300 seeded suppliers: words with
// typos, highlights and reasons, stable URLs, paging, filters that update the results as
// they change (JavaScript on) or through the Search button (off), facet links and their
// counts, CPV browsing, "no results" with wider searches, validation errors, a CSV export
// of the results, and axe on every state.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { BUYER } from './server.mjs';
import { countDocumentLoads, expectHeading, expectNoAxeViolations, expectNoProblems, MODES, ready, settled, signIn, useServerAndBrowser, visit } from './helpers.mjs';

const SEED = { suppliers: 300, randomSeed: 5 };

const env = useServerAndBrowser({ seed: SEED });

/** The "N suppliers found" figure. */
async function shownTotal(page) {
  const text = await page.locator('main .result-count').innerText();
  const m = text.match(/^(\d+) suppliers? found$/);
  assert.ok(m, `the result count reads "N suppliers found", not "${text}"`);
  return Number(m[1]);
}

/** The names of the results on this page, in order. */
const resultNames = (page) => page.locator('main ol.results li.result h3').allInnerTexts();

/** The figure in a facet or widening link text such as "Micro (29)" or "…: 39 suppliers". */
function figureIn(text) {
  const m = text.match(/\((\d+)\)$/) ?? text.match(/: (\d+) suppliers?$/);
  assert.ok(m, `a count in link text "${text}"`);
  return Number(m[1]);
}

const refine = (page) => page.getByRole('complementary', { name: 'Refine' });

/**
 * Does `act` (a click, a choice) and waits for the search it leads to: a client-side
 * navigation and its data with JavaScript on, a page load with it off.
 */
async function searchBy(page, act, urlTest) {
  await Promise.all([page.waitForURL(urlTest), act()]);
  await ready(page);
}

/** The filters fold away behind "Filters" (results first on a phone): opens them. */
async function openFilters(page) {
  const details = page.locator('main details.filters');
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  await page.getByLabel('Size').waitFor({ state: 'visible' });
}

for (const mode of MODES) {
  describe(`supplier search, ${mode.name}`, () => {
    let page;
    before(async () => {
      page = await env.page(mode.js);
      await signIn(page, BUYER.email, BUYER.password);
    });
    after(async () => {
      const tag = mode.js ? 'js' : 'nojs';
      if (page) await page.screenshot({ path: `/tmp/anchorlink-search-${tag}.png`, fullPage: true }).catch(() => {});
      await page?.context().close();
    });

    test('words with typos find suppliers, with <mark> highlights and reasons', async () => {
      // The typo is read as the word meant, and that word's thesaurus line counts too
      // ("mowing" | "grass cutting" | "lawn mowing" …): highlights are the word or those.
      for (const [typo, sameThing] of [
        ['mowng', /^(mow|grass|lawn|verge|strim|cut)/i],
        ['cleening', /^(clean|sanitis)/i],
      ]) {
        await visit(page, `/suppliers?q=${typo}`);
        await expectHeading(page, 'Find suppliers');
        assert.equal(await page.getByLabel('Words').inputValue(), typo, 'the form shows the words searched for');
        const total = await shownTotal(page);
        assert.ok(total >= 5, `"${typo}" finds suppliers despite the typo (found ${total})`);
        const first = page.locator('main ol.results li.result').first();
        const marks = await first.locator('mark').allInnerTexts();
        assert.ok(marks.length > 0, `the first result for "${typo}" highlights the matched words`);
        for (const m of marks) assert.match(m, sameThing, `"${m}" is highlighted for "${typo}"`);
        const reasons = await first.locator('.reasons').innerText();
        assert.match(reasons, /^Matched: .*(capability statement|keywords|name|CPV)/, 'the result says why it matched');
        // Every result on the page explains itself.
        assert.equal(
          await page.locator('main ol.results li.result .reasons').count(),
          await page.locator('main ol.results li.result').count(),
          'every result has a "Matched:" line',
        );
      }
      expectNoProblems(page);
    });

    test('a search has a stable URL: reloading it gives the same results', async () => {
      await visit(page, '/suppliers?q=grounds+maintenance&sort=relevance');
      const total = await shownTotal(page);
      const names = await resultNames(page);
      assert.ok(names.length > 0);
      await page.reload();
      await ready(page);
      assert.equal(await shownTotal(page), total, 'the same total after a reload');
      assert.deepEqual(await resultNames(page), names, 'the same results in the same order after a reload');
      // A fresh context (another tab of the same buyer) on the same URL sees the same.
      const other = await env.page(mode.js);
      try {
        await signIn(other, BUYER.email, BUYER.password);
        await visit(other, '/suppliers?q=grounds+maintenance&sort=relevance');
        assert.deepEqual(await resultNames(other), names, 'the URL alone gives the same results');
      } finally {
        await other.context().close();
      }
    });

    test('paging: next and previous page links', async () => {
      await visit(page, '/suppliers?q=cleening');
      const total = await shownTotal(page);
      const pager = page.getByRole('navigation', { name: 'Pages' });
      const perPage = await page.locator('main ol.results li.result').count();
      const pages = Math.ceil(total / perPage);
      assert.ok(pages >= 2, `"cleening" needs several pages (${total} results, ${perPage} a page)`);
      assert.match(await pager.innerText(), new RegExp(`Page 1 of ${pages}`));
      assert.equal(await pager.getByRole('link', { name: 'Previous page' }).count(), 0, 'no previous page on page 1');
      const page1 = await resultNames(page);

      await searchBy(page, () => pager.getByRole('link', { name: 'Next page' }).click(), /[?&]page=2/);
      assert.match(await pager.innerText(), new RegExp(`Page 2 of ${pages}`));
      assert.equal(await shownTotal(page), total, 'the total does not change from page to page');
      assert.equal(await page.getByLabel('Words').inputValue(), 'cleening', 'the words are kept');
      const page2 = await resultNames(page);
      assert.ok(page2.length > 0);
      assert.deepEqual(page2.filter((n) => page1.includes(n)), [], 'page 2 shows other suppliers than page 1');
      // Page 2 is a stable URL too.
      const url2 = page.url();
      await visit(page, url2);
      assert.deepEqual(await resultNames(page), page2);

      await searchBy(page, () => pager.getByRole('link', { name: 'Previous page' }).click(), (u) => !u.search.includes('page=2'));
      assert.deepEqual(await resultNames(page), page1, 'back on page 1');
      expectNoProblems(page);
    });

    test(mode.js ? 'changing a filter applies it at once, and Back shows the controls of the URL it is on'
                 : 'a filter applied with the Search button (plain GET) narrows the results', async () => {
      await visit(page, '/suppliers?q=mowng');
      const expected = figureIn(await refine(page).getByRole('link', { name: /^Micro \(\d+\)$/ }).innerText());
      const before = await shownTotal(page);
      assert.ok(expected > 0 && expected < before, `the Micro facet (${expected}) narrows ${before}`);
      const loads = countDocumentLoads(page);
      if (mode.js) {
        await openFilters(page);
        // Only the select changes: no button is pressed (the SubmitOnChange island posts the GET).
        await searchBy(page, () => page.getByLabel('Size').selectOption('micro'), /[?&]size=micro/);
        assert.equal(await shownTotal(page), expected, 'the results follow the Size filter');
        assert.equal(loads.loads, 1, 'the change alone loaded the results page');
        await openFilters(page);
        await searchBy(page, () => page.getByLabel('Verified only').check(), /[?&]verified=true/);
        assert.match(page.url(), /size=micro/, 'the earlier filter is kept');
        assert.equal(await page.getByLabel('Words').inputValue(), 'mowng');
        // Back undoes a filter, and the form shows the filters of the URL it is on (not the
        // control as it was changed just before leaving).
        await searchBy(page, () => page.goBack(), (u) => !u.search.includes('verified'));
        assert.equal(await shownTotal(page), expected);
        await openFilters(page);
        assert.equal(await page.getByLabel('Verified only').isChecked(), false, 'after Back the checkbox matches the URL');
        await searchBy(page, () => page.goBack(), (u) => !u.search.includes('size'));
        assert.equal(await shownTotal(page), before);
        await openFilters(page);
        assert.equal(await page.getByLabel('Size').inputValue(), '', 'after Back the Size select matches the URL');
      } else {
        await openFilters(page);
        await page.getByLabel('Size').selectOption('micro');
        await page.waitForTimeout(300);
        assert.equal(loads.loads, 0, 'without JavaScript a change alone does nothing');
        await searchBy(page, () => page.getByRole('button', { name: 'Search' }).click(), /[?&]size=micro/);
        assert.equal(loads.loads, 1, 'the Search button loads the results page');
        assert.equal(await shownTotal(page), expected, 'the same count as the facet promised');
        assert.equal(await page.getByLabel('Size').inputValue(), 'micro');
        assert.equal(await page.getByLabel('Words').inputValue(), 'mowng');
        // The URL the form made is stable.
        const names = await resultNames(page);
        await visit(page, page.url());
        assert.deepEqual(await resultNames(page), names);
      }
      expectNoProblems(page);
    });

    test('on a phone the result count and the first result come before the filters', async () => {
      await page.setViewportSize({ width: 360, height: 740 });
      try {
        await visit(page, '/suppliers?q=cleaning');
        const count = await page.locator('main .result-count').boundingBox();
        assert.ok(count && count.y + count.height <= 740, `the count is on the first screen (at ${count?.y})`);
        const first = await page.locator('main .results > li').first().boundingBox();
        assert.ok(first && first.y < 740, `the first result starts on the first screen (at ${first?.y})`);
        assert.equal(await page.getByLabel('Size').isVisible(), false, 'the filters are folded away');
        await openFilters(page);
        assert.equal(await page.getByLabel('Size').isVisible(), true, '"Filters" opens them, with or without JavaScript');
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
    });

    test('facet links narrow the results to the count they show', async () => {
      await visit(page, '/suppliers?q=cleening');
      const total = await shownTotal(page);
      for (const [param, name] of [['legal_form', /^Sole trader \(\d+\)$/], ['size', /^Small \(\d+\)$/], ['social_economy', /^Social economy \(\d+\)$/]]) {
        await visit(page, '/suppliers?q=cleening');
        const link = refine(page).getByRole('link', { name });
        const promised = figureIn(await link.innerText());
        assert.ok(promised > 0 && promised < total, `${name} promises a narrower set (${promised} of ${total})`);
        await searchBy(page, () => link.click(), new RegExp(`[?&]${param}=`));
        assert.equal(await shownTotal(page), promised, `after ${name} the total equals the facet's count`);
        assert.match(page.url(), /q=cleening/, 'the words are kept');
        assert.equal(new URL(page.url()).searchParams.get('page'), null, 'a facet starts again at page 1');
      }
      // The form reflects a facet chosen from the aside.
      assert.equal(await page.getByLabel('Social economy only').isChecked(), true);
      expectNoProblems(page);
    });

    test('CPV browsing: a division facet narrows, a child narrows further, "All capabilities" returns', async () => {
      await visit(page, '/suppliers');
      const all = await shownTotal(page);
      const division = refine(page).getByRole('link', { name: /^Agricultural, forestry, horticultural.*\(\d+\)$/ });
      const promised = figureIn(await division.innerText());
      await searchBy(page, () => division.click(), /[?&]cpv=77000000/);
      assert.equal(await shownTotal(page), promised, 'the CPV division facet count is the total');
      assert.equal(await page.getByLabel('CPV code').inputValue(), '77000000', 'the CPV field shows the code browsed to');
      // The children of 77 with their counts; a child narrows (or keeps) the set.
      const child = refine(page).getByRole('link', { name: /^Forestry services \(\d+\)$/ });
      const childCount = figureIn(await child.innerText());
      assert.ok(childCount > 0 && childCount <= promised);
      await searchBy(page, () => child.click(), /[?&]cpv=77200000/);
      assert.equal(await shownTotal(page), childCount, 'the child CPV facet count is the total');
      // Browsing by CPV alone has no words, so a reason line is optional; when present it names the CPV.
      for (const reasons of await page.locator('main ol.results li.result .reasons').allInnerTexts()) {
        assert.match(reasons, /CPV/);
      }
      await searchBy(page, () => refine(page).getByRole('link', { name: 'All capabilities' }).click(), (u) => !u.search.includes('cpv='));
      assert.equal(await shownTotal(page), all, '"All capabilities" lifts the CPV filter');
      assert.equal(await page.getByLabel('CPV code').inputValue(), '', 'and empties the CPV field');
      expectNoProblems(page);
    });

    test('no results: says so and offers a wider search that finds suppliers', async () => {
      // No seeded supplier is verified, so "verified only" empties any set.
      await visit(page, '/suppliers?q=mowng&verified=true');
      assert.equal(await shownTotal(page), 0);
      const notice = page.locator('main .notice');
      assert.match(await notice.innerText(), /No supplier matches every filter/);
      const wider = notice.getByRole('link', { name: /^Without “verified only”: \d+ suppliers?$/ });
      const promised = figureIn(await wider.innerText());
      assert.ok(promised > 0);
      await searchBy(page, () => wider.click(), (u) => !u.search.includes('verified'));
      assert.equal(await shownTotal(page), promised, 'the wider search finds what it promised');
      assert.equal(await page.locator('main .notice').count(), 0, 'and the notice is gone');

      // A tight radius around Preston and a narrow CPV code: several filters together empty
      // the set, a wider search is still offered.
      await visit(page, '/suppliers?q=mowing&cpv=77310000&near=PR1&within_km=2');
      assert.equal(await shownTotal(page), 0);
      assert.match(await page.locator('main .notice').innerText(), /No supplier matches every filter/);
      const way = page.locator('main .notice a').first();
      const emptyURL = page.url();
      await searchBy(page, () => way.click(), (u) => u.href !== emptyURL);
      assert.ok((await shownTotal(page)) > 0, `the offered way out (${page.url()}) finds suppliers`);
      expectNoProblems(page);
    });

    test('near a postcode within a radius, sorted by distance', async () => {
      await visit(page, '/suppliers?q=grounds+maintenance&near=PR1&within_km=100&sort=distance');
      const total = await shownTotal(page);
      assert.ok(total > 0, 'grounds maintenance suppliers within 100 km of PR1');
      const distances = (await page.locator('main ol.results li.result .muted').allInnerTexts())
        .map((t) => Number(t.match(/ (\d+(?:\.\d+)?) km away/)?.[1]));
      assert.ok(distances.every((d) => Number.isFinite(d) && d <= 100), `every result says how far away it is, within 100 km: ${distances}`);
      assert.deepEqual(distances, [...distances].sort((a, b) => a - b), 'nearest first');
      assert.equal(await page.getByLabel('Sort by').inputValue(), 'distance');
      assert.equal(await page.getByLabel('Within (km)').inputValue(), '100');
    });

    test('a bad filter value shows the error beside its field', async () => {
      await visit(page, '/suppliers?q=mowng&near=NOT+A+POSTCODE');
      const summary = page.locator('main .error-summary');
      await summary.waitFor();
      assert.match(await summary.innerText(), /There is a problem/);
      const field = page.locator('main .field', { has: page.getByLabel('Near postcode') });
      assert.match(await field.locator('.error-message').innerText(), /postcode/i, 'the error is next to Near postcode');
      assert.equal(await page.getByLabel('Near postcode').inputValue(), 'NOT A POSTCODE', 'what was typed is kept');
      assert.equal(await page.getByLabel('Words').inputValue(), 'mowng');
    });

    test('"Export CSV" downloads every result of the search', async () => {
      await visit(page, '/suppliers?q=mowng&size=micro');
      const total = await shownTotal(page);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: `Export CSV of all ${total} results` }).click(),
      ]);
      assert.match(download.suggestedFilename(), /^suppliers-\d{4}-\d{2}-\d{2}\.csv$/);
      const lines = readFileSync(await download.path(), 'utf8').trim().split(/\r?\n/);
      assert.equal(lines[0], 'id,name,legal_form,size,postcode,town,distance_km,cpv,website,email,verified,social_economy,profile_url');
      assert.equal(lines.length - 1, total, 'a row per result, every page');
      const first = (await resultNames(page))[0];
      assert.ok(lines.some((l) => l.includes(first) && l.includes(',micro,')), `${first} is in the CSV as micro`);
    });

    if (mode.js) {
      test('axe: results, no results, a validation error', async () => {
        await visit(page, '/suppliers?q=grounds+maintenance&near=PR1&within_km=100&sort=distance');
        await page.locator('main ol.results li.result').first().waitFor();
        await expectNoAxeViolations(page, 'search with results');
        // An open "Add to shortlist" and "Save this search".
        await page.locator('main ol.results li.result').first().locator('summary').click();
        await page.locator('.search-actions summary').click();
        await expectNoAxeViolations(page, 'search with open add-to-shortlist and save-search controls');
        await visit(page, '/suppliers?q=mowng&verified=true');
        await expectNoAxeViolations(page, 'search with no results');
        await visit(page, '/suppliers?q=mowing&cpv=77310000&near=PR1&within_km=2');
        await expectNoAxeViolations(page, 'search with no results and no single widening');
        await visit(page, '/suppliers?near=NOT+A+POSTCODE&within_km=lots');
        await page.locator('main .error-summary').waitFor();
        await expectNoAxeViolations(page, 'search with validation errors');
        expectNoProblems(page);
      });
    }
  });
}
