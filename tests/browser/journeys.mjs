// Multi-step journeys shared by the test files. Each step asserts what the user should see,
// so a journey used as set-up still fails loudly where the product misbehaves.

import assert from 'node:assert/strict';
import { linkFrom, PASSWORD } from './server.mjs';
import { expectHeading, ready, signIn, visit } from './helpers.mjs';

/** Fills in and submits the sign-up form; lands on "Check your e-mail". */
export async function signUp(page, { organisation, email, legalForm = 'worker_coop', password = PASSWORD }) {
  await visit(page, '/signup');
  await expectHeading(page, 'Register your organisation');
  await page.getByLabel('Organisation name').fill(organisation);
  await page.getByLabel('What kind of organisation is it?').selectOption(legalForm);
  await page.getByLabel('Your e-mail address').fill(email);
  await page.getByLabel('Choose a password').fill(password);
  await Promise.all([
    page.waitForURL('**/signup/check-email'),
    page.getByRole('button', { name: 'Create account' }).click(),
  ]);
  await ready(page);
  await expectHeading(page, 'Check your e-mail');
}

/** Opens the mailed verification link and confirms; lands on the sign-in page. */
export async function confirmEmail(page, server, email) {
  const mail = await server.waitForMail(email, '/verify-email?token=');
  const link = linkFrom(mail.body, '/verify-email?token=');
  assert.ok(link.startsWith(server.baseURL), `the link ${link} points at this server`);
  await visit(page, link);
  await expectHeading(page, 'Confirm your e-mail address');
  await Promise.all([
    page.waitForURL('**/login'),
    page.getByRole('button', { name: 'Confirm my e-mail address' }).click(),
  ]);
  await ready(page);
  await expectHeading(page, 'Sign in');
}

/** Sign up, confirm, sign in: a new supplier on its profile overview. */
export async function newSupplier(page, server, { organisation, email, password = PASSWORD }) {
  await signUp(page, { organisation, email, password });
  await confirmEmail(page, server, email);
  await signIn(page, email, password);
  await page.waitForURL('**/profile');
  await expectHeading(page, organisation);
  assert.match(await page.locator('main').innerText(), /draft/i, 'a new profile starts as a draft');
}

/** Submits a profile step's form and waits for the next step's page. */
export async function saveStep(page, nextPath) {
  await Promise.all([
    page.waitForURL(`**${nextPath}`),
    page.getByRole('button', { name: 'Save and continue' }).click(),
  ]);
  await ready(page);
}

/** The place step: address and postcode PR1 2HE. */
export async function fillPlace(page) {
  await visit(page, '/profile/place');
  await expectHeading(page, 'Place and service area');
  await page.getByLabel('Address line 1').fill('14 Fishergate');
  await page.getByLabel('Town or city').fill('Preston');
  await page.getByLabel('Postcode', { exact: true }).fill('PR1 2HE');
  await page.getByLabel('How far from your postcode do you work? (km)').fill('25');
  await page.getByLabel('Named areas you serve (optional)').fill('PR1, PR2');
  await saveStep(page, '/profile/size');
}

/** The size step: 12 staff, £450k turnover, which makes the supplier "small". */
export async function fillSize(page) {
  await expectHeading(page, 'Size');
  await page.getByLabel('Number of employees').fill('12');
  await page.getByLabel('Annual turnover (£)').fill('450000');
  await saveStep(page, '/profile/social-value');
}

/**
 * The capabilities step. With JavaScript the live results appear while typing (the CpvSearch
 * island) and "Add" is pressed without ever submitting the search form; without it the
 * search form is submitted and "Add" is pressed on the server-rendered result. "Add" posts
 * to the profile either way.
 */
export async function addCapability(page, { query = 'grounds maintenance' } = {}) {
  await visit(page, '/profile/capabilities');
  await expectHeading(page, 'Capabilities');
  const search = page.getByLabel('Find a capability by words or code');
  const results = page.getByTestId('cpv-results');
  const urlBefore = page.url();
  if (page.js) {
    let searchSubmitted = false;
    page.on('request', (r) => {
      if (r.isNavigationRequest() && r.url().includes('cpv_q=')) searchSubmitted = true;
    });
    await search.pressSequentially(query, { delay: 10 });
    const add = results.getByRole('button', { name: /^Add .*grounds maintenance/i }).first();
    await add.waitFor();
    assert.equal(page.url(), urlBefore, 'the live results came without leaving the page');
    await Promise.all([page.waitForURL('**/profile/capabilities**'), add.click()]);
    await ready(page);
    assert.equal(searchSubmitted, false, 'the search form was never submitted');
  } else {
    await search.fill(query);
    await Promise.all([page.waitForURL(/cpv_q=/), page.getByRole('button', { name: 'Search', exact: true }).click()]);
    await ready(page);
    assert.equal(await search.inputValue(), query, 'the search box keeps the words searched for');
    const add = results.getByRole('button', { name: /^Add .*grounds maintenance/i }).first();
    await Promise.all([page.waitForURL('**/profile/capabilities**'), add.click()]);
    await ready(page);
  }
  // The chosen code is now in the supplier's list (above the search box).
  const chosen = page.locator('main ul.items').first().locator('li', { hasText: /grounds maintenance/i });
  await chosen.first().waitFor();
  const text = await chosen.first().innerText();
  assert.match(text, /77314000/, `the added capability is CPV 77314000 (got "${text}")`);
}

export const STATEMENT =
  'We are a worker co-operative that looks after parks, verges and school grounds across Preston and South Ribble.';

/** Capability statement and keywords, then on to the capacity step. */
export async function fillStatement(page) {
  await page.getByLabel('Capability statement').fill(STATEMENT);
  await page.getByLabel('Keywords').fill('grounds maintenance, tree surgery, hedge cutting');
  await saveStep(page, '/profile/capacity');
}

/** The review step: publishes the profile and returns the public profile's path. */
export async function publish(page) {
  await visit(page, '/profile/review');
  await expectHeading(page, 'Review, publish and team');
  const summary = await page.locator('dl.summary').innerText();
  assert.match(summary, /PR1 2HE/, 'the review shows the postcode');
  assert.match(summary, /small/i, 'the review shows the derived size class');
  assert.match(summary, /grounds maintenance/i, 'the review shows the capability');
  await page.getByRole('button', { name: 'Publish profile' }).click();
  const link = page.getByRole('link', { name: 'See your public profile' });
  await link.waitFor();
  await page.getByRole('button', { name: 'Withdraw profile' }).waitFor();
  if (!page.js) await ready(page);
  const href = await link.getAttribute('href');
  assert.match(href, /^\/suppliers\/\d+$/);
  return href;
}
