// Headless system Chromium through playwright-core (no browser download, ever).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.BANTIN_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launch Chromium with a fresh temporary profile (so: no cookies) and
 * return { context, page, close }.
 * @param {object} [contextOptions] e.g. { javaScriptEnabled: false, viewport: {width, height} }
 */
export async function openBrowser(contextOptions = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bantin-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1280, height: 900 },
      locale: 'vi-VN',
      ...contextOptions,
    });
  } catch (e) {
    fs.rmSync(profile, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] || (await context.newPage());
  const close = async () => {
    try {
      await context.close();
    } finally {
      fs.rmSync(profile, { recursive: true, force: true });
    }
  };
  return { context, page, close };
}

/**
 * Collect console errors and uncaught page errors of a page.
 * The browser's own automatic /favicon.ico request (outside the portal, so not
 * the module's business) is ignored.
 */
export function collectErrors(page) {
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      let locPath = '';
      try {
        locPath = loc && loc.url ? new URL(loc.url).pathname : '';
      } catch { /* ignore */ }
      if (locPath === '/favicon.ico') return;
      errors.push(`console.error: ${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}
