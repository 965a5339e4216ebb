// What the browser walks share: Debian's Chromium launched headless with the network
// quiet, steps that record their outcome and leave a screenshot, and the report line.
import { chromium } from 'playwright-core';

export async function launch(viewport) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport });
  const scriptErrors = [];
  page.on('pageerror', (e) => scriptErrors.push(e.message));
  return { browser, page, scriptErrors };
}

export function ensure(ok, what) {
  if (!ok) throw new Error(what);
}

// Runs named steps in order; each failure is recorded and the walk goes on.
export function stepper(page, shots) {
  const steps = [];
  let n = 0;
  const step = async (name, body) => {
    try {
      await body();
      steps.push({ name, ok: true });
    } catch (e) {
      steps.push({ name, ok: false, error: String(e.message || e).slice(0, 400) });
    }
    await page.screenshot({ path: `${shots}/${String(++n).padStart(2, '0')}-${name}.png`, fullPage: true }).catch(() => {});
  };
  return { steps, step };
}

// Prints the one-line report and exits non-zero when a step failed.
export async function finish(browser, steps, extra) {
  await browser.close();
  console.log(JSON.stringify({ steps, ...extra }));
  process.exit(steps.every((s) => s.ok) ? 0 : 1);
}
