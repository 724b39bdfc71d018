// Starts a throw-away Anchorlink server for the browser tests: a free loopback port, a
// temporary directory with its own SQLite database and mail outbox, a buyer and an admin
// user made with the CLI. `stop()` kills the server and removes the directory.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// ANCHORLINK_BINARY: another build (`make loadtest` runs the release one).
export const BINARY = process.env.ANCHORLINK_BINARY
  ? resolve(REPO, process.env.ANCHORLINK_BINARY)
  : join(REPO, 'target', 'debug', 'anchorlink');
export const SITE_ROOT = join(REPO, 'target', 'site');

export const PASSWORD = 'correct horse battery staple';
export const BUYER = { email: 'buyer@council.example', password: PASSWORD, organisation: 'Preston City Council' };
export const ADMIN = { email: 'admin@anchorlink.example', password: PASSWORD };

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

function cli(env, args, stdin) {
  const r = spawnSync(BINARY, args, { cwd: REPO, env, input: stdin, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) {
    throw new Error(`anchorlink ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts the server; resolves to { baseURL, dir, outbox, stop(), mails(), waitForMail() }.
 * Options: `seed: { suppliers, randomSeed }` runs `anchorlink seed` before serving;
 * `users: [{ email, role, organisation }]` adds more users (password PASSWORD);
 * `siteRoot` serves another built site (default target/site, the dev build).
 */
export async function startServer({ seed = null, users = [], siteRoot = SITE_ROOT, env: extraEnv = {} } = {}) {
  // The site's assets have content-hashed names, listed in its manifest.
  for (const p of [BINARY, join(siteRoot, 'asset-manifest.json')]) {
    if (!existsSync(p)) throw new Error(`${p} is missing: run \`make site server\` in ${REPO} first`);
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'anchorlink-browser-'));
  const outbox = join(dir, 'outbox');
  const baseURL = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    ANCHORLINK_ADDR: `127.0.0.1:${port}`,
    ANCHORLINK_BASE_URL: baseURL,
    DATABASE_URL: `sqlite://${dir}/test.db?mode=rwc`,
    ANCHORLINK_OUTBOX: outbox,
    LEPTOS_SITE_ROOT: siteRoot,
    // Each server its own search index, never the repository's default one.
    ANCHORLINK_INDEX_DIR: join(dir, 'index'),
    RUST_LOG: process.env.RUST_LOG ?? 'warn',
    ...extraEnv,
  };
  cli(env, ['migrate'], '');
  cli(env, ['users', 'add', '--email', BUYER.email, '--role', 'buyer', '--organisation', BUYER.organisation], `${PASSWORD}\n`);
  cli(env, ['users', 'add', '--email', ADMIN.email, '--role', 'admin'], `${PASSWORD}\n`);
  for (const u of users) {
    const args = ['users', 'add', '--email', u.email, '--role', u.role ?? 'buyer'];
    if (u.organisation) args.push('--organisation', u.organisation);
    cli(env, args, `${u.password ?? PASSWORD}\n`);
  }
  if (seed) {
    cli(env, ['seed', '--suppliers', String(seed.suppliers), '--random-seed', String(seed.randomSeed ?? 1)], '');
  }

  const child = spawn(BINARY, ['serve'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (exited === null) {
      child.kill('SIGTERM');
      const deadline = Date.now() + 5000;
      while (exited === null && Date.now() < deadline) await sleep(50);
      if (exited === null) child.kill('SIGKILL');
    }
    if (!process.env.KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  };
  // Never leave a server behind, whatever happens to the test process.
  process.once('exit', () => { if (exited === null) child.kill('SIGKILL'); });

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== null) throw new Error(`anchorlink serve exited early (${JSON.stringify(exited)}):\n${log}`);
    try {
      const res = await fetch(`${baseURL}/healthz`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`anchorlink serve did not answer /healthz within 30 s:\n${log}`);
    }
    await sleep(100);
  }

  /** Every mail in the outbox, oldest first, decoded: { file, to, subject, body }. */
  const mails = () => {
    if (!existsSync(outbox)) return [];
    return readdirSync(outbox)
      .filter((f) => f.endsWith('.eml'))
      .map((f) => ({ f, t: statSync(join(outbox, f)).mtimeMs }))
      .sort((a, b) => a.t - b.t)
      .map(({ f }) => parseMail(f, readFileSync(join(outbox, f), 'utf8')));
  };

  /** Waits for a mail to `to` whose body contains `marker`; returns its decoded body. */
  const waitForMail = async (to, marker, { timeout = 10_000 } = {}) => {
    const end = Date.now() + timeout;
    for (;;) {
      const found = mails().filter((m) => m.to.toLowerCase().includes(to.toLowerCase()) && m.body.includes(marker));
      if (found.length) return found[found.length - 1];
      if (Date.now() > end) {
        throw new Error(`no mail to ${to} containing ${marker} in ${outbox}; mails: ${JSON.stringify(mails().map((m) => [m.to, m.subject]))}`);
      }
      await sleep(100);
    }
  };

  return {
    baseURL, dir, outbox, stop, mails, waitForMail, log: () => log,
    // for the operations tests: the process, how it ended, and the CLI with this server's settings
    child, exitStatus: () => exited, cli: (args, stdin = '') => cli(env, args, stdin),
  };
}

function decodeQuotedPrintable(s) {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

function parseMail(file, raw) {
  const header = (name) => {
    const m = raw.match(new RegExp(`^${name}:\\s*(.*(?:\\r?\\n[ \\t].*)*)`, 'im'));
    return m ? m[1].replace(/\r?\n[ \t]+/g, ' ').trim() : '';
  };
  let body = raw;
  if (/quoted-printable/i.test(raw)) body = decodeQuotedPrintable(raw);
  // Base64 parts, if any, are decoded and appended so links inside them are found too.
  for (const m of raw.matchAll(/Content-Transfer-Encoding:\s*base64\r?\n(?:[^\r\n]+\r?\n)*\r?\n([A-Za-z0-9+/=\r\n]+)/gi)) {
    body += '\n' + Buffer.from(m[1].replace(/\s+/g, ''), 'base64').toString('utf8');
  }
  return { file, to: header('To'), subject: header('Subject'), body };
}

/** The first link in `body` containing `marker`, e.g. '/verify-email?token='. */
export function linkFrom(body, marker) {
  const re = new RegExp(`https?://[^\\s"'<>]*${marker.replace(/[?]/g, '\\?')}[^\\s"'<>]*`);
  const m = body.match(re);
  if (!m) throw new Error(`no link with ${marker} in mail:\n${body}`);
  return m[0].replace(/&amp;/g, '&');
}
