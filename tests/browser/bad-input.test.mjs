// Journey 2: bad input on a profile step. The error summary and the error beside the field
// appear, and what the user typed is still there — with JavaScript on and off.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { expectNoProblems, MODES, ready, useServerAndBrowser, visit } from './helpers.mjs';
import * as j from './journeys.mjs';

const env = useServerAndBrowser();

for (const mode of MODES) {
  describe(`unknown postcode on /profile/place, ${mode.name}`, () => {
    const tag = mode.js ? 'js' : 'nojs';
    let page;
    before(async () => {
      page = await env.page(mode.js);
      await j.newSupplier(page, env.server, { organisation: `Bad Postcode Bakers (${tag})`, email: `bakers-${tag}@bad-input.example` });
    });
    after(async () => {
      if (page) await page.screenshot({ path: `/tmp/anchorlink-bad-postcode-${tag}.png`, fullPage: true }).catch(() => {});
      await page?.context().close();
    });

    test('shows the error summary and the field error, and keeps the input', async () => {
      await visit(page, '/profile/place');
      await page.getByLabel('Town or city').fill('Nowhere');
      const postcode = page.getByLabel('Postcode', { exact: true });
      await postcode.fill('ZZ9 9ZZ');
      const saved = page.waitForResponse((r) => r.url().includes('/api/save-profile') && r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Save and continue' }).click();
      const res = await saved;
      // The step's form is a plain HTML form, with JavaScript on as off (it is not an
      // island): the server redirects back to it with the errors.
      assert.ok([302, 303].includes(res.status()), `the plain form post redirects back (got ${res.status()})`);

      const summary = page.locator('main .error-summary');
      await summary.waitFor();
      await ready(page);
      assert.equal(new URL(page.url()).pathname, '/profile/place', 'the user stays on the step');
      assert.match(await summary.locator('h2').innerText(), /There is a problem/);
      const summaryLink = summary.getByRole('link', { name: /ZZ9/ });
      await summaryLink.waitFor();

      // The error beside the field, tied to the input, which is marked invalid.
      const field = page.locator('.field.field-has-error', { has: page.getByLabel('Postcode', { exact: true }) });
      await field.waitFor();
      assert.match(await field.locator('.error-message').innerText(), /ZZ9/);
      assert.equal(await postcode.getAttribute('aria-invalid'), 'true');
      const describedBy = (await postcode.getAttribute('aria-describedby')) ?? '';
      const errorId = await field.locator('.error-message').getAttribute('id');
      assert.ok(describedBy.split(' ').includes(errorId), `the input is described by its error (${describedBy})`);

      // The summary links to the field with the error.
      const href = await summaryLink.getAttribute('href');
      assert.equal(href, `#${await postcode.getAttribute('id')}`, 'the summary links to the postcode input');

      // What the user typed is still there.
      assert.equal(await postcode.inputValue(), 'ZZ9 9ZZ');
      assert.equal(await page.getByLabel('Town or city').inputValue(), 'Nowhere');

      // Nothing was saved.
      await visit(page, '/profile/review');
      assert.doesNotMatch(await page.locator('dl.summary').innerText(), /ZZ9/);
    });

    test('correcting the postcode saves and moves on', async () => {
      await visit(page, '/profile/place');
      await page.getByLabel('Postcode', { exact: true }).fill('PR1 2HE');
      await j.saveStep(page, '/profile/size');
      assert.equal(await page.locator('main .error-summary').count(), 0);
      await visit(page, '/profile/place');
      assert.equal(await page.getByLabel('Postcode', { exact: true }).inputValue(), 'PR1 2HE');
      expectNoProblems(page);
    });
  });
}
