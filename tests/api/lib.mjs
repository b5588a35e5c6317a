// Helpers for API tests: start a real huoju server on loopback with demo data, on SQLite or
// on the test PostgreSQL cluster, and talk to it over HTTP.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BINARY = process.env.HUOJU_BINARY || path.join(ROOT, 'build/huoju');
export const PASSWORD = 'Huoju@2024';

let dbCounter = 0;

/** A fresh database URL for `backend` ('sqlite' | 'postgresql'), and its data dir. */
export function freshDatabase(backend) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'huoju-api-'));
  if (backend === 'sqlite') {
    return { dataDir, databaseUrl: `sqlite:${dataDir}/huoju.db` };
  }
  const base = process.env.HUOJU_TEST_PG_URL;
  if (!base) {
    throw new Error('HUOJU_TEST_PG_URL is not set: scripts/test starts a PostgreSQL cluster');
  }
  const name = `huoju_api_${process.pid}_${++dbCounter}_${Date.now() % 100000}`;
  execFileSync('psql', [base, '-q', '-c', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { dataDir, databaseUrl: url.toString() };
}

/** Runs a huoju command to completion; returns {code, stdout, stderr}. */
export function runHuoju(args, env = {}) {
  try {
    const stdout = execFileSync(BINARY, args, { env: { ...process.env, ...env }, stdio: 'pipe' });
    return { code: 0, stdout: stdout.toString(), stderr: '' };
  } catch (e) {
    return { code: e.status, stdout: e.stdout?.toString() ?? '', stderr: e.stderr?.toString() ?? '' };
  }
}

/**
 * Starts `huoju serve` on 127.0.0.1 with a free port. With `demo`, the database gets demo data
 * first. Resolves when the server prints its URL.
 */
export async function startServer({ backend = 'sqlite', units = 300, demo = true, db, workers, passwordCost = 'fast' } = {}) {
  const database = db ?? freshDatabase(backend);
  const common = ['--database-url', database.databaseUrl, '--password-cost', passwordCost,
    '--catalog-dir', path.join(ROOT, 'catalog')];
  if (demo && !db) {
    const r = runHuoju(['demo-data', '--units', String(units), ...common]);
    if (r.code !== 0) throw new Error(`demo-data failed: ${r.stderr}`);
  }
  const args = ['serve', '--listen', '127.0.0.1:0', '--web-root', path.join(ROOT, 'web/dist'), ...common];
  if (workers) args.push('--workers', String(workers));
  const proc = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d.toString(); if (log.length > 2e6) log = log.slice(-1e6); });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d.toString();
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) { clearTimeout(timer); resolve(`http://127.0.0.1:${m[1]}`); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${log}`)); });
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    url, proc, db: database, exited,
    log: () => log,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
    kill() { proc.kill('SIGKILL'); return exited; },
    cleanup() { rmSync(database.dataDir, { recursive: true, force: true }); },
  };
}

/** One HTTP call; answers {status, body (parsed JSON or text), headers}. */
export async function call(base, pathname, { method = 'GET', json, body, session, csrf, headers = {} } = {}) {
  const h = { ...headers };
  if (session) h.cookie = `huoju_session=${session.token}`;
  if (csrf ?? session?.csrf) h['x-csrf-token'] = csrf ?? session.csrf;
  let payload = body;
  if (json !== undefined) { payload = JSON.stringify(json); h['content-type'] ??= 'application/json'; }
  const res = await fetch(base + pathname, { method, headers: h, body: payload, redirect: 'manual' });
  const text = await res.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Logs in; answers {token, csrf, user}. Throws on failure. */
export async function login(base, username, password = PASSWORD) {
  const res = await fetch(base + '/api/v1/auth/login', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(body)}`);
  const cookie = res.headers.get('set-cookie') ?? '';
  const token = cookie.match(/huoju_session=([0-9a-f]+)/)?.[1];
  return { token, csrf: body.csrf_token, user: body.user, cookie };
}

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** A valid 统一社会信用代码 derived from `n` (distinct n give distinct codes). */
export function makeUscc(n, region = '440305') {
  for (let salt = 0; ; salt++) {
    let v = n * 7919 + salt * 104729;
    let body = '';
    for (let i = 0; i < 8; i++) { body += USCC_ALPHABET[v % 31]; v = Math.floor(v / 31) + i * 13; }
    const orgSum = [...body].reduce((s, c, i) => s + (/\d/.test(c) ? +c : c.charCodeAt(0) - 55) * ORG_WEIGHTS[i], 0);
    const oc = 11 - (orgSum % 11);
    const orgCheck = oc === 10 ? 'X' : oc === 11 ? '0' : String(oc);
    const first17 = '91' + region + body + orgCheck;
    const sum = [...first17].reduce((s, c, i) => s + USCC_ALPHABET.indexOf(c) * USCC_WEIGHTS[i], 0);
    return first17 + USCC_ALPHABET[(31 - (sum % 31)) % 31];
  }
}

export const DEMO_ACCOUNTS = ['admin', 'center', 'gd_reviewer', 'bj_reviewer', 'sz_city_reviewer',
  'sz_zone_reviewer', 'registry_gd', 'unit_demo'];
