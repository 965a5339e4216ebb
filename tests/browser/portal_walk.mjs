// The customer's walk through the portal in Debian's headless Chromium, step by step,
// with a screenshot of each step. Run by the integration test `portal::walk_in_chromium`,
// which gives it the invitation link from the customer's real mailbox and checks the
// database and the mail afterwards.
//
// Input (environment): INVITE, EMAIL, KEY (the customer's request), PASSWORD, SHOTS (a
// directory for screenshots). Output: one JSON line {"steps": [...], "new_key": "HD-n"};
// the exit code is non-zero when a step fails.
import { ensure, finish, launch, stepper } from './lib.mjs';

const { INVITE, EMAIL, KEY, PASSWORD, SHOTS } = process.env;
const { browser, page, scriptErrors: scripts } = await launch({ width: 1100, height: 900 });
const { steps, step } = stepper(page, SHOTS);
const text = async () => (await page.textContent('body')) || '';

// Submits the form that holds `locator` with its own submit button, and waits for the page.
async function submit(locator) {
  await Promise.all([page.waitForNavigation(), locator.locator('xpath=ancestor::form[1]').locator('button[type=submit]').first().click()]);
}

let newKey = null;

await step('invitation-opens-conectare', async () => {
  await page.goto(INVITE);
  ensure(/Conectare/.test(await page.locator('h1').textContent()), 'the heading is Conectare');
  ensure((await page.getByLabel('Nume de utilizator').inputValue()) === EMAIL, 'the username is the email address');
  ensure(await page.getByLabel('Nume de utilizator').getAttribute('readonly') !== null, 'the username cannot be edited');
});

await step('weak-password-refused', async () => {
  await page.getByLabel('Parola', { exact: true }).fill('parolaslaba1');
  await page.getByLabel('Confirmați parola').fill('parolaslaba1');
  await submit(page.getByLabel('Parola', { exact: true }));
  ensure(/minim 2 cifre/.test(await page.getByRole('alert').textContent()), 'the page says two digits are needed');
  ensure(await page.getByLabel('Parola', { exact: true }).count() === 1, 'the password form is shown again');
});

await step('password-set-lands-on-solicitari', async () => {
  await page.getByLabel('Parola', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirmați parola').fill(PASSWORD);
  await submit(page.getByLabel('Parola', { exact: true }));
  ensure(new URL(page.url()).pathname === '/portal/requests', `landed on ${page.url()}`);
  ensure(/Solicitări/.test(await page.locator('h1').textContent()), 'the heading is Solicitări');
  ensure((await text()).includes(KEY), 'the request is listed');
  ensure(/În așteptare departament suport/.test(await text()), 'the status label is shown');
});

await step('keyboard-reaches-the-skip-link-first', async () => {
  await page.keyboard.press('Tab');
  ensure(await page.evaluate(() => document.activeElement && document.activeElement.classList.contains('skip')), 'Tab focuses the skip link');
});

await step('request-view', async () => {
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: KEY }).first().click()]);
  ensure(page.url().endsWith(`/portal/requests/${KEY}`), `the URL names the key: ${page.url()}`);
  ensure(/În așteptare departament suport/.test(await text()), 'the status label is shown');
  ensure(/Ce urmează/.test(await text()), 'what happens next is explained');
});

await step('comment-added', async () => {
  const box = page.getByLabel('Completați această solicitare');
  await box.fill('Comentariu din portal: am repornit de două ori.');
  await submit(box);
  ensure((await text()).includes('Comentariu din portal: am repornit de două ori.'), 'the comment is in the conversation');
  ensure((await page.locator('p.flash[role=status]').textContent()).includes('Comentariul a fost adăugat'), 'the page confirms');
});

await step('attach-by-rasfoire-and-adaugare', async () => {
  ensure(await page.getByText('Răsfoire', { exact: true }).isVisible(), 'the Răsfoire button is visible');
  await page.locator('input[type=file]').setInputFiles({ name: 'factura-ăîș.txt', mimeType: 'text/plain', buffer: Buffer.from('conținut de test') });
  ensure((await page.locator('output.chosen').textContent()).includes('factura-ăîș.txt'), 'the chosen file is named');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Adăugare' }).click()]);
  ensure(await page.getByRole('link', { name: 'factura-ăîș.txt' }).count() === 1, 'the file is listed');
});

await step('attach-by-drag-and-drop', async () => {
  const dt = await page.evaluateHandle(() => {
    const d = new DataTransfer();
    d.items.add(new File(['PNG-ish bytes'], 'captura ecran.png', { type: 'image/png' }));
    return d;
  });
  const zone = page.locator('form.dropzone');
  await zone.dispatchEvent('dragenter', { dataTransfer: dt });
  await zone.dispatchEvent('dragover', { dataTransfer: dt });
  ensure(await zone.evaluate((z) => z.classList.contains('over')), 'the zone shows it takes the drop');
  await zone.dispatchEvent('drop', { dataTransfer: dt });
  ensure((await page.locator('output.chosen').textContent()).includes('captura ecran.png'), 'the dropped file is named');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Adăugare' }).click()]);
  ensure(await page.getByRole('link', { name: 'captura ecran.png' }).count() === 1, 'the dropped file is listed');
});

await step('download-is-an-attachment', async () => {
  const href = await page.getByRole('link', { name: 'factura-ăîș.txt' }).getAttribute('href');
  const r = await page.request.get(new URL(href, page.url()).href);
  ensure(r.status() === 200, `status ${r.status()}`);
  ensure((await r.text()) === 'conținut de test', 'the bytes are the uploaded ones');
  ensure(/^attachment;/.test(r.headers()['content-disposition'] || ''), 'served as an attachment');
  ensure((r.headers()['x-content-type-options'] || '') === 'nosniff', 'nosniff is set');
});

await step('hostile-html-is-inert', async () => {
  const summaries = page.getByText('Mesajul original (formatat)');
  for (let i = 0; i < await summaries.count(); i++) await summaries.nth(i).click();
  await page.waitForTimeout(300);
  ensure((await text()).includes('HOSTILE-MARKER'), 'the hostile mail text is shown');
  ensure(!(await page.evaluate(() => window.__xss)), 'no script of the mail ran');
  ensure(await page.locator('.mail-html script, .mail-html [onerror], .mail-html svg').count() === 0, 'no script, handler or svg in the page');
});

await step('a-colleague-joins-under-participanti', async () => {
  const colleague = `coleg.${Date.now()}@customer.test`;
  await page.getByLabel('Adresa de e-mail a colegului').fill(colleague);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Adaugă participant' }).click()]);
  const list = page.getByRole('region', { name: 'Participanți' });
  ensure((await list.textContent()).includes(colleague), 'the colleague is listed');
  await Promise.all([page.waitForNavigation(), list.getByRole('button', { name: `Elimină ${colleague}` }).click()]);
  ensure(!(await page.getByRole('region', { name: 'Participanți' }).textContent()).includes(colleague), 'and removed again');
});

await step('opt-out', async () => {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Nu doresc să primesc notificări' }).click()]);
  ensure(/Nu mai primiți e-mailuri la schimbarea stadiului/.test(await text()), 'the page says status mail stopped');
  ensure(/cererile de informații ale agentului și rezolvarea/.test(await text()), 'the page says what still arrives');
});

await step('english-is-one-click-away', async () => {
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'English' }).click()]);
  ensure(await page.getByLabel('Add to this request').count() === 1, 'the comment field is in English');
  ensure(/Waiting for support/.test(await text()), 'the status label is in English');
  await page.goto(new URL('/portal/requests', page.url()).href);
  ensure(/Requests/.test(await page.locator('h1').textContent()), 'the choice is remembered on the next page');
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Română' }).click()]);
  ensure(/Solicitări/.test(await page.locator('h1').textContent()), 'back in Romanian');
});

await step('new-request', async () => {
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Solicitare nouă' }).click()]);
  await page.getByLabel('Subiect').fill('Acces VPN');
  await page.getByLabel('Descriere').fill('Nu mă pot conecta la VPN de acasă.');
  await page.locator('input[type=file]').setInputFiles({ name: 'eroare.log', mimeType: 'text/plain', buffer: Buffer.from('timeout') });
  await submit(page.getByLabel('Subiect'));
  const m = page.url().match(/\/portal\/requests\/([A-Z]+-\d+)/);
  ensure(m, `landed on the new request: ${page.url()}`);
  newKey = m[1];
  ensure((await page.locator('p.flash[role=status]').textContent()).includes(newKey), 'the page confirms with the key');
  ensure(await page.getByRole('link', { name: 'eroare.log' }).count() === 1, 'the file came with it');
});

await step('sign-out-and-back-in-to-the-request', async () => {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Deconectare' }).click()]);
  ensure(/V-ați deconectat/.test(await text()), 'the page says so');
  await page.goto(INVITE.replace(/\/portal\/invite\/.*/, `/portal/requests/${KEY}`));
  ensure(new URL(page.url()).pathname === '/portal/login', `a signed-out visitor is sent to Conectare: ${page.url()}`);
  await page.getByLabel('Nume de utilizator').fill(EMAIL);
  await page.getByLabel('Parola', { exact: true }).fill(PASSWORD);
  await submit(page.getByLabel('Parola', { exact: true }));
  ensure(page.url().endsWith(`/portal/requests/${KEY}`), `back on the request: ${page.url()}`);
});

await step('narrow-screen', async () => {
  await page.setViewportSize({ width: 380, height: 800 });
  await page.goto(new URL('/portal/requests', page.url()).href);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  ensure(overflow <= 1, `no sideways scrolling (${overflow}px)`);
});

await step('no-script-errors', async () => {
  ensure(scripts.length === 0, scripts.join('; '));
});

await finish(browser, steps, { new_key: newKey });
