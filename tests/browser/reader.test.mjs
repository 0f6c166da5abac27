// Browser tests of the readers' portal pages (category menu, breadcrumb,
// toolbar links, print view): keyboard reachability and a visible focus
// ring, the font step announced to screen readers, reflow at 360 px, print
// styles, no console errors; and the screenshots of the README.
// Run: cd tests/browser && node --test reader.test.mjs
//
// Screenshots (viewport only) are written to out/ on every run; with
// BANTIN_UPDATE_SCREENSHOTS=1, or when missing, also to docs/screenshots/
// (the copies the README shows, kept in git).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER, repoRoot, startPortal } from './server.mjs';
import { collectErrors, openBrowser } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.join(here, 'out');
const SHOTS = path.join(repoRoot, 'docs', 'screenshots');
const ARTICLE = 'article/2024/giup-do-xa-kho-khan';
const UP = 'Tăng cỡ chữ';
const DOWN = 'Giảm cỡ chữ';
const T = { timeout: 120_000 };

let portal;
let category; // route of the seed article's category page, from its breadcrumb
before(async () => {
  portal = await startPortal();
  fs.mkdirSync(OUT, { recursive: true });
  const html = await (await fetch(portal.url(ARTICLE))).text();
  const m = /<nav class="bantin-breadcrumb"[\s\S]*?href="[^"]*\/(category\/[a-z0-9-]+)"/.exec(html);
  assert.ok(m, 'the seed article has no category in its breadcrumb');
  category = m[1];
});
after(async () => {
  if (portal) {
    const problems = portal.problems();
    await portal.stop();
    assert.deepEqual(problems, [], `warnings or errors in the ${SERVER} error log`);
  }
});

// ---------- helpers ----------

async function goto(page, route, status = 200) {
  const res = await page.goto(portal.url(route), { waitUntil: 'load' });
  assert.ok(res, `no response for ${route}`);
  assert.equal(res.status(), status, `GET ${portal.url(route)} status`);
  return res;
}

/** What has focus: where it is and how its focus ring looks. */
function describeFocus() {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const opaque = (c) => c && c !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(c);
  // The colours the ring is drawn on: what lies under the middle of each
  // side of the outline (it is drawn outside the box, outline-offset away).
  const out = (parseFloat(cs.outlineOffset) || 0) + (parseFloat(cs.outlineWidth) || 0) / 2;
  const bgs = [];
  for (const [x, y] of [[r.left - out, (r.top + r.bottom) / 2], [r.right + out, (r.top + r.bottom) / 2],
    [(r.left + r.right) / 2, r.top - out], [(r.left + r.right) / 2, r.bottom + out]]) {
    if (x < 0 || y < 0 || x >= window.innerWidth || y >= window.innerHeight) continue;
    let bg = null;
    for (const n of document.elementsFromPoint(x, y)) {
      if (n === el || el.contains(n)) continue;
      const c = getComputedStyle(n).backgroundColor;
      if (opaque(c)) { bg = c; break; }
    }
    bgs.push(bg || getComputedStyle(document.body).backgroundColor);
  }
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.getAttribute('aria-label') || el.textContent || '').trim().replace(/\s+/g, ' '),
    href: el.getAttribute('href'),
    where: el.closest('nav.bantin-menu') ? 'menu'
      : el.closest('#Block_BanTin_Toolbar') ? 'toolbar'
        : el.closest('nav.bantin-breadcrumb') ? 'breadcrumb'
          : el.closest('header') ? 'header'
            : el.closest('main') ? 'main' : 'other',
    focusVisible: el.matches(':focus-visible'),
    outlineStyle: cs.outlineStyle,
    outlineWidth: parseFloat(cs.outlineWidth) || 0,
    outlineColor: cs.outlineColor,
    boxShadow: cs.boxShadow,
    bgs,
    inViewport: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0
      && r.left < window.innerWidth,
  };
}

/** Tab from the top of the page through every focusable element (at most n). */
async function tabThrough(page, n = 80) {
  await page.evaluate(() => { if (document.activeElement) document.activeElement.blur(); });
  const seen = [];
  for (let i = 0; i < n; i++) {
    await page.keyboard.press('Tab');
    const f = await page.evaluate(describeFocus);
    if (!f) break;
    if (seen.length && seen[0].href === f.href && seen[0].text === f.text) break; // wrapped
    seen.push(f);
  }
  return seen;
}

/** WCAG relative luminance and contrast ratio of two rgb()/rgba() colours. */
function rgb(s) {
  const m = /rgba?\(([^)]+)\)/.exec(s);
  return m ? m[1].split(',').slice(0, 3).map(Number) : [0, 0, 0];
}
function luminance([r, g, b]) {
  const f = (c) => { const v = c / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
}
function contrast(a, b) {
  const [hi, lo] = [luminance(rgb(a)), luminance(rgb(b))].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

async function linksIn(page, selector) {
  return page.$$eval(`${selector} a[href]`, (as) => as.map((a) => a.getAttribute('href')));
}

async function scrollWidth(page) {
  return page.evaluate(() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth));
}

async function setStep(context, step) {
  const u = new URL(portal.base);
  await context.addCookies([{ name: 'bantin_fs', value: String(step), domain: u.hostname, path: portal.prefix || '/' }]);
}

async function stepCount(page) {
  return Number(await page.getAttribute('form.bantin-fontsize', 'data-steps'));
}

// ---------- keyboard ----------

describe('keyboard', () => {
  test('Tab reaches every menu and toolbar link, in order, each with a visible focus ring', T, async () => {
    const b = await openBrowser();
    try {
      const { page } = b;
      await goto(page, ARTICLE);
      const menu = await linksIn(page, 'nav.bantin-menu');
      const toolbar = await linksIn(page, '#Block_BanTin_Toolbar');
      assert.ok(menu.length >= 2, `menu links: ${JSON.stringify(menu)}`);
      assert.equal(toolbar.length, 4, `toolbar links (print, mail, Facebook, Zalo): ${JSON.stringify(toolbar)}`);

      const seen = await tabThrough(page);
      const reached = (where) => seen.filter((f) => f.where === where && f.href).map((f) => f.href);
      assert.deepEqual(reached('menu'), menu, 'menu links reached by Tab, in document order');
      assert.deepEqual(reached('toolbar'), toolbar, 'toolbar links reached by Tab, in document order');
      const buttons = seen.filter((f) => f.where === 'toolbar' && f.tag === 'button').map((f) => f.text);
      assert.deepEqual(buttons, [UP, DOWN], 'font-size buttons reached by Tab');
      // skip link first, then the header, the menu, the breadcrumb, the toolbar
      assert.match(seen[0].href || '', /#noi-dung$/, `first Tab stop: ${JSON.stringify(seen[0])}`);
      assert.ok(seen[0].inViewport, 'the skip link is on screen when it has focus');
      const order = seen.map((f) => f.where).filter((w, i, a) => w !== a[i - 1]);
      const at = (w) => order.indexOf(w);
      assert.ok(at('menu') < at('breadcrumb') && at('breadcrumb') < at('toolbar'), `focus order: ${order.join(' > ')}`);

      const problems = [];
      const check = (ok, msg) => { if (!ok) problems.push(msg); };
      for (const f of seen) {
        const label = `${f.where} ${f.tag} "${f.text}" ${f.href || ''}`;
        check(f.focusVisible, `${label}: not :focus-visible after Tab`);
        const ring = f.outlineStyle !== 'none' && f.outlineWidth >= 2;
        check(ring || (f.boxShadow && f.boxShadow !== 'none'),
          `${label}: no visible focus ring (outline ${f.outlineStyle} ${f.outlineWidth}px, box-shadow ${f.boxShadow})`);
        // Against what lies around it, the ring needs 3:1 (WCAG 1.4.11); a
        // two-tone ring (technique C40: outline and box-shadow colours 9:1
        // apart) needs it from one of its two colours.
        const halo = /rgba?\([^)]*\)/.exec(f.boxShadow || '');
        const colours = [f.outlineColor];
        if (halo && contrast(halo[0], f.outlineColor) >= 9) colours.push(halo[0]);
        for (const bg of ring ? f.bgs : []) {
          const c = Math.max(...colours.map((col) => contrast(col, bg)));
          check(c >= 3, `${label}: focus ring ${colours.join(' / ')} on ${bg} has contrast ${c.toFixed(2)} < 3 (WCAG 1.4.11)`);
        }
      }
      assert.deepEqual(problems, [], `focus rings:\n${problems.join('\n')}`);
    } finally {
      await b.close();
    }
  });

  test('Enter on a menu link opens the category, marked aria-current', T, async () => {
    const b = await openBrowser();
    try {
      const { page } = b;
      await goto(page, '');
      const href = `${portal.prefix}/${category}`;
      const seen = [];
      await page.evaluate(() => document.activeElement && document.activeElement.blur());
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        const f = await page.evaluate(describeFocus);
        seen.push(f);
        if (f && f.href === href) break;
      }
      assert.equal(seen.at(-1) && seen.at(-1).href, href, `menu link ${href} never focused`);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
      assert.equal(new URL(page.url()).pathname, href);
      const current = await page.$$eval('nav.bantin-menu a[aria-current="page"]', (as) => as.map((a) => a.getAttribute('href')));
      assert.deepEqual(current, [href]);
    } finally {
      await b.close();
    }
  });
});

// ---------- the font step, announced ----------

describe('font step announced', () => {
  test('output[aria-live] says the new step after a click (JavaScript on)', T, async () => {
    const b = await openBrowser();
    try {
      const { page } = b;
      await goto(page, ARTICLE);
      const out = page.locator('form.bantin-fontsize output[aria-live]');
      assert.equal(await out.count(), 1, 'one output[aria-live] in the font-size form');
      assert.equal(await out.getAttribute('aria-live'), 'polite');
      const steps = await stepCount(page);
      const text = async () => (await out.textContent()).trim();
      assert.equal(await text(), `Cỡ chữ 3/${steps}`);
      // visually hidden, but not hidden from screen readers
      const hidden = await out.evaluate((el) => {
        const cs = getComputedStyle(el);
        return { display: cs.display, visibility: cs.visibility, ariaHidden: el.closest('[aria-hidden="true"]') !== null };
      });
      assert.ok(hidden.display !== 'none' && hidden.visibility !== 'hidden' && !hidden.ariaHidden, JSON.stringify(hidden));

      await page.getByRole('button', { name: UP, exact: true }).click();
      await page.waitForFunction(() => document.querySelector('output[aria-live]').textContent.includes('4/'));
      assert.equal(await text(), `Cỡ chữ 4/${steps}`);
      await page.getByRole('button', { name: DOWN, exact: true }).click();
      await page.getByRole('button', { name: DOWN, exact: true }).click();
      await page.waitForFunction(() => document.querySelector('output[aria-live]').textContent.includes('2/'));
      assert.equal(await text(), `Cỡ chữ 2/${steps}`);
    } finally {
      await b.close();
    }
  });

  test('the server renders the step into the output (JavaScript off)', T, async () => {
    const b = await openBrowser({ javaScriptEnabled: false });
    try {
      const { page } = b;
      await goto(page, ARTICLE);
      const steps = await stepCount(page);
      await Promise.all([page.waitForNavigation({ waitUntil: 'load' }),
        page.getByRole('button', { name: UP, exact: true }).click()]);
      assert.equal((await page.textContent('output[aria-live]')).trim(), `Cỡ chữ 4/${steps}`);
    } finally {
      await b.close();
    }
  });
});

// ---------- layout ----------

describe('layout', () => {
  test('no horizontal scrolling at 360px: category, print and article pages, default and largest step', T, async () => {
    const b = await openBrowser({ viewport: { width: 360, height: 780 } });
    try {
      const { page, context } = b;
      await goto(page, ARTICLE);
      const steps = await stepCount(page);
      const widths = {};
      for (const step of [3, steps]) {
        await setStep(context, step);
        for (const [name, route, status] of [
          ['home', '', 200], ['category', category, 200], ['article', ARTICLE, 200],
          ['print', `print/${ARTICLE.slice('article/'.length)}`, 200],
          ['print-query', `${ARTICLE}?print=1`, 200], ['notfound', 'article/khong-co', 404]]) {
          await goto(page, route, status);
          widths[`${name}@${step}`] = await scrollWidth(page);
        }
      }
      for (const [k, w] of Object.entries(widths)) {
        assert.ok(w <= 360, `${k}: document scrollWidth ${w}px > 360px; all: ${JSON.stringify(widths)}`);
      }
    } finally {
      await b.close();
    }
  });

  test('print media: only the article and its address are printed', T, async () => {
    const b = await openBrowser();
    try {
      const { page } = b;
      for (const route of [ARTICLE, `print/${ARTICLE.slice('article/'.length)}`]) {
        await goto(page, route);
        await page.emulateMedia({ media: 'print' });
        const shown = await page.evaluate(() => {
          const vis = (sel) => [...document.querySelectorAll(sel)].some((el) => el.getClientRects().length > 0
            && getComputedStyle(el).visibility !== 'hidden');
          return {
            menu: vis('nav.bantin-menu'), breadcrumb: vis('nav.bantin-breadcrumb'),
            toolbar: vis('#Block_BanTin_Toolbar'), related: vis('#Block_BanTin_Related'),
            other: vis('#Block_BanTin_Other'), header: vis('header'), footer: vis('footer'),
            article: vis('#Block_BanTin_ViewData'), url: vis('.bantin-print-url'),
          };
        });
        assert.deepEqual({ ...shown, url: undefined }, {
          menu: false, breadcrumb: false, toolbar: false, related: false, other: false,
          header: false, footer: false, article: true, url: undefined,
        }, `${route} in print media: ${JSON.stringify(shown)}`);
        if (route.startsWith('print/')) assert.ok(shown.url, 'the print view prints the article address');
        await page.emulateMedia({ media: 'screen' });
      }
    } finally {
      await b.close();
    }
  });
});

// ---------- console ----------

for (const js of [true, false]) {
  test(`no console errors on every page type (JavaScript ${js ? 'on' : 'off'})`, T, async () => {
    const b = await openBrowser({ javaScriptEnabled: js });
    try {
      const { page } = b;
      const errors = collectErrors(page);
      for (const route of ['', '?page=2', category, ARTICLE, `print/${ARTICLE.slice('article/'.length)}`,
        `${ARTICLE}?print=1`]) {
        await goto(page, route);
      }
      // An error page's own status is reported by Chromium as a failed resource:
      // that one message is expected, anything else is not.
      const before404 = errors.length;
      await goto(page, 'category/khong-co', 404);
      const after404 = errors.splice(before404).filter((e) => !/Failed to load resource: .*404/.test(e));
      assert.deepEqual([...errors, ...after404], [], `console errors:\n${[...errors, ...after404].join('\n')}`);
    } finally {
      await b.close();
    }
  });
}

// ---------- screenshots ----------

test('screenshots of the article, default and largest step, 1280 and 360 wide', T, async () => {
  const update = !!process.env.BANTIN_UPDATE_SCREENSHOTS;
  for (const [width, height] of [[1280, 800], [360, 740]]) {
    const b = await openBrowser({ viewport: { width, height } });
    try {
      const { page, context } = b;
      await goto(page, ARTICLE);
      const steps = await stepCount(page);
      for (const [label, step] of [['default', 3], ['largest', steps]]) {
        await setStep(context, step);
        await goto(page, ARTICLE);
        assert.ok(await page.evaluate((s) => document.body.classList.contains(`bantin-fs-${s}`), step));
        const name = `article-${width}-${label}.png`;
        const file = path.join(OUT, name);
        await page.screenshot({ path: file, fullPage: false });
        const docs = path.join(SHOTS, name);
        if (update || !fs.existsSync(docs)) {
          fs.mkdirSync(SHOTS, { recursive: true });
          fs.copyFileSync(file, docs);
        }
      }
    } finally {
      await b.close();
    }
  }
});
