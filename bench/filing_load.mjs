// Closed-loop HTTP load for bench/filing.sh: N clients, each its own keep-alive connection and
// its own unit account, for a fixed duration. Prints one JSON line with the client-side latency
// distribution. Node's own http (one Agent with maxSockets 1 per client), no dependencies.
//
//   node bench/filing_load.mjs --url http://127.0.0.1:PORT --mode save|get|healthz \
//     --clients 200 --duration 20 [--warmup 2] [--first 1] [--prefix unit]
//
// save:    PUT /api/v1/filings/:id/data with the complete clean GQ-002 fixture (67 indicators,
//          catalog/2024/fixtures/GQ-002.yaml case 1); one value alternates so every request is
//          a new version (data hash changes); the version comes from each response.
// get:     GET /api/v1/filings/:id of the client's own filing (authenticated read peer).
// healthz: GET /healthz (HTTP floor peer).
import fs from 'node:fs';
import http from 'node:http';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
    return acc;
  }, []),
);
const base = new URL(args.url);
const mode = args.mode ?? 'save';
const clients = Number(args.clients ?? 50);
const duration = Number(args.duration ?? 20) * 1000;
const warmup = Number(args.warmup ?? 2) * 1000;
const first = Number(args.first ?? 1);
const prefix = args.prefix ?? 'unit';
// --pace MS: each client starts one request every MS ms (open-ish loop, like autosave) instead of
// back to back; the first start is spread at random over one period.
const pace = Number(args.pace ?? 0);
const PASSWORD = 'Huoju@2024';

// bench/filing_gq002.json = catalog/2024/fixtures/GQ-002.yaml, first case: a complete filing
// that passes every rule (67 indicators).
const VALUES = JSON.parse(fs.readFileSync(new URL('./filing_gq002.json', import.meta.url), 'utf8'));

function request(agent, method, path, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (body !== undefined) {
      h['content-type'] = 'application/json';
      h['content-length'] = Buffer.byteLength(body);
    }
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, agent, headers: h },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function setup(i) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const c = { agent, headers: {}, i };
  if (mode === 'healthz') return c;
  const username = `${prefix}${String(first + i).padStart(6, '0')}`;
  // The server admits only so many logins at once (429): wait and retry, logins are setup only.
  let login;
  for (let attempt = 0; attempt < 60; ++attempt) {
    login = await request(agent, 'POST', '/api/v1/auth/login', {
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    if (login.status !== 429) break;
    await new Promise((r) => setTimeout(r, 500 + Math.random() * 1000));
  }
  if (login.status !== 200) throw new Error(`login ${username}: ${login.status} ${login.text}`);
  const token = /huoju_session=([0-9a-f]+)/.exec(String(login.headers['set-cookie']))[1];
  c.headers = { cookie: `huoju_session=${token}`, 'x-csrf-token': JSON.parse(login.text).csrf_token };
  const tasks = await request(agent, 'GET', '/api/v1/tasks', { headers: c.headers });
  const task = JSON.parse(tasks.text).items.find((t) => t.form_code === 'GQ-002' && t.period === '2024');
  if (!task) throw new Error(`${username}: no GQ-002 2024 task`);
  c.filing = task.id;
  c.version = task.version;
  return c;
}

// Setup with bounded concurrency (logins hash a password).
const all = [];
for (let i = 0; i < clients; i += 16) {
  const batch = [];
  for (let j = i; j < Math.min(clients, i + 16); ++j) batch.push(setup(j));
  all.push(...(await Promise.all(batch)));
}

const lat = [];
const statuses = {};
let errorsInAudit = 0;
let stop = false;
let t0 = 0;
let measuring = false;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function loop(c) {
  let next = performance.now() + (pace ? Math.random() * pace : 0);
  while (!stop) {
    if (pace) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      next += pace;
      if (stop) break;
    }
    let method = 'GET';
    let path = '/healthz';
    let body;
    if (mode === 'save') {
      method = 'PUT';
      // The value depends on the parity of the version being written, so it always differs
      // from the stored one: every request is a real new version.
      const flip = (c.version + 1) % 2;
      path = `/api/v1/filings/${c.filing}/data`;
      body = JSON.stringify({ version: c.version, values: { ...VALUES, qc41: flip ? 1201.5 : 1200.5 }, explanations: {} });
    } else if (mode === 'get') {
      path = `/api/v1/filings/${c.filing}`;
    }
    const start = process.hrtime.bigint();
    const res = await request(c.agent, method, path, { headers: c.headers, body });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (mode === 'save' && res.status === 200) {
      const j = JSON.parse(res.text);
      c.version = j.version;
      if (!j.saved || j.error_count !== 0) ++errorsInAudit;
    } else if (mode === 'save' && res.status === 409) {
      c.version = JSON.parse(res.text).error?.details?.current_version ?? c.version;
    }
    if (measuring) {
      lat.push(ms);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  }
}

const loops = all.map(loop);
await new Promise((r) => setTimeout(r, warmup));
measuring = true;
t0 = process.hrtime.bigint();
const wallStart = Date.now();
await new Promise((r) => setTimeout(r, duration));
measuring = false;
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const wallEnd = Date.now();
stop = true;
await Promise.all(loops);
for (const c of all) c.agent.destroy();

lat.sort((a, b) => a - b);
const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)] : NaN);
console.log(JSON.stringify({
  mode, clients, pace_ms: pace, seconds: +seconds.toFixed(2), requests: lat.length, rps: +(lat.length / seconds).toFixed(1),
  p50: +pct(50).toFixed(2), p90: +pct(90).toFixed(2), p99: +pct(99).toFixed(2), max: +lat[lat.length - 1].toFixed(2),
  statuses, not_saved_or_errors: errorsInAudit, window_ms: [wallStart, wallEnd],
}));
