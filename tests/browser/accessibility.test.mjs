// Journey 4: axe (WCAG 2.0/2.1 A and AA, WCAG 2.2 AA) on every page the journeys visit,
// in the states users see them: empty forms, forms with errors, results, the admin console.

import { after, before, describe, test } from 'node:test';
import { linkFrom, ADMIN, BUYER, PASSWORD } from './server.mjs';
import { expectNoAxeViolations, expectNoProblems, ready, signIn, signOut, useServerAndBrowser, visit } from './helpers.mjs';
import * as j from './journeys.mjs';

const env = useServerAndBrowser();

describe('accessibility (axe, WCAG 2.2 AA), JavaScript on', () => {
  const email = 'axe@a11y-coop.example';
  let page;
  let profilePath;
  before(async () => {
    page = await env.page(true);
  });
  after(async () => {
    await page?.context().close();
  });

  test('signed-out pages', async () => {
    for (const [path, label] of [
      ['/', 'home'],
      ['/signup', 'sign-up'],
      ['/login', 'sign-in'],
      ['/forgot-password', 'forgotten password'],
      ['/buyers/request-access', 'buyer access request'],
      ['/no-such-page', 'not found'],
    ]) {
      await visit(page, path);
      await expectNoAxeViolations(page, label);
    }
    await page.screenshot({ path: '/tmp/anchorlink-home.png', fullPage: true });
  });

  test('sign-up with errors, check e-mail, confirm, reset password', async () => {
    await visit(page, '/signup');
    // Passes the browser's own checks (required, type=email) but not the server's.
    await page.getByLabel('Organisation name').fill('Too Short Password Ltd');
    await page.getByLabel('Your e-mail address').fill('short@a11y-coop.example');
    await page.getByLabel('Choose a password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('main .error-summary').waitFor();
    await expectNoAxeViolations(page, 'sign-up with errors');

    await j.signUp(page, { organisation: 'Axe Grounds Co-operative', email });
    await expectNoAxeViolations(page, 'check your e-mail');
    const mail = await env.server.waitForMail(email, '/verify-email?token=');
    await visit(page, linkFrom(mail.body, '/verify-email?token='));
    await expectNoAxeViolations(page, 'confirm e-mail');
    await Promise.all([page.waitForURL('**/login'), page.getByRole('button', { name: 'Confirm my e-mail address' }).click()]);
    await ready(page);

    await visit(page, '/reset-password?token=nonsense');
    await expectNoAxeViolations(page, 'choose a new password');
  });

  test('every profile step, with and without errors', async () => {
    await signIn(page, email, PASSWORD);
    await expectNoAxeViolations(page, 'profile overview');
    for (const step of ['identity', 'place', 'size', 'social-value', 'capabilities', 'capacity', 'review']) {
      await visit(page, `/profile/${step}`);
      await expectNoAxeViolations(page, `profile step ${step}`);
    }
    await visit(page, '/profile/place');
    await page.getByLabel('Postcode', { exact: true }).fill('ZZ9 9ZZ');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.locator('main .error-summary').waitFor();
    await expectNoAxeViolations(page, 'place step with an error');

    await j.fillPlace(page);
    await j.fillSize(page);
    await visit(page, '/profile/capabilities');
    await page.getByLabel('Find a capability by words or code').pressSequentially('grounds maintenance', { delay: 10 });
    await page.getByTestId('cpv-results').getByRole('button', { name: /^Add/ }).first().waitFor();
    await expectNoAxeViolations(page, 'capabilities with live results');
    await page.screenshot({ path: '/tmp/anchorlink-capabilities.png', fullPage: true });
    await j.addCapability(page);
    await j.fillStatement(page);
    profilePath = await j.publish(page);
    await expectNoAxeViolations(page, 'review after publishing');
    await visit(page, profilePath);
    await expectNoAxeViolations(page, 'public profile');
    await signOut(page);
  });

  test('search as a buyer', async () => {
    await signIn(page, BUYER.email, BUYER.password);
    await visit(page, '/suppliers?q=grounds&near=PR1');
    await page.locator('ol.results li.result').first().waitFor();
    await expectNoAxeViolations(page, 'search results');
    await page.screenshot({ path: '/tmp/anchorlink-search.png', fullPage: true });
    await visit(page, '/suppliers?near=NOT A POSTCODE');
    await expectNoAxeViolations(page, 'search with a bad postcode');
    await signOut(page);
  });

  test('the admin console as an admin', async () => {
    await signIn(page, ADMIN.email, ADMIN.password);
    await visit(page, '/admin');
    await page.getByRole('heading', { name: 'Platform administration' }).waitFor();
    await page.getByRole('heading', { name: 'Suppliers' }).waitFor();
    await expectNoAxeViolations(page, 'admin');
    await page.screenshot({ path: '/tmp/anchorlink-admin.png', fullPage: true });
    expectNoProblems(page);
  });
});
