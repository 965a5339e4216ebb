// An agent's day in the console, in Debian's headless Chromium: sign in, take a ticket
// from the queue (by keyboard), ask the customer and see the emailed answer bring the
// ticket back, ask a partner whose emailed answer resumes it, answer with a canned reply
// picked by keyboard and a file, resolve, close, log a
// phone call, and set working hours with a lunch break. Run by the integration test
// `console::agent_walk_in_chromium`, which checks the mail afterwards. The customer's and
// partner's answers go in over real SMTP.
//
// Input (environment): BASE, AGENT, PASSWORD, KEY, SUBJECT, CUSTOMER, PARTNER, SUPPORT,
// SMTP_PORT, CALLER, SHOTS. Output: one JSON line {"steps": [...], "phone_key": "HD-n"}.
import net from 'node:net';
import { ensure, finish, launch, stepper } from './lib.mjs';

const env = process.env;
const { browser, page, scriptErrors: scripts } = await launch({ width: 1400, height: 1000 });
const { steps, step } = stepper(page, env.SHOTS);
const text = async () => (await page.textContent('body')) || '';
const ticketUrl = (key) => new URL(`/console/tickets/${key}`, env.BASE).href;

// A mail over SMTP, as a mail client would send it.
function sendMail(from, subject, body) {
  const lines = [`From: ${from}`, `To: ${env.SUPPORT}`, `Subject: ${subject}`, `Message-ID: <${Date.now()}.${Math.random()}@walk.test>`,
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''];
  const script = ['EHLO walk.test', `MAIL FROM:<${from}>`, `RCPT TO:<${env.SUPPORT}>`, 'DATA', lines.join('\r\n') + '\r\n.', 'QUIT'];
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(env.SMTP_PORT), '127.0.0.1');
    let buffer = '';
    let i = -1;
    s.on('data', (d) => {
      buffer += d.toString();
      // A reply is complete when its last line has a space after the code.
      const done = buffer.split('\r\n').filter(Boolean).pop();
      if (!done || !/^\d{3} /.test(done)) return;
      if (/^[45]/.test(done)) { reject(new Error(done)); s.destroy(); return; }
      buffer = '';
      if (++i < script.length) s.write(script[i] + '\r\n'); else s.end();
    });
    s.on('end', resolve);
    s.on('error', reject);
  });
}

// Reloads the ticket page until `pattern` shows (mail goes through Postfix and IMAP).
async function waitFor(key, pattern, seconds = 40) {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    await page.goto(ticketUrl(key));
    if (pattern.test(await text())) return;
    ensure(Date.now() < end, `${pattern} never showed on ${key}`);
    await page.waitForTimeout(500);
  }
}

async function press(name) {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name, exact: true }).click()]);
}

const status = async () => (await page.locator('.facts .badge').first().textContent()).trim();
let phoneKey = null;

await step('sign-in-shows-the-queue', async () => {
  await page.goto(new URL('/console', env.BASE).href);
  ensure(new URL(page.url()).pathname === '/console/login', 'signed out, the console asks for sign-in');
  await page.getByLabel('Adresa de e-mail').fill(env.AGENT);
  await page.getByLabel('Parola').fill(env.PASSWORD);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Conectare' }).click()]);
  ensure(new URL(page.url()).pathname === '/console', `landed on ${page.url()}`);
  const row = page.locator('table.queue tbody tr', { hasText: env.KEY });
  ensure(await row.count() === 1, 'the ticket is in the queue');
  ensure(/nealocat/.test(await row.textContent()), 'unassigned');
  ensure(/rămase/.test(await row.locator('.clock').first().textContent()), 'the assignment clock counts down');
});

await step('keyboard-opens-and-takes-the-ticket', async () => {
  await page.keyboard.press('j');
  ensure(await page.locator('table.queue tbody tr.focus').count() === 1, 'j picks a row');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  ensure(page.url().endsWith(`/console/tickets/${env.KEY}`), `opened ${page.url()}`);
  ensure((await text()).includes(env.SUBJECT), 'the ticket page shows the thread');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('t')]);
  ensure(await status() === 'În lucru', `taken: ${await status()}`);
});

await step('ask-the-customer', async () => {
  await page.getByLabel(/^Mesaj/).fill('Ce client de mail folosiți?');
  await press('Cere informații clientului');
  ensure(await status() === 'În așteptare client', `status ${await status()}`);
  ensure(/pauză/.test(await page.locator('aside .clock').nth(1).textContent()), 'the resolution clock is paused');
  ensure(/îndeplinit/.test(await page.locator('aside .clock').first().textContent()), 'the assignment goal was met');
});

await step('the-customers-emailed-answer-resumes-it', async () => {
  await sendMail(env.CUSTOMER, `Re: [${env.KEY}] ${env.SUBJECT}`, 'Folosim Thunderbird 128.');
  await waitFor(env.KEY, /Folosim Thunderbird 128\./);
  ensure(await status() === 'În lucru', `status ${await status()}`);
});

await step('ask-a-partner', async () => {
  await page.getByLabel(/^Mesaj/).fill('Vedeți întârzieri pe relay?');
  await page.getByLabel('Partener (adresa de e-mail)').fill(env.PARTNER);
  await press('Întreabă partenerul');
  ensure(await status() === 'În așteptare terți', `status ${await status()}`);
});

await step('the-partners-emailed-answer-resumes-it', async () => {
  await sendMail(env.PARTNER, `Re: [${env.KEY}] ${env.SUBJECT}`, 'Da, am repornit relay-ul.');
  await waitFor(env.KEY, /Da, am repornit relay-ul\./);
  ensure(await status() === 'În lucru', `status ${await status()}`);
  ensure(await page.locator('.msg.k-partner').count() === 1, 'the partner answer is marked as such');
});

await step('a-canned-reply-by-keyboard-with-a-file', async () => {
  await page.goto(ticketUrl(env.KEY));
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('c');
  ensure(await page.evaluate(() => document.activeElement && document.activeElement.id) === 'canned', 'c picks the canned replies');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const typed = await page.getByLabel(/^Mesaj/).inputValue();
  ensure(typed.includes(`Am verificat solicitarea ${env.KEY}`), `the canned reply is in the box, filled in: ${typed}`);
  await page.setInputFiles('#files', { name: 'jurnal-relay.txt', mimeType: 'text/plain', buffer: Buffer.from('relay ok\n') });
  ensure((await page.locator('output.chosen').textContent()).includes('jurnal-relay.txt'), 'the chosen file is named');
  await press('Răspunde clientului');
  const reply = page.locator('.msg', { hasText: `Am verificat solicitarea ${env.KEY}` });
  ensure(await reply.count() === 1, 'the reply is on the ticket');
  ensure((await reply.textContent()).includes('jurnal-relay.txt'), 'with its file');
});

await step('internal-note-looks-different', async () => {
  await page.getByLabel(/^Mesaj/).fill('Relay vechi la client.');
  await press('Notă internă');
  ensure(await page.locator('.msg.internal', { hasText: 'Relay vechi la client.' }).count() === 1, 'the note is marked internal');
});

await step('resolve-and-close', async () => {
  await page.getByLabel(/^Mesaj/).fill('Relay-ul a fost repornit; livrarea e normală.');
  await press('Rezolvă');
  ensure(await status() === 'Rezolvat', `status ${await status()}`);
  await press('Închide');
  ensure(await status() === 'Închis', `status ${await status()}`);
  ensure(await page.getByRole('button', { name: 'Rezolvă' }).count() === 0, 'a closed ticket offers no more actions');
});

await step('phone-intake', async () => {
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: 'Apel telefonic' }).click()]);
  await page.getByLabel('Adresa de e-mail').fill(env.CALLER);
  await page.getByLabel('Nume', { exact: true }).fill('Maria Ionescu');
  await page.getByLabel('Telefon', { exact: true }).fill('0722 123 456');
  await page.getByLabel('Subiect').fill('Imprimanta din hol');
  await page.getByLabel('Descriere').fill('Sună de la recepție: imprimanta nu scoate nimic.');
  await page.getByLabel('Prioritate').selectOption('high');
  await press('Înregistrează apelul');
  const m = page.url().match(/\/console\/tickets\/([A-Z]+-\d+)/);
  ensure(m, `landed on the new ticket: ${page.url()}`);
  phoneKey = m[1];
  ensure(/telefon/.test(await text()) && /ridicată/.test(await text()), 'channel phone, priority high');
});

await step('queue-refreshes-its-rows', async () => {
  await page.goto(new URL('/console', env.BASE).href);
  const url = await page.locator('table.queue').getAttribute('data-refresh');
  const r = await page.request.get(new URL(url, env.BASE).href);
  ensure(r.status() === 200 && (await r.text()).includes(phoneKey), 'the rows endpoint lists the new ticket');
  ensure(!(await text()).includes(`>${env.KEY}<`), 'the closed ticket left the queue');
});

await step('working-hours-with-a-lunch-break', async () => {
  await page.goto(new URL('/console/agents', env.BASE).href);
  const monday = page.locator('form.sla-form #mon');
  await monday.fill('09:00-13:00, 14:00-18:00');
  ensure(await monday.evaluate((el) => el.checkValidity()), 'the form takes a day of two windows');
  await monday.fill('9 to 5');
  ensure(!(await monday.evaluate((el) => el.checkValidity())), 'and refuses what is not a window');
  await monday.fill('09:00-13:00, 14:00-18:00');
  await Promise.all([page.waitForNavigation(), page.locator('form.sla-form button[type=submit]').click()]);
  await page.goto(new URL('/console/agents', env.BASE).href);
  ensure((await page.locator('form.sla-form #mon').inputValue()) === '09:00-13:00, 14:00-18:00', 'the two windows were kept');
});

await step('no-script-errors', async () => {
  ensure(scripts.length === 0, scripts.join('; '));
});

await finish(browser, steps, { phone_key: phoneKey });
