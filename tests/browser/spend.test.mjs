// Spend analysis (issue 9): a buyer uploads a small messy payments file from /spend, the
// mapping step shows the columns found with the first rows, the buyer corrects the payee
// column, sees the job's progress page, then the results with charts and tables, and
// downloads CSV and XLSX. With JavaScript on and off; axe on every page; 360 px wide
// without sideways scrolling. Then /figures renders for a visitor.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BUYER, PASSWORD } from './server.mjs';
import { expectHeading, expectNoAxeViolations, expectNoProblems, MODES, ready, signIn, submit, useServerAndBrowser, visit } from './helpers.mjs';

// A preamble line, "Supplier" holding creditor codes (detection takes it for the payee),
// the names in "Paid To", amounts in every published form, a credit note, a redacted payee
// and the total line.
const MESSY = [
  'Payments over £500 - April 2025',
  '',
  'Supplier,Paid To,Amount,Date,Expense Type',
  'C001,ACME CATERING LTD,"£1,250.00",01/04/2025,Catering',
  'C002,UNKNOWN FIRM LTD,(250.00),02-Apr-25,Repairs',
  'C003,REDACTED PERSONAL DATA,600,2025-04-03,Care',
  'C004,ACME CATERING LTD,"1,000.50",04/04/2025,Catering',
  'Total,,"2,600.50",,',
  '',
].join('\r\n');

const env = useServerAndBrowser({ seed: { suppliers: 40, randomSeed: 9 } });

// Axe and the width check run scripts in the page, which a page with JavaScript off does
// not allow; the server renders the same document either way, so they run with it on.
async function axe(page, label) {
  if (page.js) await expectNoAxeViolations(page, label);
}

async function noSidewaysScroll(page, label) {
  if (!page.js) return;
  await page.setViewportSize({ width: 360, height: 800 });
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(wide <= 0, `${label} scrolls sideways by ${wide}px at 360 px`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

for (const mode of MODES) {
  describe(`spend analysis, ${mode.name}`, () => {
    test('upload, correct the columns, follow the progress, read and download the results', async () => {
      const page = await env.page(mode.js);
      await signIn(page, BUYER.email, PASSWORD);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Spend' }).click();
      await page.waitForURL('**/spend');
      await ready(page);
      await expectHeading(page, 'Where your money goes');
      await axe(page, '/spend');

      const file = join(env.server.dir, `messy-${mode.js ? 'js' : 'nojs'}.csv`);
      writeFileSync(file, MESSY);
      await page.getByLabel('Payments file (CSV or XLSX, as published)').setInputFiles(file);
      await page.getByLabel('Name', { exact: true }).fill(`April ${mode.name}`);
      await page.getByLabel('Your area: outcodes, comma-separated').fill('PR1, PR2');
      await submit(page, page.getByRole('button', { name: 'Upload and check the columns' }));

      // The mapping step: the header found past the preamble, one select per field.
      assert.match(new URL(page.url()).pathname, /^\/spend\/\d+\/columns$/);
      await expectHeading(page, 'Check the columns');
      await page.getByText('Header found on row 3').waitFor();
      const payee = page.getByLabel('Supplier name (required)');
      assert.equal(await payee.inputValue(), '1', 'detection took the creditor codes');
      await axe(page, 'the mapping step');
      await noSidewaysScroll(page, 'the mapping step');

      // Correct the payee column, preview, then analyse.
      await payee.selectOption({ label: 'Column 2: Paid To' });
      await submit(page, page.getByRole('button', { name: 'Preview with these columns' }));
      const preview = page.getByRole('table', { name: 'First rows of the file, read with the columns above' });
      await preview.getByRole('cell', { name: 'ACME CATERING LTD' }).first().waitFor();
      assert.ok((await preview.textContent()).includes('£1,250.00'), 'the amount as read');
      assert.equal(await page.getByLabel('Supplier name (required)').inputValue(), '2', 'the choice is kept');
      await submit(page, page.getByRole('button', { name: 'Analyse with these columns' }));

      // The job's progress page, then the results.
      assert.match(new URL(page.url()).pathname, /^\/jobs\/\d+$/);
      const result = page.getByRole('link', { name: 'See the result' });
      for (let i = 0; i < 20 && !(await result.isVisible()); i += 1) {
        await page.waitForTimeout(500);
        await page.reload();
        await ready(page);
      }
      await Promise.all([page.waitForURL(/\/spend\/\d+$/), result.click()]);
      await ready(page);
      await expectHeading(page, `April ${mode.name}`);
      assert.equal(await page.locator('main svg.chart').count() >= 3, true, 'charts are drawn on the server');
      await page.getByRole('table', { name: 'Payees matched to no registered supplier, largest first' })
        .getByText('ACME CATERING LTD').waitFor();
      assert.ok((await page.locator('main').textContent()).includes('£2,600.50'), 'the total of every accepted row');
      await axe(page, 'the results');
      await noSidewaysScroll(page, 'the results');

      const [csv] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'CSV' }).last().click(),
      ]);
      const text = readFileSync(await csv.path(), 'utf8');
      assert.ok(text.startsWith('payee,key,amount_gbp'), text);
      assert.ok(text.includes('ACME CATERING LTD'), text);
      const [xlsx] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'XLSX (Excel)' }).last().click(),
      ]);
      assert.match(xlsx.suggestedFilename(), /^spend-\d+-unmatched\.xlsx$/);
      assert.equal(readFileSync(await xlsx.path()).subarray(0, 2).toString(), 'PK', 'a workbook');
      expectNoProblems(page);
      await page.context().close();
    });
  });
}

describe('registry figures', () => {
  test('/figures renders for a visitor, with charts, tables and downloads', async () => {
    const page = await env.page(true);
    await visit(page, '/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Figures' }).click();
    await page.waitForURL('**/figures');
    await ready(page);
    await expectHeading(page, 'The registry in figures');
    await page.getByText(/\d+ suppliers buyers can see/).waitFor();
    assert.ok(await page.locator('main svg.chart').count() >= 5);
    await page.getByRole('table', { name: 'Suppliers by legal form' }).waitFor();
    await expectNoAxeViolations(page, '/figures');
    await noSidewaysScroll(page, '/figures');
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download suppliers by legal form (CSV)' }).click(),
    ]);
    assert.ok(readFileSync(await csv.path(), 'utf8').startsWith('key,label,suppliers,share'));
    expectNoProblems(page);
    await page.context().close();
  });
});
