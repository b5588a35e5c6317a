// The authorization matrix: every endpoint × every role (reviewers at three levels) × a target
// inside and outside the caller's scope, through a real server. A route that this table does
// not cover fails the test, so new endpoints must be added here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, login, startServer, runHuoju, makeUscc, DEMO_ACCOUNTS } from './lib.mjs';

let server;
const sessions = {};
let nodes;  // interesting node ids

// What each route means for the matrix: 'public' (no session), 'self' (any session, no
// target), 'scoped-read' (target node must be in scope, else 404), 'search' (results must
// stay in scope), 'admin-write' (only admin, target parent in scope).
const ROUTE_KINDS = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /api/v1/version': 'public',
  'POST /api/v1/auth/login': 'login',
  'POST /api/v1/auth/logout': 'logout',
  'GET /api/v1/auth/me': 'self',
  'GET /api/v1/org/scope': 'self',
  'GET /api/v1/org/search': 'search',
  'GET /api/v1/org/nodes/:id': 'scoped-read',
  'GET /api/v1/org/nodes/:id/children': 'scoped-read',
  'GET /api/v1/org/nodes/:id/path': 'scoped-read',
  'POST /api/v1/org/nodes': 'admin-write',
};

before(async () => {
  server = await startServer({ units: 400 });
  for (const u of DEMO_ACCOUNTS) sessions[u] = await login(server.url, u);
  const c = sessions.center;
  const find = async (q, kind) => {
    const r = await call(server.url, `/api/v1/org/search?q=${encodeURIComponent(q)}&kind=${kind}&limit=5`, { session: c });
    assert.equal(r.status, 200);
    assert.ok(r.body.items.length > 0, `no ${kind} matching ${q}`);
    return r.body.items[0];
  };
  const beijingUnit = (await call(server.url, `/api/v1/org/nodes/${sessions.bj_reviewer.user.scope.id}/children?limit=50`, { session: c })).body;
  nodes = {
    center: 1,
    guangdong: sessions.gd_reviewer.user.scope.id,
    beijing: sessions.bj_reviewer.user.scope.id,
    shenzhenCity: sessions.sz_city_reviewer.user.scope.id,
    shenzhenZone: sessions.sz_zone_reviewer.user.scope.id,
    demoUnit: sessions.unit_demo.user.scope.id,
    beijingCity: beijingUnit.items.find((n) => n.kind === 'city').id,
    guangzhouZone: (await find('广州高新', 'zone')).id,
    registryGd: sessions.registry_gd.user.scope.id,
  };
});

after(async () => {
  await server?.stop();
  server?.cleanup();
});

// A node inside and one outside each account's scope (null when everything is inside).
function targetsFor(user) {
  switch (user) {
    case 'admin': case 'center': return { inside: nodes.guangdong, outside: null };
    case 'gd_reviewer': return { inside: nodes.shenzhenZone, outside: nodes.beijing };
    case 'bj_reviewer': return { inside: nodes.beijingCity, outside: nodes.guangdong };
    case 'sz_city_reviewer': return { inside: nodes.shenzhenZone, outside: nodes.guangzhouZone };
    case 'sz_zone_reviewer': return { inside: nodes.demoUnit, outside: nodes.guangzhouZone };
    case 'registry_gd': return { inside: nodes.registryGd, outside: nodes.shenzhenZone };
    case 'unit_demo': return { inside: nodes.demoUnit, outside: nodes.shenzhenZone };
    default: throw new Error(user);
  }
}

test('every route is covered by the matrix', () => {
  const r = runHuoju(['routes']);
  assert.equal(r.code, 0);
  const routes = JSON.parse(r.stdout);
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    assert.ok(ROUTE_KINDS[key], `route ${key} has no row in the authorization matrix`);
  }
  assert.equal(routes.length, Object.keys(ROUTE_KINDS).length);
});

test('public routes answer without a session', async () => {
  for (const [key, kind] of Object.entries(ROUTE_KINDS)) {
    if (kind !== 'public') continue;
    const [method, path] = key.split(' ');
    const r = await call(server.url, path, { method });
    assert.equal(r.status, 200, key);
  }
});

test('session routes refuse requests without a session or with a forged one', async () => {
  for (const [key, kind] of Object.entries(ROUTE_KINDS)) {
    if (kind === 'public' || kind === 'login') continue;
    const [method, rawPath] = key.split(' ');
    const path = rawPath.replace(':id', String(nodes.guangdong)) + (kind === 'search' ? '?q=a' : '');
    const none = await call(server.url, path, { method, json: method === 'POST' ? {} : undefined });
    assert.equal(none.status, 401, `${key} without session`);
    assert.equal(none.body.error.code, 'unauthenticated');
    const forged = await call(server.url, path, {
      method, json: method === 'POST' ? {} : undefined,
      session: { token: 'f'.repeat(64), csrf: 'x' },
    });
    assert.equal(forged.status, 401, `${key} with forged session`);
  }
});

for (const user of DEMO_ACCOUNTS) {
  test(`matrix for ${user}`, async () => {
    const s = sessions[user];
    const { inside, outside } = targetsFor(user);
    for (const [key, kind] of Object.entries(ROUTE_KINDS)) {
      const [method, rawPath] = key.split(' ');
      if (kind === 'self') {
        const r = await call(server.url, rawPath, { session: s });
        assert.equal(r.status, 200, `${user} ${key}`);
        if (rawPath.endsWith('/scope')) assert.equal(r.body.id, s.user.scope.id);
        if (rawPath.endsWith('/me')) assert.equal(r.body.user.username, user);
      } else if (kind === 'scoped-read') {
        const ok = await call(server.url, rawPath.replace(':id', String(inside)), { session: s });
        assert.equal(ok.status, 200, `${user} ${key} inside`);
        if (outside !== null) {
          const no = await call(server.url, rawPath.replace(':id', String(outside)), { session: s });
          assert.equal(no.status, 404, `${user} ${key} outside must look absent`);
          assert.equal(no.body.error.code, 'not_found');
        }
        const absent = await call(server.url, rawPath.replace(':id', '999999999'), { session: s });
        assert.equal(absent.status, 404, `${user} ${key} absent`);
      } else if (kind === 'search') {
        for (const q of ['有限公司', '北京', '广州', '高新']) {
          const r = await call(server.url, `${rawPath}?q=${encodeURIComponent(q)}&limit=200`, { session: s });
          assert.equal(r.status, 200, `${user} ${key}`);
          for (const item of r.body.items) {
            // Every hit must be readable by the same account, i.e. inside its scope.
            const check = await call(server.url, `/api/v1/org/nodes/${item.id}`, { session: s });
            assert.equal(check.status, 200, `${user} search hit ${item.id} outside scope`);
          }
        }
        if (outside !== null && user === 'gd_reviewer') {
          const r = await call(server.url, `${rawPath}?q=${encodeURIComponent('北京')}`, { session: s });
          assert.equal(r.body.total, 0, 'a Guangdong reviewer finds nothing in Beijing');
        }
      } else if (kind === 'admin-write') {
        const body = (parent, n) => ({ parent_id: parent, kind: 'unit', name: `矩阵测试单位${user}${n}`,
          uscc: makeUscc(100000 + DEMO_ACCOUNTS.indexOf(user) * 10 + n), region_code: '440305', industry_code: '3911' });
        const r = await call(server.url, rawPath, { method, session: s, json: body(inside, 1) });
        if (user === 'admin') {
          assert.equal(r.status, 201, `${user} ${key} inside: ${JSON.stringify(r.body)}`);
        } else {
          assert.equal(r.status, 403, `${user} ${key} must be forbidden`);
          assert.equal(r.body.error.code, 'forbidden');
        }
        if (outside !== null) {
          const no = await call(server.url, rawPath, { method, session: s, json: body(outside, 2) });
          assert.ok(no.status === 403 || no.status === 422, `${user} ${key} outside: ${no.status}`);
        }
      }
    }
  });
}

test('writes need the CSRF token of the session', async () => {
  const s = sessions.admin;
  const body = { parent_id: nodes.shenzhenZone, kind: 'unit', name: 'CSRF测试单位', uscc: makeUscc(777), industry_code: '3911' };
  const missing = await call(server.url, '/api/v1/org/nodes', { method: 'POST', json: body, session: { token: s.token }, csrf: '' });
  assert.equal(missing.status, 403);
  assert.equal(missing.body.error.code, 'csrf_failed');
  const wrong = await call(server.url, '/api/v1/org/nodes', { method: 'POST', json: body, session: s, csrf: sessions.center.csrf });
  assert.equal(wrong.status, 403);
  const search = await call(server.url, `/api/v1/org/search?q=${encodeURIComponent('CSRF测试单位')}`, { session: s });
  assert.equal(search.body.total, 0, 'nothing was created');
});

test('logout ends the session and needs CSRF', async () => {
  const s = await login(server.url, 'gd_reviewer');
  const noCsrf = await call(server.url, '/api/v1/auth/logout', { method: 'POST', session: { token: s.token }, csrf: '' });
  assert.equal(noCsrf.status, 403);
  const out = await call(server.url, '/api/v1/auth/logout', { method: 'POST', session: s });
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
  const me = await call(server.url, '/api/v1/auth/me', { session: s });
  assert.equal(me.status, 401);
});
