// HTML validity: the Nu HTML Checker (vnu.jar from the vnu-jar package, run with
// the machine's own Java) must report zero errors on the portal's pages.
// Warnings are allowed but printed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { startPortal } from './server.mjs';

const require = createRequire(import.meta.url);
// The package's main module exports the path of vnu.jar (a String object).
const VNU_JAR = String(require('vnu-jar'));
const JAVA = process.env.BANTIN_JAVA || 'java';
const ARTICLE = 'article/2024/giup-do-xa-kho-khan';

let portal;
let tmp;
before(async () => {
  // A small page size makes sure the home list has a page 2 with the sample content.
  portal = await startPortal({ directives: ['BantinPageSize 2'] });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bantin-vnu-'));
});
after(async () => {
  const problems = portal ? portal.problems() : [];
  if (portal) await portal.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  assert.deepEqual(problems, [], 'warnings or errors in the error log');
});

function runVnu(files) {
  return new Promise((resolve, reject) => {
    execFile(JAVA, ['-jar', VNU_JAR, '--format', 'json', '--stdout', ...files],
      { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        // vnu exits 1 when it found errors; that is reported through the JSON.
        try {
          resolve(JSON.parse(stdout));
        } catch {
          reject(new Error(`vnu did not produce JSON (${err ? err.message : 'no error'}):\n${stdout}\n${stderr}`));
        }
      });
  });
}

function fmt(m) {
  const where = m.lastLine ? `${m.lastLine}:${m.firstColumn || m.lastColumn}` : '';
  return `  [${m.subType || m.type}] ${where} ${m.message}${m.extract ? `\n      ${JSON.stringify(m.extract)}` : ''}`;
}

// Every page type of the portal (fragments under /block/ are not documents,
// and the feeds and the sitemap are XML: neither is checked here).
test('Nu HTML Checker: zero errors on every page type', { timeout: 180_000 }, async () => {
  const pages = [];
  async function grab(name, url, expectStatus) {
    const res = await fetch(url, { redirect: 'manual' });
    const body = await res.text();
    if (expectStatus) assert.equal(res.status, expectStatus, `GET ${url} status`);
    assert.match(res.headers.get('content-type') || '', /^text\/html;\s*charset=utf-8$/i, `${url} Content-Type`);
    const file = path.join(tmp, `${name}.html`);
    fs.writeFileSync(file, body);
    pages.push({ name, url, file, status: res.status });
    return body;
  }
  // The href of the first <a> matching re (a rel or class), resolved against base.
  function link(html, re, base) {
    const tag = new RegExp(`<a\\b[^>]*${re.source}[^>]*>`, 'i').exec(html);
    const href = tag && /\bhref="([^"]+)"/i.exec(tag[0]);
    return href ? new URL(href[1].replace(/&amp;/g, '&'), base).href : null;
  }

  const home = await grab('home', portal.url(''), 200);
  const article = await grab('article', portal.url(ARTICLE), 200);
  // Page 2: follow the pager's rel="next" link when there is one.
  const next = link(home, /\brel="next"/, portal.url(''));
  if (next) {
    await grab('page2', next, 200);
  } else {
    console.log('note: home page has no rel="next" link; checking ?page=2 whatever its status');
    await grab('page2', portal.url('?page=2'));
  }
  // The article's category (its breadcrumb links it), and a category's page 2.
  const crumbs = /<nav class="bantin-breadcrumb"[\s\S]*?<\/nav>/.exec(article);
  const category = crumbs && link(crumbs[0], /href="[^"]*\/category\//, portal.url(ARTICLE));
  assert.ok(category, 'the article page links no category in its breadcrumb');
  await grab('category', category, 200);
  for (const m of home.matchAll(/<a href="([^"]*\/category\/[^"]+)"/g)) {
    const page2 = new URL(`${m[1]}?page=2`, portal.url('')).href;
    if ((await fetch(page2, { redirect: 'manual' })).status === 200) {
      await grab('category-page2', page2, 200);
      break;
    }
  }
  const printUrl = link(article, /class="bantin-print-link"/, portal.url(ARTICLE));
  assert.ok(printUrl, 'the article page has no print link');
  await grab('print', printUrl, 200);
  await grab('print-query', `${portal.url(ARTICLE)}?print=1`, 200);
  await grab('notfound', portal.url('article/nope'), 404);
  await grab('category-notfound', portal.url('category/khong-co'), 404);
  await grab('bad-request', portal.url('?page=abc'), 400);
  // The search results page, where the portal has one.
  const search = await fetch(portal.url('search?q=ba+b%E1%BB%83'), { redirect: 'manual' });
  if (search.status === 200) await grab('search', search.url, 200);
  assert.ok(pages.some((p) => p.name === 'category-page2'), 'no category with a page 2 in content/');

  console.log(`vnu checks: ${pages.map((p) => `${p.name} (${p.status})`).join(', ')}`);
  const report = await runVnu(pages.map((p) => p.file));
  const byFile = new Map(pages.map((p) => [p.file, p]));
  const errors = [];
  const warnings = [];
  for (const m of report.messages || []) {
    const file = m.url ? decodeURIComponent(m.url.replace(/^file:/, '')) : '';
    const p = byFile.get(file);
    const line = `${p ? `${p.name} (${p.url})` : file || '(no file)'}\n${fmt(m)}`;
    if (m.type === 'error' || m.type === 'non-document-error') errors.push(line);
    else if (m.type === 'info' && m.subType === 'warning') warnings.push(line);
  }
  if (warnings.length) console.log(`vnu warnings (${warnings.length}):\n${warnings.join('\n')}`);
  if (errors.length) console.log(`vnu errors (${errors.length}):\n${errors.join('\n')}`);
  assert.equal(errors.length, 0, `Nu HTML Checker errors:\n${errors.join('\n')}`);
});
