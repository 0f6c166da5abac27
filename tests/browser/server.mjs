// Starts a real Apache httpd with mod_bantin (or nginx with
// ngx_http_bantin_module: BANTIN_SERVER=nginx) for the browser / HTML tests.
//
// startPortal() returns { base, origin, prefix, url(route), errorLog(), stop() }:
//   base   = "http://127.0.0.1:PORT/portal/" (always ends in "/")
//   url(r) = base + r   (r is a portal-relative route such as "article/2024/x")
// If the environment variable BANTIN_URL is set (e.g. http://127.0.0.1:8080/portal/),
// that already-running portal is used instead and nothing is started.
//
// Environment knobs:
//   BANTIN_URL        use a running portal instead of starting httpd
//   BANTIN_SERVER     httpd (default) or nginx: which server the portal runs in
//   BANTIN_NGINX      nginx binary (default /usr/sbin/nginx)
//   BANTIN_REPO       repository root (default: two levels above this file)
//   BANTIN_APACHE     httpd binary (default /usr/sbin/apache2)
//   BANTIN_KEEP_TMP=1 keep the temporary ServerRoot (config + logs) after stop

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(process.env.BANTIN_REPO || path.join(here, '..', '..'));
const APACHE = process.env.BANTIN_APACHE || '/usr/sbin/apache2';
const NGINX = process.env.BANTIN_NGINX || '/usr/sbin/nginx';
export const SERVER = process.env.BANTIN_SERVER || 'httpd';
const MODDIR = '/usr/lib/apache2/modules';
const PREFIX = '/portal';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function builtinModules() {
  try {
    return execFileSync(APACHE, ['-l'], { encoding: 'utf8' });
  } catch {
    return '';
  }
}

function loadLine(name, file, builtins) {
  // Skip modules compiled into the binary (apache2 -l lists them as mod_x.c).
  if (builtins.includes(file.replace(/\.so$/, '.c'))) return '';
  return `LoadModule ${name} ${MODDIR}/${file}`;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitUntilAnswers(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.status;
    } catch (e) {
      lastErr = e;
      await sleep(150);
    }
  }
  throw new Error(`portal at ${url} did not answer within ${timeoutMs} ms: ${lastErr && (lastErr.cause || lastErr).message}`);
}

function normaliseBase(u) {
  return u.endsWith('/') ? u : `${u}/`;
}

// A warning or worse in the error log: httpd's "[module:level]", nginx's
// "[level]".  The browser tests fail on any (as the integration tests do).
const PROBLEM = /\[(?:[a-z_]+:)?(?:warn|error|crit|alert|emerg)\]/;

function readPid(pidFile) {
  try {
    return Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    return 0;
  }
}

/** Waits (bounded) for a server's parent process to go. */
async function waitGone(pid) {
  for (let i = 0; pid && i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    await sleep(100);
  }
}

/**
 * Starts a server from its written config (start()), waits until the portal
 * answers, and returns its handle; stopNow() stops it, also when it never
 * answered.  Errors carry the server's error log.
 */
async function launched({ name, start, stopNow, tmp, conf, port, errorLog }) {
  const readLog = () => {
    try {
      return fs.readFileSync(errorLog, 'utf8');
    } catch {
      return '';
    }
  };
  try {
    start();
  } catch (e) {
    throw new Error(`${name} failed (config ${conf}):\n${e.stdout || ''}${e.stderr || ''}\n${readLog()}`);
  }
  const base = `http://127.0.0.1:${port}${PREFIX}/`;
  try {
    await waitUntilAnswers(base, 15000);
  } catch (e) {
    e.message += `\nerror log:\n${readLog()}`;
    await stopNow();
    throw e;
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopNow();
    if (!process.env.BANTIN_KEEP_TMP) fs.rmSync(tmp, { recursive: true, force: true });
  };
  return makeHandle(base, { errorLog: readLog, stop, tmp, conf, port });
}

function makeHandle(base, extra = {}) {
  const b = new URL(base);
  const handle = {
    base,
    origin: b.origin,
    prefix: b.pathname.replace(/\/$/, ''),
    url: (route = '') => base + route.replace(/^\//, ''),
    errorLog: () => '',
    stop: async () => {},
    ...extra,
  };
  handle.problems = () => handle.errorLog().split('\n').filter((l) => PROBLEM.test(l));
  return handle;
}

/**
 * @param {object} [opts]
 * @param {string[]} [opts.directives] extra Bantin* directives placed inside <Location /portal>
 */
export async function startPortal(opts = {}) {
  if (process.env.BANTIN_URL) {
    const base = normaliseBase(process.env.BANTIN_URL);
    await waitUntilAnswers(base, 10000);
    return makeHandle(base, { external: true });
  }
  if (SERVER === 'nginx') return startNginx(opts);
  if (SERVER !== 'httpd') throw new Error(`BANTIN_SERVER=${SERVER}: httpd or nginx`);

  const so = path.join(repoRoot, 'build', 'mod_bantin.so');
  if (!fs.existsSync(so)) {
    throw new Error(`${so} does not exist: run \`make\` in ${repoRoot} first (or set BANTIN_URL)`);
  }
  const { tmp, contentDir, templateDir } = tempSite('httpd');
  const port = await freePort();
  const conf = path.join(tmp, 'httpd.conf');
  const pidFile = path.join(tmp, 'httpd.pid');
  const errorLog = path.join(tmp, 'error.log');
  const builtins = builtinModules();
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

  const lines = [
    `ServerRoot "${tmp}"`,
    `DefaultRuntimeDir "${tmp}"`,
    `PidFile "${pidFile}"`,
    `ErrorLog "${errorLog}"`,
    'LogLevel warn',
    `Listen 127.0.0.1:${port}`,
    'ServerName 127.0.0.1',
    loadLine('mpm_event_module', 'mod_mpm_event.so', builtins),
    loadLine('authz_core_module', 'mod_authz_core.so', builtins),
    loadLine('mime_module', 'mod_mime.so', builtins),
    asRoot ? 'User nobody' : '',
    asRoot ? 'Group nogroup' : '',
    'TypesConfig /etc/mime.types',
    'StartServers 1',
    'ServerLimit 2',
    'ThreadsPerChild 16',
    'MaxRequestWorkers 32',
    'MinSpareThreads 16',  // (the default, 75, is more than 32: AH10159)
    'MaxSpareThreads 32',
    `DocumentRoot "${tmp}"`,
    `<Directory />`,
    '    Require all denied',
    '</Directory>',
    // the browser asks for it: a 404, not a denial logged as an error
    '<Location /favicon.ico>',
    '    Require all granted',
    '</Location>',
    `LoadModule bantin_module "${so}"`,
    `<Location ${PREFIX}>`,
    '    Require all granted',
    '    SetHandler bantin',
    `    BantinContentDir "${contentDir}"`,
    `    BantinTemplateDir "${templateDir}"`,
    ...(opts.directives || []).map((d) => `    ${d}`),
    '</Location>',
    '',
  ].filter((l) => l !== '');
  fs.writeFileSync(conf, `${lines.join('\n')}\n`, { mode: 0o644 });

  return launched({
    name: 'apache2 -k start',
    start: () => execFileSync(APACHE, ['-f', conf, '-k', 'start'], { encoding: 'utf8', stdio: 'pipe' }),
    stopNow: async () => {
      const pid = readPid(pidFile);
      try {
        execFileSync(APACHE, ['-f', conf, '-k', 'stop'], { stdio: 'ignore' });
      } catch { /* ignore */ }
      await waitGone(pid);
    },
    tmp, conf, port, errorLog,
  });
}

// A temporary folder the server's children (nobody, when run as root) can
// read, with copies of content/ and templates/ in it: they can read those
// wherever the checkout lies (a root user's clone is under 0700 /root).
function tempSite(kind) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `bantin-${kind}-`));
  fs.chmodSync(tmp, 0o755);
  const contentDir = path.join(tmp, 'content');
  const templateDir = path.join(tmp, 'templates');
  fs.cpSync(path.join(repoRoot, 'content'), contentDir, { recursive: true });
  fs.cpSync(path.join(repoRoot, 'templates'), templateDir, { recursive: true });
  return { tmp, contentDir, templateDir };
}

/** BantinPageSize 2 -> bantin_page_size 2; (nginx's names of httpd's directives) */
function nginxDirective(line) {
  const m = /^\s*(Bantin\w+)\s*(.*?)\s*$/.exec(line);
  if (!m) throw new Error(`not a Bantin* directive: ${line}`);
  const name = m[1].replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase();
  return m[2] ? `${name} ${m[2]};` : `${name};`;
}

/** The same portal in nginx: /portal served by build/ngx_http_bantin_module.so. */
async function startNginx(opts) {
  const so = path.join(repoRoot, 'build', 'ngx_http_bantin_module.so');
  if (!fs.existsSync(so)) {
    throw new Error(`${so} does not exist: run \`make\` in ${repoRoot} first (or set BANTIN_URL)`);
  }
  const { tmp, contentDir, templateDir } = tempSite('nginx');
  const port = await freePort();
  const conf = path.join(tmp, 'nginx.conf');
  const pidFile = path.join(tmp, 'nginx.pid');
  const errorLog = path.join(tmp, 'error.log');
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const lines = [
    `load_module "${so}";`,
    'daemon on;',
    'worker_processes 2;',
    `pid "${pidFile}";`,
    `error_log "${errorLog}" warn;`,
    asRoot ? 'user nobody nogroup;' : '',
    'events { worker_connections 256; }',
    'http {',
    `    access_log off;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
      (t) => `    ${t}_temp_path "${path.join(tmp, `${t}-temp`)}";`),
    `    bantin_state_dir "${path.join(tmp, 'bantin-state')}";`,
    `    bantin_start_cache_dir "${path.join(tmp, 'bantin-startcache')}";`,
    '    server {',
    `        listen 127.0.0.1:${port};`,
    '        server_name 127.0.0.1;',
    `        root "${path.join(tmp, 'htdocs')}";`,
    '        log_not_found off;  # as httpd at warn: the browser\'s /favicon.ico',
    `        location ${PREFIX} {`,
    '            bantin;',
    `            bantin_content_dir "${contentDir}";`,
    `            bantin_template_dir "${templateDir}";`,
    ...(opts.directives || []).map((d) => `            ${nginxDirective(d)}`),
    '        }',
    '    }',
    '}',
  ].filter((l) => l !== '');
  fs.writeFileSync(conf, `${lines.join('\n')}\n`, { mode: 0o644 });

  return launched({
    name: 'nginx',
    start: () => execFileSync(NGINX, ['-p', tmp, '-c', conf], { encoding: 'utf8', stdio: 'pipe' }),
    stopNow: async () => {
      const pid = readPid(pidFile);
      try {
        if (pid) process.kill(pid, 'SIGTERM'); // nginx -s stop
      } catch { /* gone */ }
      await waitGone(pid);
    },
    tmp, conf, port, errorLog,
  });
}
