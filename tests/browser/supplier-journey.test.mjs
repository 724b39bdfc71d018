// Journey 1: a supplier registers, builds and publishes its profile; a buyer finds it.
// Run once with JavaScript on (hydrated app) and once with it off (plain HTML forms).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BUYER } from './server.mjs';
import { expectHeading, expectNoProblems, MODES, ready, signIn, signOut, useServerAndBrowser, visit } from './helpers.mjs';
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
      await ready(page, { formSelector: null });
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
        await visit(anon, profilePath, { formSelector: null });
        await expectHeading(anon, organisation);
        expectNoProblems(anon);
      } finally {
        await anon.context().close();
      }
    });
  });
}
