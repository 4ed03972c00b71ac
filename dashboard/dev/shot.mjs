// Dev helper: node dashboard/dev/shot.mjs <path> <out.png> [theme] [width] [height] — signs in and screenshots.
import { chromium } from 'playwright-core';
const [path = '/sessions', out = '/tmp/shots/shot.png', theme = 'dark', w = '1440', h = '900'] = process.argv.slice(2);
const base = process.env.BASE ?? 'http://127.0.0.1:4010';
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
const page = await browser.newPage({ viewport: { width: Number(w), height: Number(h) } });
page.on('console', (m) => m.type() === 'error' && console.log('console:', m.text()));
page.on('pageerror', (e) => console.log('pageerror:', e.message));
await page.goto(`${base}/sign-in`);
await page.evaluate((t) => localStorage.setItem('cairn.theme', t), theme);
await page.fill('#admin-key', 'cairn_ak_' + 'y'.repeat(24));
await page.click('button[type=submit]');
await page.waitForURL(/\/sessions/);
await page.goto(base + path);
await page.waitForTimeout(Number(process.env.WAIT ?? 1500));
if (process.env.KEYS)
  for (const k of process.env.KEYS.split(',')) {
    await page.keyboard.press(k);
    await page.waitForTimeout(150);
  }
await page.waitForTimeout(300);
await page.screenshot({ path: out });
console.log('url', page.url());
await browser.close();
