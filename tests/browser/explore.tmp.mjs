import { startServer, linkFrom, PASSWORD } from './server.mjs';
import { launch, newPage, visit, ready, signIn } from './helpers.mjs';
const s = await startServer();
const browser = await launch();
try {
  for (const js of [true, false]) {
    const page = await newPage(browser, s.baseURL, js);
    page.on('response', r => { if (r.status() >= 400) console.log('HTTP', r.status(), r.url()); });
    const email = `sup-${js}@coop.example`;
    await visit(page, '/signup');
    await page.getByLabel('Organisation name').fill('Ribble Valley Grounds Co-operative ' + js);
    await page.getByLabel('What kind of organisation is it?').selectOption('worker_coop');
    await page.getByLabel('Your e-mail address').fill(email);
    await page.getByLabel('Choose a password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(u => u.pathname !== '/signup');
    const mail = await s.waitForMail(email, '/verify-email?token=');
    await visit(page, linkFrom(mail.body, '/verify-email?token='));
    await page.getByRole('button', { name: 'Confirm my e-mail address' }).click();
    await page.waitForURL(u => u.pathname !== '/verify-email');
    await signIn(page, email, PASSWORD);
    console.log(js, 'after signin', page.url(), await page.locator('main').innerText());
    await visit(page, '/profile/place');
    await page.getByLabel('Postcode', { exact: true }).fill('ZZ9 9ZZ');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.waitForTimeout(1500);
    await ready(page);
    console.log(js, 'after bad postcode', page.url(), await page.locator('main').innerText(), await page.getByLabel('Postcode', { exact: true }).inputValue());
    await page.screenshot({ path: `/tmp/place-${js}.png`, fullPage: true });
    await page.getByLabel('Address line 1').fill('1 Fishergate');
    await page.getByLabel('Town or city').fill('Preston');
    await page.getByLabel('Postcode', { exact: true }).fill('PR1 2HE');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.waitForTimeout(1500);
    await ready(page);
    console.log(js, 'after good postcode', page.url(), await page.locator('main').innerText());
    console.log(page.problems);
  }
} finally { await browser.close(); await s.stop(); }
