// Browser tests of the font-size control (WCAG 1.4.4 resize text), keyboard use,
// console errors and small-screen reflow, with JavaScript on and off.
// Run: cd tests/browser && node --test     (needs build/mod_bantin.so or BANTIN_URL)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER, startPortal } from './server.mjs';
import { collectErrors, openBrowser } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, 'out');
const ARTICLE = 'article/2024/giup-do-xa-kho-khan';
const UP = 'Tăng cỡ chữ';
const DOWN = 'Giảm cỡ chữ';
const COOKIE = process.env.BANTIN_FONT_COOKIE || 'bantin_fs';
const T = { timeout: 120_000 };

let portal;
before(async () => {
  portal = await startPortal();
  fs.mkdirSync(OUT, { recursive: true });
});
after(async () => {
  if (portal) {
    const problems = portal.problems();
    await portal.stop();
    assert.deepEqual(problems, [], `warnings or errors in the ${SERVER} error log`);
  }
});

// ---------- helpers ----------

async function goto(page, route) {
  const res = await page.goto(portal.url(route), { waitUntil: 'load' });
  assert.ok(res, `no response for ${route}`);
  assert.equal(res.status(), 200, `GET ${portal.url(route)} status`);
  return res;
}

/** Computed font size (px) of the first paragraph of the article text. */
async function fontPx(page) {
  const v = await page.evaluate(() => {
    const p = document.querySelector('.bantin-text p');
    return p ? getComputedStyle(p).fontSize : null;
  });
  assert.ok(v, 'no ".bantin-text p" element on the page');
  return parseFloat(v);
}

/** N of the body class bantin-fs-N (null when missing). */
async function fsStep(page) {
  const cls = await page.evaluate(() => document.body.className);
  const m = /(?:^|\s)bantin-fs-(\d+)(?:\s|$)/.exec(cls);
  return m ? Number(m[1]) : null;
}

const button = (page, name) => page.getByRole('button', { name, exact: true });

async function nextFrame(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
}

/**
 * Activate a font button by `action` (a function doing the click / key press).
 * With JS on the page must NOT reload (bantin.js handles it in place);
 * with JS off the form posts, the server answers 303 and the page reloads.
 */
async function activate(page, js, action) {
  if (js) {
    await page.evaluate(() => { window.__bantinMarker = 1; });
    await action();
    await nextFrame(page);
    const marker = await page.evaluate(() => window.__bantinMarker === 1);
    assert.ok(marker, 'with JavaScript on, the font button reloaded the page instead of being handled by bantin.js');
  } else {
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), action()]);
  }
}

const press = (page, js, name) => activate(page, js, () => button(page, name).click());

/** Press a button until it is disabled or has no effect (at most 10 presses). */
async function pushToEnd(page, js, name) {
  const btn = button(page, name);
  let prev = await fontPx(page);
  for (let i = 0; i < 10; i++) {
    if (await btn.isDisabled()) return { how: 'disabled', presses: i, px: prev };
    await press(page, js, name);
    const now = await fontPx(page);
    if (now === prev) return { how: 'no effect', presses: i + 1, px: now };
    prev = now;
  }
  return { how: 'still changing after 10 presses', presses: 10, px: prev };
}

async function cookieValue(context) {
  const c = (await context.cookies(portal.base)).find((k) => k.name === COOKIE);
  return c ? c.value : null;
}

/** Tab from the top of the page until the "Tăng cỡ chữ" button has focus. */
async function tabToUp(page) {
  await page.evaluate(() => { if (document.activeElement) document.activeElement.blur(); });
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const label = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('aria-label'));
    if (label === UP) return i + 1;
  }
  assert.fail(`"${UP}" button never received focus after 60 Tab presses`);
}

async function otherArticleRoute(page, current) {
  await goto(page, '');
  const hrefs = await page.$$eval('.bantin-list a[href]', (as) => as.map((a) => a.href));
  const curPath = new URL(portal.url(current)).pathname;
  const other = hrefs.map((h) => new URL(h)).find((u) => u.pathname.includes('/article/') && u.pathname !== curPath);
  assert.ok(other, `home page lists no article other than ${current}: ${JSON.stringify(hrefs)}`);
  return other.pathname.slice(portal.prefix.length + 1);
}

// ---------- tests ----------

for (const js of [true, false]) {
  const mode = js ? 'JavaScript on' : 'JavaScript off';
  const tag = js ? 'js' : 'nojs';

  describe(`font size (${mode})`, () => {
    test('up, persists on reload and across articles, down below the original', T, async () => {
      const b = await openBrowser({ javaScriptEnabled: js });
      try {
        const { page, context } = b;
        await goto(page, ARTICLE);
        const s0 = await fontPx(page);
        const step0 = await fsStep(page);
        assert.equal(step0, 3, 'default body class should be bantin-fs-3 (no cookie yet)');
        await page.screenshot({ path: path.join(OUT, `article-default-${tag}.png`), fullPage: true });

        await press(page, js, UP);
        const s1 = await fontPx(page);
        const step1 = await fsStep(page);
        assert.ok(s1 > s0, `"${UP}" should enlarge the text: ${s0}px -> ${s1}px`);
        assert.equal(step1, step0 + 1, 'body class step after one "up"');
        assert.equal(await cookieValue(context), String(step1), `cookie ${COOKIE} after "up"`);

        await page.reload({ waitUntil: 'load' });
        assert.equal(await fontPx(page), s1, 'font size after reload');
        assert.equal(await fsStep(page), step1, 'body class step after reload');

        const other = await otherArticleRoute(page, ARTICLE);
        await goto(page, other);
        assert.equal(await fsStep(page), step1, `body class step on another article (${other})`);
        assert.equal(await fontPx(page), s1, `font size on another article (${other})`);

        await press(page, js, DOWN);
        await press(page, js, DOWN);
        const s2 = await fontPx(page);
        assert.ok(s2 < s0, `two "${DOWN}" after one "${UP}" should be smaller than the original: ${s0}px -> ${s2}px`);
        assert.equal(await fsStep(page), step0 - 1, 'body class step after up, down, down');
        assert.equal(await cookieValue(context), String(step0 - 1), `cookie ${COOKIE} after up, down, down`);
      } finally {
        await b.close();
      }
    });

    test('clamped at both ends; largest step >= 2x smallest (WCAG 1.4.4)', T, async () => {
      const b = await openBrowser({ javaScriptEnabled: js });
      try {
        const { page } = b;
        await goto(page, ARTICLE);

        const low = await pushToEnd(page, js, DOWN);
        assert.ok(low.how !== 'still changing after 10 presses', `"${DOWN}" never stops: ${JSON.stringify(low)}`);
        const minPx = await fontPx(page);
        assert.equal(await fsStep(page), 1, 'smallest step is bantin-fs-1');
        if (!(await button(page, DOWN).isDisabled())) {
          await press(page, js, DOWN);
          assert.equal(await fontPx(page), minPx, 'size must stay clamped at the smallest step');
        }

        const high = await pushToEnd(page, js, UP);
        assert.ok(high.how !== 'still changing after 10 presses', `"${UP}" never stops: ${JSON.stringify(high)}`);
        const maxPx = await fontPx(page);
        const maxStep = await fsStep(page);
        assert.ok(maxStep >= 2, `largest step ${maxStep}`);
        if (!(await button(page, UP).isDisabled())) {
          await press(page, js, UP);
          assert.equal(await fontPx(page), maxPx, 'size must stay clamped at the largest step');
        }
        await page.screenshot({ path: path.join(OUT, `article-largest-${tag}.png`), fullPage: true });

        assert.ok(maxPx >= 2 * minPx - 0.01,
          `largest text size (${maxPx}px) must be at least twice the smallest (${minPx}px)`);

        // Contract: the server renders the end states with the disabled attribute.
        await page.reload({ waitUntil: 'load' });
        assert.equal(await fsStep(page), maxStep, 'largest step persists on reload');
        assert.ok(await button(page, UP).isDisabled(), `at the largest step "${UP}" should be disabled (server-rendered)`);
        assert.ok(!(await button(page, DOWN).isDisabled()), `at the largest step "${DOWN}" should be enabled`);
      } finally {
        await b.close();
      }
    });

    test('keyboard only: Tab to the up button, Enter and Space enlarge the text', T, async () => {
      const b = await openBrowser({ javaScriptEnabled: js });
      try {
        const { page } = b;
        await goto(page, ARTICLE);
        const s0 = await fontPx(page);

        await tabToUp(page);
        await activate(page, js, () => page.keyboard.press('Enter'));
        const s1 = await fontPx(page);
        assert.ok(s1 > s0, `Enter on "${UP}": ${s0}px -> ${s1}px`);

        const focused = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute('aria-label'));
        if (focused !== UP) await tabToUp(page);
        await activate(page, js, () => page.keyboard.press(' '));
        const s2 = await fontPx(page);
        assert.ok(s2 > s1, `Space on "${UP}": ${s1}px -> ${s2}px`);
      } finally {
        await b.close();
      }
    });

    test('no console errors on home and article pages', T, async () => {
      const b = await openBrowser({ javaScriptEnabled: js });
      try {
        const { page } = b;
        const errors = collectErrors(page);
        await goto(page, '');
        await goto(page, ARTICLE);
        await press(page, js, UP);
        await press(page, js, DOWN);
        if (js) await nextFrame(page);
        assert.deepEqual(errors, [], `console errors:\n${errors.join('\n')}`);
      } finally {
        await b.close();
      }
    });

    test('no horizontal scrolling at 360px width', T, async () => {
      const b = await openBrowser({ javaScriptEnabled: js, viewport: { width: 360, height: 780 } });
      try {
        const { page } = b;
        const widths = {};
        await goto(page, '');
        widths.home = await page.evaluate(() => document.documentElement.scrollWidth);
        await goto(page, ARTICLE);
        widths.article = await page.evaluate(() => document.documentElement.scrollWidth);
        await pushToEnd(page, js, UP);
        widths.articleLargest = await page.evaluate(() => document.documentElement.scrollWidth);
        await page.screenshot({ path: path.join(OUT, `article-360-largest-${tag}.png`), fullPage: true });
        for (const [k, w] of Object.entries(widths)) {
          assert.ok(w <= 360, `${k}: document scrollWidth ${w}px > 360px (horizontal scroll); all: ${JSON.stringify(widths)}`);
        }
      } finally {
        await b.close();
      }
    });
  });
}
