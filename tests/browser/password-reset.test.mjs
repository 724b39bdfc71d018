// Journey 3: a forgotten password. Ask for a reset, follow the mailed link, choose a new
// password, and sign in with it (the old one no longer works).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { linkFrom, PASSWORD } from './server.mjs';
import { expectHeading, expectNoProblems, MODES, ready, signIn, useServerAndBrowser, visit } from './helpers.mjs';
import * as j from './journeys.mjs';

const env = useServerAndBrowser();

for (const mode of MODES) {
  describe(`forgotten password, ${mode.name}`, () => {
    const tag = mode.js ? 'js' : 'nojs';
    const email = `forgetful-${tag}@reset.example`;
    const newPassword = `a brand new passphrase ${tag}`;
    let page;
    before(async () => {
      page = await env.page(mode.js);
      await j.signUp(page, { organisation: `Forgetful Florists (${tag})`, email });
      await j.confirmEmail(page, env.server, email);
    });
    after(async () => {
      await page?.context().close();
    });

    test('asks for a reset link from the sign-in page', async () => {
      await visit(page, '/login');
      await Promise.all([page.waitForURL('**/forgot-password'), page.getByRole('link', { name: 'Forgotten your password?' }).click()]);
      await ready(page);
      await expectHeading(page, 'Reset your password');
      await page.getByLabel('E-mail address').fill(email);
      await Promise.all([page.waitForURL('**/forgot-password/sent'), page.getByRole('button', { name: 'Send me a reset link' }).click()]);
      await ready(page);
      await expectHeading(page, 'Check your e-mail');
    });

    test('follows the mailed link and chooses a new password', async () => {
      const mail = await env.server.waitForMail(email, '/reset-password?token=');
      const link = linkFrom(mail.body, '/reset-password?token=');
      await visit(page, link);
      await expectHeading(page, 'Choose a new password');
      await page.getByLabel('New password').fill(newPassword);
      await Promise.all([page.waitForURL((u) => u.pathname !== '/reset-password'), page.getByRole('button', { name: 'Change password' }).click()]);
      await ready(page);
      assert.equal(new URL(page.url()).pathname, '/login', 'after the change the user is sent to sign in');
    });

    test('the old password is refused and the new one works', async () => {
      await visit(page, '/login');
      await page.getByLabel('E-mail address').fill(email);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const summary = page.locator('main .error-summary');
      await summary.waitFor();
      assert.match(await summary.innerText(), /There is a problem/);
      assert.equal(new URL(page.url()).pathname, '/login');
      await ready(page);
      assert.equal(await page.getByLabel('E-mail address').inputValue(), email, 'the e-mail address is kept');
      assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'the password is never sent back');

      await signIn(page, email, newPassword);
      await page.waitForURL('**/profile');
      await expectHeading(page, `Forgetful Florists (${tag})`);
    });

    test('the reset link works only once', async () => {
      const mail = await env.server.waitForMail(email, '/reset-password?token=');
      const link = linkFrom(mail.body, '/reset-password?token=');
      const other = await env.page(mode.js);
      try {
        await visit(other, link);
        await other.getByLabel('New password').fill('yet another passphrase here');
        await other.getByRole('button', { name: 'Change password' }).click();
        await other.locator('main .error-summary').waitFor();
        assert.equal(new URL(other.url()).pathname, '/reset-password');
      } finally {
        await other.context().close();
      }
      expectNoProblems(page);
    });
  });
}
