// Journey 1: a supplier registers, builds and publishes its profile; a buyer finds it.
// Run once with JavaScript on (the islands live) and once with it off (plain HTML only).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BUYER } from './server.mjs';
import { countDocumentLoads, expectHeading, expectNoProblems, MODES, ready, signIn, signOut, submit, useServerAndBrowser, visit } from './helpers.mjs';
import * as j from './journeys.mjs';

const env = useServerAndBrowser();

for (const mode of MODES) {
  describe(`supplier journey, ${mode.name}`, () => {
    const tag = mode.js ? 'js' : 'nojs';
    const organisation = `Ribble Grounds Co-operative (${tag})`;
    const email = `hello-${tag}@ribble-grounds.example`;
    let page;
    let profilePath;

    before(async () => {
      page = await env.page(mode.js);
    });
    after(async () => {
      if (page) await page.screenshot({ path: `/tmp/anchorlink-journey-${tag}.png`, fullPage: true }).catch(() => {});
      await page?.context().close();
    });

    test('signs up, confirms the e-mail address and signs in', async () => {
      await j.newSupplier(page, env.server, { organisation, email });
    });

    test('gives the website as people write it, without https://', async () => {
      await visit(page, '/profile/identity');
      await page.getByLabel('Website').fill('Ribble-Grounds.example');
      await j.saveStep(page, '/profile/place');
      await visit(page, '/profile/identity');
      assert.equal(await page.getByLabel('Website').inputValue(), 'https://ribble-grounds.example');
    });

    test('fills in place and size; the size class is derived', async () => {
      await j.fillPlace(page);
      await j.fillSize(page);
      await visit(page, '/profile/size');
      assert.match(await page.locator('main').innerText(), /Size class \(worked out for you\): small/);
      assert.equal(await page.getByLabel('Number of employees').inputValue(), '12', 'the saved value is shown again');
    });

    test(`adds a CPV code (${mode.js ? 'live results, no form submission' : 'search form, server-rendered results'}) and a statement`, async () => {
      await j.addCapability(page);
      await j.fillStatement(page);
      await visit(page, '/profile/capabilities');
      assert.equal(await page.getByLabel('Capability statement').inputValue(), j.STATEMENT);
    });

    test(`"What do you do?" suggests codes to accept or reject (${mode.js ? 'as they type' : 'by submitting the description'})`, async () => {
      await visit(page, '/profile/capabilities');
      const box = page.getByLabel('Describe your work in your own words');
      const suggestions = page.getByTestId('cpv-suggestions');
      const description = 'we prune and fell trees and grind stumps for councils';
      const listed = async () => (await suggestions.locator('li:visible code').allInnerTexts());
      const loads = countDocumentLoads(page);
      if (mode.js) {
        await box.pressSequentially(description, { delay: 10 });
        await suggestions.locator('li:visible').first().waitFor();
        assert.equal(loads.loads, 0, 'the suggestions came without leaving the page');
        // The address carries the description, as the form would, for "Accept" to come back to.
        await page.waitForURL((u) => u.searchParams.get('describe') === description);
      } else {
        await box.fill(description);
        await Promise.all([page.waitForURL(/describe=/), page.getByRole('button', { name: 'Suggest codes' }).click()]);
        await ready(page);
        assert.equal(await box.inputValue(), description, 'the description is kept');
      }
      const items = suggestions.locator('li:visible');
      assert.match((await items.allInnerTexts()).join('\n'), /tree/i, 'tree work is among the suggestions');
      const before = await listed();
      assert.ok(before.length >= 2, `at least two suggestions (got ${before})`);
      // Reject the first: it goes, the rest stay.
      const first = items.first();
      if (mode.js) {
        await first.getByRole('button', { name: /^Reject/ }).click();
        await page.waitForFunction((code) => ![...document.querySelectorAll('[data-testid="cpv-suggestions"] li')]
          .filter((li) => li.offsetParent !== null).some((li) => li.querySelector('code')?.textContent === code), before[0]);
        assert.equal(loads.loads, 0, 'rejecting did not leave the page');
      } else {
        await Promise.all([page.waitForURL(/rejected=/), first.getByRole('button', { name: /^Reject/ }).click()]);
        await ready(page);
      }
      const after = await listed();
      assert.ok(!after.includes(before[0]), `${before[0]} was rejected (left: ${after})`);
      assert.ok(after.includes(before[1]), `${before[1]} is still suggested`);
      // Accept the next: the code joins the profile's capabilities.
      const accepted = before[1];
      await submit(page, items.filter({ hasText: accepted }).getByRole('button', { name: /^Accept/ }));
      const chosen = page.locator('main ul.items').first();
      assert.match(await chosen.innerText(), new RegExp(accepted.slice(0, 8)), `${accepted} is now one of the profile's codes`);
      // Back on the page with the description and the other suggestions, to accept more.
      assert.equal(await box.inputValue(), description, 'the description is kept after Accept');
      const left = await listed();
      assert.ok(!left.includes(before[0]) && !left.includes(accepted), `neither the rejected nor the accepted code is suggested (left: ${left})`);
      for (const code of before.slice(2)) assert.ok(left.includes(code), `${code} is still suggested (left: ${left})`);
      expectNoProblems(page);
    });

    test('publishes the profile and signs out', async () => {
      profilePath = await j.publish(page);
      await visit(page, '/profile');
      assert.match(await page.locator('main').innerText(), /Your profile is published/);
      expectNoProblems(page);
      await signOut(page);
      await visit(page, '/profile');
      assert.match(await page.locator('main').innerText(), /Sign in with a supplier account/);
    });

    test('a buyer finds the supplier near PR1 and opens its public profile', async () => {
      await signIn(page, BUYER.email, BUYER.password);
      // Buyers land on the search page.
      await expectHeading(page, 'Find suppliers');
      const summaries = await page.locator('main .error-summary').allInnerTexts();
      assert.deepEqual(summaries, [], "the buyer's landing page (/suppliers, no query) shows no error");
      await page.getByRole('link', { name: 'Find suppliers' }).waitFor();

      await visit(page, '/suppliers?q=grounds&near=PR1');
      await expectHeading(page, 'Find suppliers');
      assert.equal(await page.getByLabel('Words').inputValue(), 'grounds', 'the search form shows the query');
      assert.equal(await page.getByLabel('Near postcode').inputValue(), 'PR1');
      const hit = page.locator('ol.results li.result', { hasText: organisation });
      await hit.waitFor();
      const hitText = await hit.innerText();
      assert.match(hitText, /Worker co-operative/);
      assert.match(hitText, /small/);
      assert.match(hitText, /PR1 2HE/);
      assert.match(hitText, /km away/);

      await Promise.all([page.waitForURL(`**${profilePath}`), hit.getByRole('link', { name: organisation }).click()]);
      await ready(page);
      await expectHeading(page, organisation);
      const main = await page.locator('main').innerText();
      assert.match(main, /77314000-4 Grounds maintenance services/);
      assert.ok(main.includes(j.STATEMENT), 'the public profile shows the capability statement');
      assert.match(main, /Preston PR1 2HE/);
      assert.doesNotMatch(main, /Draft/);
      expectNoProblems(page);
    });

    test('the public profile is reachable by its address without signing in', async () => {
      const anon = await env.page(mode.js);
      try {
        await visit(anon, profilePath);
        await expectHeading(anon, organisation);
        expectNoProblems(anon);
      } finally {
        await anon.context().close();
      }
    });
  });
}
