// Bad input of every kind gets a 4xx with a clear Chinese message naming the field, changes
// nothing, and the server stays up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { call, login, startServer, makeUscc } from './lib.mjs';

let server;
let admin;
let zoneId;

before(async () => {
  server = await startServer({ units: 100 });
  admin = await login(server.url, 'admin');
  zoneId = (await call(server.url, '/api/v1/org/search?q=' + encodeURIComponent('中关村') + '&kind=zone', { session: admin })).body.items[0].id;
});
after(async () => { await server?.stop(); server?.cleanup(); });

async function unitCount() {
  const r = await call(server.url, `/api/v1/org/nodes/${zoneId}/children?limit=1`, { session: admin });
  return r.body.total;
}

// Sends raw bytes and reads the whole answer (the server closes after an error).
function raw(bytesOrWriter) {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), '127.0.0.1');
    let data = '';
    sock.on('data', (d) => { data += d.toString(); });
    sock.on('end', () => resolve(data));
    sock.on('close', () => resolve(data));
    sock.on('error', (e) => (data ? resolve(data) : reject(e)));
    sock.on('connect', async () => {
      if (typeof bytesOrWriter === 'function') await bytesOrWriter(sock);
      else sock.write(bytesOrWriter);
    });
  });
}

function assertChineseError(r, status, code, field) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error.code, code);
  assert.match(r.body.error.message, /[\u4e00-\u9fa5]/, 'message is Chinese');
  if (field) assert.equal(r.body.error.details.field, field);
}

const createPath = '/api/v1/org/nodes';
const good = (n) => ({ parent_id: zoneId, kind: 'unit', name: `输入测试单位${n}`, uscc: makeUscc(900000 + n), industry_code: '3911', region_code: '110108' });

test('the good request works (control)', async () => {
  const before = await unitCount();
  const r = await call(server.url, createPath, { method: 'POST', session: admin, json: good(1) });
  assert.equal(r.status, 201);
  assert.equal(await unitCount(), before + 1);
});

test('malformed JSON, wrong types, unknown fields, bad codes: 4xx naming the field, nothing changes', async () => {
  const before = await unitCount();
  const cases = [
    [{ body: '{"parent_id": ', type: 'application/json' }, 400, 'bad_request'],
    [{ body: '[1,2,3]', type: 'application/json' }, 400, 'bad_request'],
    [{ body: 'parent_id=1', type: 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
    [{ json: { ...good(2), parent_id: '12' } }, 422, 'validation_failed', 'parent_id'],
    [{ json: { ...good(3), name: 12345 } }, 422, 'validation_failed', 'name'],
    [{ json: { ...good(4), surprise: true } }, 422, 'validation_failed', 'surprise'],
    [{ json: { ...good(5), uscc: '91350100M000100Y44' } }, 422, 'validation_failed', 'uscc'],
    [{ json: { ...good(6), uscc: '123' } }, 422, 'validation_failed', 'uscc'],
    [{ json: { ...good(7), industry_code: '9999' } }, 422, 'validation_failed', 'industry_code'],
    [{ json: { ...good(8), region_code: '999999' } }, 422, 'validation_failed', 'region_code'],
    [{ json: { ...good(9), kind: 'galaxy' } }, 422, 'validation_failed', 'kind'],
    [{ json: { ...good(10), name: '' } }, 422, 'validation_failed', 'name'],
    [{ json: { ...good(11), name: '长'.repeat(101) } }, 422, 'validation_failed', 'name'],
    [{ json: { ...good(12), name: 'a\u0001b' } }, 422, 'validation_failed', 'name'],
    [{ json: { ...good(13), parent_id: 999999999 } }, 422, 'validation_failed', 'parent_id'],
    [{ json: { ...good(14), uscc: makeUscc(900001) } }, 409, 'conflict', 'uscc'],  // taken by the control
  ];
  for (const [req, status, code, field] of cases) {
    const opts = { method: 'POST', session: admin };
    if (req.json) opts.json = req.json; else { opts.body = req.body; opts.headers = { 'content-type': req.type }; }
    const r = await call(server.url, createPath, opts);
    assertChineseError(r, status, code, field);
  }
  assert.equal(await unitCount(), before, 'nothing was written');
});

test('SQL and HTML metacharacters are data, not code', async () => {
  const before = await unitCount();
  const evil = `'); DROP TABLE org_node; -- <script>alert(1)</script>`;
  const r = await call(server.url, createPath, { method: 'POST', session: admin, json: { ...good(20), name: evil } });
  assert.equal(r.status, 201);
  assert.equal(r.body.name, evil);
  const back = await call(server.url, `/api/v1/org/nodes/${r.body.id}`, { session: admin });
  assert.equal(back.body.name, evil);
  assert.match(back.headers.get('content-type'), /application\/json/);
  const s = await call(server.url, `/api/v1/org/search?q=${encodeURIComponent("' OR '1'='1")}`, { session: admin });
  assert.equal(s.status, 200);
  assert.equal(s.body.total, 0);
  const pct = await call(server.url, `/api/v1/org/search?q=${encodeURIComponent('%')}`, { session: admin });
  assert.equal(pct.body.total, 0, 'LIKE wildcards are matched literally');
  assert.equal(await unitCount(), before + 1);
});

test('bad query parameters name the parameter', async () => {
  for (const [q, field] of [['limit=0', 'limit'], ['limit=201', 'limit'], ['offset=-1', 'offset'], ['limit=abc', 'limit'], ['kind=x', 'kind']]) {
    const r = await call(server.url, `/api/v1/org/nodes/${zoneId}/children?${q}`, { session: admin });
    assertChineseError(r, 422, 'validation_failed', field);
  }
  const empty = await call(server.url, '/api/v1/org/search?q=', { session: admin });
  assertChineseError(empty, 422, 'validation_failed', 'q');
  const long = await call(server.url, `/api/v1/org/search?q=${'字'.repeat(51)}`, { session: admin });
  assertChineseError(long, 422, 'validation_failed', 'q');
  const badPct = await call(server.url, '/api/v1/org/search?q=%E4%B', { session: admin });
  assert.equal(badPct.status, 400);
});

test('an oversized body gets 413 and changes nothing', async () => {
  const before = await unitCount();
  const big = JSON.stringify({ ...good(30), name: 'x'.repeat(2 * 1024 * 1024) });
  const r = await call(server.url, createPath, { method: 'POST', session: admin, body: big, headers: { 'content-type': 'application/json' } });
  assertChineseError(r, 413, 'payload_too_large');
  assert.equal(await unitCount(), before);
});

test('a 10 MB header gets 431 with a JSON message', async () => {
  const answer = await raw(async (sock) => {
    sock.write('GET /api/v1/version HTTP/1.1\r\nHost: x\r\nX-Big: ');
    const chunk = 'a'.repeat(64 * 1024);
    for (let i = 0; i < 160 && !sock.destroyed; i++) {
      if (!sock.write(chunk)) await new Promise((r) => { sock.once('drain', r); sock.once('close', r); });
    }
  });
  assert.match(answer, /^HTTP\/1\.1 431/);
  assert.match(answer, /请求头过大/);
});

test('too many header fields, garbage requests and bad paths', async () => {
  const many = Array.from({ length: 150 }, (_, i) => `X-H${i}: v\r\n`).join('');
  const a = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\n${many}\r\n`);
  assert.match(a, /^HTTP\/1\.1 431/);
  const b = await raw('THIS IS NOT HTTP\r\n\r\n');
  assert.match(b, /^HTTP\/1\.1 400/);
  const c = await raw('GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(c, /^HTTP\/1\.1 400/);
  assert.doesNotMatch(c, /root:/);
  const d = await raw('GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.match(d, /^HTTP\/1\.1 400/);
  const e = await call(server.url, '/api/v1/nope');
  assertChineseError(e, 404, 'not_found');
  const f = await call(server.url, '/api/v1/auth/me', { method: 'DELETE' });
  assertChineseError(f, 405, 'method_not_allowed');
});

test('security headers are on every answer', async () => {
  for (const p of ['/healthz', '/api/v1/org/scope', '/']) {
    const r = await call(server.url, p, { session: admin });
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    assert.ok(r.headers.get('x-request-id'));
  }
  const res = await fetch(server.url + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'center', password: 'Huoju@2024' }) });
  const cookie = res.headers.get('set-cookie');
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
});

test('the server is still up and answering', async () => {
  const r = await call(server.url, '/readyz');
  assert.equal(r.status, 200);
});
