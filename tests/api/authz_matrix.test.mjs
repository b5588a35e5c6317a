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
  // Survey workflow (see the filing matrix below).
  'GET /api/v1/periods': 'self',
  'GET /api/v1/notifications': 'self',
  'POST /api/v1/periods': 'center-write',
  'POST /api/v1/periods/:id/extensions': 'center-write',
  'GET /api/v1/tasks': 'unit-read',
  'GET /api/v1/catalog/:year/forms/:code': 'catalog-read',
  'GET /api/v1/catalog/:year/code-lists/:id': 'catalog-read',
  'GET /api/v1/filings/:id': 'filing-read',
  'GET /api/v1/filings/:id/history': 'filing-read',
  'GET /api/v1/filings/:id/diff': 'filing-read',
  'GET /api/v1/filings/:id/print': 'filing-read',
  'GET /api/v1/filings/:id/scan': 'filing-read',
  'PUT /api/v1/filings/:id/data': 'filing-write',
  'POST /api/v1/filings/:id/submit': 'filing-write',
  'POST /api/v1/filings/:id/withdraw': 'filing-write',
  'POST /api/v1/filings/:id/scan': 'filing-write',
  'POST /api/v1/filings/:id/approve': 'review-write',
  'POST /api/v1/filings/:id/return': 'review-write',
  'POST /api/v1/filings/:id/reopen': 'review-write',
  'POST /api/v1/filings/:id/explanation-decisions': 'review-write',
  'POST /api/v1/review/approve': 'review-batch',
  'GET /api/v1/review/queue': 'review-read',
  'GET /api/v1/progress': 'review-read',
  'GET /api/v1/progress/non-filers': 'review-read',
  'GET /api/v1/review/materials/:kind': 'review-read',
  // Excel workbooks (see checkWorkbookRoute).
  'GET /api/v1/workbooks/template': 'workbook',
  'POST /api/v1/workbooks/import': 'workbook',
  'GET /api/v1/summaries': 'review-read',
  'GET /api/v1/summaries/units': 'review-read',
  'GET /api/v1/summaries/yoy': 'review-read',
  'GET /api/v1/summaries/yoy/changes': 'review-read',
  // Background exports and jobs (see checkJobRoute).
  'POST /api/v1/exports': 'export',
  'GET /api/v1/jobs': 'self',
  'GET /api/v1/jobs/:id': 'job',
  'GET /api/v1/jobs/:id/file': 'job',
  'DELETE /api/v1/jobs/:id': 'job',
  // Accounts and sessions (see the account matrix below).
  'POST /api/v1/auth/password': 'account-self',
  'POST /api/v1/auth/password-reset': 'reset-public',
  'GET /api/v1/auth/sessions': 'account-self',
  'DELETE /api/v1/auth/sessions/:id': 'account-self',
  'POST /api/v1/auth/logout-all': 'account-self',
  'POST /api/v1/accounts/:id/password-reset': 'account-admin',
  'GET /api/v1/accounts/:id/sessions': 'account-admin',
  'POST /api/v1/accounts/:id/sessions/end': 'account-admin',
  // Registration and administration (see the identity matrix below).
  'GET /api/v1/modules': 'self',
  'GET /api/v1/registrations/zones': 'registration-public',
  'POST /api/v1/registrations/units': 'registration-public',
  'POST /api/v1/registrations/status': 'registration-public',
  'POST /api/v1/registrations/persons': 'registration-public',
  'GET /api/v1/registrations': 'registration-review',
  'GET /api/v1/registrations/:id': 'registration-review',
  'POST /api/v1/registrations/:id/approve': 'registration-review',
  'POST /api/v1/registrations/:id/reject': 'registration-review',
  'GET /api/v1/unit/accounts': 'unit-admin',
  'POST /api/v1/unit/accounts': 'unit-admin',
  'PUT /api/v1/unit/accounts/:id/modules': 'unit-admin',
  'POST /api/v1/unit/accounts/:id/disable': 'unit-admin',
  'POST /api/v1/unit/accounts/:id/enable': 'unit-admin',
  'GET /api/v1/unit/persons': 'unit-admin',
  'POST /api/v1/unit/persons/:id/grant': 'unit-admin',
  'POST /api/v1/unit/persons/:id/withdraw': 'unit-admin',
  'GET /api/v1/person/links': 'person',
  'POST /api/v1/person/links': 'person',
  'POST /api/v1/org/nodes/:id/move': 'org-edit',
  'POST /api/v1/org/nodes/:id/merge': 'org-edit',
  'POST /api/v1/org/nodes/:id/close': 'org-edit',
  'POST /api/v1/org/nodes/:id/reopen': 'org-edit',
  'GET /api/v1/org/nodes/:id/history': 'org-edit',
  'GET /api/v1/accounts': 'accounts-manage',
  'POST /api/v1/accounts': 'accounts-manage',
  'GET /api/v1/accounts/:id': 'accounts-manage',
  'PATCH /api/v1/accounts/:id': 'accounts-manage',
  'GET /api/v1/audit-log': 'audit-read',
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
  await setupFilings();
  await setupIdentity();
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
    if (kind === 'public' || kind === 'login' || kind === 'reset-public' || kind === 'registration-public') continue;
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
      if (FILING_KINDS.has(kind)) {
        await checkFilingRoute(user, s, method, rawPath, kind);
      } else if (kind === 'workbook') {
        await checkWorkbookRoute(user, s, method, rawPath);
      } else if (kind === 'export' || kind === 'job') {
        await checkJobRoute(user, s, method, rawPath, kind);
      } else if (ACCOUNT_KINDS.has(kind)) {
        await checkAccountRoute(user, s, method, rawPath, kind);
      } else if (IDENTITY_KINDS.has(kind)) {
        await checkIdentityRoute(user, s, method, rawPath, kind);
      } else if (kind === 'self') {
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

// ---- the survey workflow: who may do what to which filing ------------------------------------
const FILING_KINDS = new Set(['center-write', 'unit-read', 'catalog-read', 'filing-read',
  'filing-write', 'review-write', 'review-batch', 'review-read']);
const REVIEWERS = ['gd_reviewer', 'bj_reviewer', 'sz_city_reviewer', 'sz_zone_reviewer'];
// Who sees the demo unit's filing (in Shenzhen, Guangdong).
const SEES_DEMO = new Set(['unit_demo', 'sz_zone_reviewer', 'sz_city_reviewer', 'gd_reviewer', 'center']);
let filings;  // {demo: id of unit_demo's GQ-002, beijing: id of a Beijing unit's GQ-002}

async function setupFilings() {
  const unit = sessions.unit_demo;
  const tasks = await call(server.url, '/api/v1/tasks', { session: unit });
  const demo = tasks.body.items.find((t) => t.form_code === 'GQ-002' && t.period === '2024').id;
  const saved = await call(server.url, `/api/v1/filings/${demo}/data`, {
    method: 'PUT', session: unit, json: { version: 0, values: { qc05_0: 1000, qc24: 2000 } } });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  const pdf = await fetch(`${server.url}/api/v1/filings/${demo}/print`, { headers: { cookie: `huoju_session=${unit.token}` } });
  const scan = await call(server.url, `/api/v1/filings/${demo}/scan`, {
    method: 'POST', session: unit, body: Buffer.from(await pdf.arrayBuffer()), headers: { 'content-type': 'application/pdf' } });
  assert.equal(scan.status, 200, JSON.stringify(scan.body));
  const bj = await call(server.url, `/api/v1/progress/non-filers?form=GQ-002&period=2024&node=${nodes.beijing}&limit=1`, { session: sessions.center });
  filings = { demo, beijing: bj.body.items[0].filing_id };
}

// The answer each account must get: 403 when its role may not, 404 when the filing is out of
// its scope, else the route's own answer (checked loosely: the call got past authorization).
async function checkFilingRoute(user, s, method, rawPath, kind) {
  const isReviewer = REVIEWERS.includes(user) || user === 'center';
  const path = (id) => rawPath.replace(':year', '2024').replace(':code', 'GQ-002')
    .replace(':id', String(id));
  const passed = (r, what) => assert.ok(r.status !== 401 && r.status !== 403 && r.status !== 404,
    `${user} ${method} ${rawPath} ${what}: ${r.status} ${JSON.stringify(r.body)}`);
  const denied = (r, status, what) => assert.equal(r.status, status,
    `${user} ${method} ${rawPath} ${what}: ${JSON.stringify(r.body)}`);
  switch (kind) {
    case 'center-write': {
      const body = rawPath.endsWith('extensions') ? { org_node_id: nodes.guangdong, reason: '' } : { form_code: 'GQ-002', period: '2024' };
      const r = await call(server.url, path(1), { method, session: s, json: body });
      if (user === 'center') passed(r, '(center)'); else denied(r, 403, 'only the center');
      return;
    }
    case 'unit-read': {
      const r = await call(server.url, path(0), { session: s });
      if (user === 'unit_demo') {
        assert.equal(r.status, 200);
        assert.ok(r.body.items.every((t) => t.unit.id === s.user.scope.id), 'tasks of the own unit only');
      } else denied(r, 403, 'only units');
      return;
    }
    case 'catalog-read': {
      const r = await call(server.url, path('gbt4754'), { session: s });
      const formRoute = rawPath.includes('/forms/');
      if (formRoute && (user === 'admin' || user === 'registry_gd')) denied(r, 403, 'no survey role');
      else assert.equal(r.status, 200, `${user} ${rawPath}`);
      return;
    }
    case 'filing-read':
    case 'filing-write':
    case 'review-write': {
      const roleOk = kind === 'filing-read' ? (user === 'unit_demo' || isReviewer)
        : kind === 'filing-write' ? user === 'unit_demo' : isReviewer;
      // Bodies that pass validation but change nothing (stale version, wrong state, junk scan).
      const body = {
        '/data': { json: { version: 999, values: {} } },
        '/submit': { json: { version: 999 } },
        '/withdraw': { json: {} },
        '/approve': { json: { version: 999 } },
        '/return': { json: { version: 999, reason: '矩阵测试', pins: [] } },
        '/reopen': { json: { reason: '矩阵测试' } },
        '/explanation-decisions': { json: { rule_id: 'GQ002-R03', accepted: true } },
        '/scan': method === 'POST' ? { body: 'not a scan', headers: { 'content-type': 'image/png' } } : {},
      }[Object.keys({ '/data': 1, '/submit': 1, '/withdraw': 1, '/approve': 1, '/return': 1, '/reopen': 1,
        '/explanation-decisions': 1, '/scan': 1 }).find((k) => rawPath.endsWith(k))] ?? {};
      for (const [target, id] of [['demo', filings.demo], ['beijing', filings.beijing], ['absent', 999999999]]) {
        const r = await call(server.url, path(id), { method, session: s, ...body });
        if (!roleOk) { denied(r, 403, `role (${target})`); continue; }
        const inScope = target === 'demo' ? SEES_DEMO.has(user)
          : target === 'beijing' ? (user === 'bj_reviewer' || user === 'center') : false;
        // The Beijing filing has no scan yet: that 404 says so, unlike an out-of-scope one.
        const noScanYet = target === 'beijing' && r.status === 404 && r.body.error.message === '尚未上传扫描件';
        if (inScope) { if (!noScanYet) passed(r, target); } else denied(r, 404, `${target} must look absent`);
      }
      if (kind !== 'filing-read') {
        const after = await call(server.url, `/api/v1/filings/${filings.demo}`, { session: sessions.center });
        assert.equal(after.body.version, 1, 'nothing changed');
        assert.equal(after.body.state, 'draft', 'nothing changed');
      }
      return;
    }
    case 'review-batch': {
      const r = await call(server.url, path(0), { method, session: s, json: { ids: [filings.demo, filings.beijing] } });
      if (!isReviewer) { denied(r, 403, 'only reviewers'); return; }
      assert.equal(r.status, 200);
      assert.equal(r.body.approved, 0, 'nothing is waiting, nothing approved');
      return;
    }
    case 'review-read': {
      const q = 'form=GQ-002&period=2024';
      const r = await call(server.url, `${rawPath.replace(':kind', 'yoy')}?${q}`, { session: s });
      if (!isReviewer) { denied(r, 403, 'only reviewers'); return; }
      assert.equal(r.status, 200, `${user} ${rawPath}`);
      if (rawPath.endsWith('/queue')) {
        const all = await call(server.url, `${path(0)}?${q}&state=all&limit=500`, { session: s });
        for (const item of all.body.items) {
          const check = await call(server.url, `/api/v1/filings/${item.id}`, { session: s });
          assert.equal(check.status, 200, `${user} queue item ${item.id} outside scope`);
        }
      } else {
        const { outside } = targetsFor(user);
        if (outside !== null) {
          const no = await call(server.url, `${rawPath.replace(':kind', 'yoy')}?${q}&node=${outside}`, { session: s });
          denied(no, 404, 'progress outside scope');
        }
      }
      return;
    }
    default:
      throw new Error(kind);
  }
}

// ---- background exports: reviewers and the center in scope; a job only for its owner ---------
const EXPORTERS = new Set(['center', 'gd_reviewer', 'bj_reviewer', 'sz_city_reviewer', 'sz_zone_reviewer']);
let centerJob;  // a finished export of the center, which nobody else may see

async function waitJob(s, id) {
  for (let i = 0; i < 300; i++) {
    const r = await call(server.url, `/api/v1/jobs/${id}`, { session: s });
    if (!['queued', 'running'].includes(r.body.state)) return r.body;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`job ${id} did not end`);
}

async function checkJobRoute(user, s, method, rawPath, kind) {
  const q = 'what=summary&format=csv&form=GQ-002&period=2024&state=all';
  if (kind === 'export') {
    const r = await call(server.url, `${rawPath}?${q}`, { method, session: s });
    if (!EXPORTERS.has(user)) {
      assert.equal(r.status, 403, `${user} may not export: ${r.status}`);
      return;
    }
    assert.equal(r.status, 202, `${user} export: ${JSON.stringify(r.body)}`);
    assert.equal((await waitJob(s, r.body.id)).state, 'done');
    const { outside } = targetsFor(user);
    if (outside !== null) {
      const no = await call(server.url, `${rawPath}?${q}&node=${outside}`, { method, session: s });
      assert.equal(no.status, 404, `${user} export outside scope`);
    }
    return;
  }
  if (!centerJob) {
    const r = await call(server.url, `/api/v1/exports?${q}`, { method: 'POST', session: sessions.center });
    assert.equal(r.status, 202);
    centerJob = (await waitJob(sessions.center, r.body.id)).id;
  }
  const target = rawPath.replace(':id', centerJob);
  if (user === 'center') {
    if (method === 'DELETE') {  // the center deletes a job of its own, not the shared one
      const r = await call(server.url, `/api/v1/exports?${q}`, { method: 'POST', session: s });
      const id = (await waitJob(s, r.body.id)).id;
      assert.equal((await call(server.url, rawPath.replace(':id', id), { method, session: s })).status, 200);
      return;
    }
    const r = await call(server.url, target, { method, session: s });
    assert.equal(r.status, 200, `center ${method} ${rawPath}`);
    return;
  }
  const r = await call(server.url, target, { method, session: s });
  assert.equal(r.status, 404, `${user} ${method} ${rawPath} of another account's job`);
  const absent = await call(server.url, rawPath.replace(':id', 'f'.repeat(32)), { method, session: s });
  assert.equal(absent.status, 404);
}

// ---- Excel workbooks: a unit's template for the unit itself and reviewers in scope, batch ----
// templates of a scope and imports for reviewers only.
async function checkWorkbookRoute(user, s, method, rawPath) {
  const isReviewer = REVIEWERS.includes(user) || user === 'center';
  const what = (r, m) => `${user} ${method} ${rawPath} ${m}: ${r.status} ${String(JSON.stringify(r.body)).slice(0, 300)}`;
  if (method === 'POST') {
    const r = await call(server.url, rawPath, { method, session: s, body: 'not a workbook',
      headers: { 'content-type': 'application/octet-stream' } });
    // Reviewers (batches, units in scope) and the unit itself (its own workbook) get as far as
    // reading the file; everyone else is refused before.
    if (isReviewer || user === 'unit_demo') assert.equal(r.status, 422, what(r, 'junk upload'));
    else assert.equal(r.status, 403, what(r, 'no survey role'));
    return;
  }
  const q = 'form=GQ-002&period=2024';
  const unit = await call(server.url, `${rawPath}?${q}&layout=unit&unit=${sessions.unit_demo.user.scope.id}`, { session: s });
  if (user === 'unit_demo' || (isReviewer && SEES_DEMO.has(user))) assert.equal(unit.status, 200, what(unit, 'unit template in scope'));
  else if (isReviewer) assert.equal(unit.status, 404, what(unit, 'unit template outside scope'));
  else assert.equal(unit.status, 403, what(unit, 'no survey role'));
  const batch = await call(server.url, `${rawPath}?${q}&layout=batch`, { session: s });
  if (isReviewer) assert.equal(batch.status, 200, what(batch, 'batch of the own scope'));
  else assert.equal(batch.status, 403, what(batch, 'only reviewers'));
  const { outside } = targetsFor(user);
  if (isReviewer && outside !== null) {
    const no = await call(server.url, `${rawPath}?${q}&layout=batch&node=${outside}`, { session: s });
    assert.equal(no.status, 404, what(no, 'batch outside scope'));
  }
}

// ---- accounts and sessions: own sessions for everyone, other accounts for the admin only -----
const ACCOUNT_KINDS = new Set(['account-self', 'account-admin', 'reset-public']);

async function checkAccountRoute(user, s, method, rawPath, kind) {
  const what = (r, note) => `${user} ${method} ${rawPath} ${note}: ${r.status} ${JSON.stringify(r.body)}`;
  const listOwn = async () => (await call(server.url, '/api/v1/auth/sessions', { session: s })).body.items;
  switch (kind) {
    case 'reset-public': {
      // No session needed; a bad token changes nothing (tried once: it counts against the address).
      const body = user === 'admin' ? { token: 'f'.repeat(64), new_password: 'Lantern-River-42' } : { token: 'f'.repeat(64) };
      const r = await call(server.url, rawPath, { method, json: body });
      assert.equal(r.status, 422, what(r, 'bad token'));
      return;
    }
    case 'account-self': {
      if (rawPath.endsWith('/password')) {
        const r = await call(server.url, rawPath, { method, session: s, json: { current_password: 'x' } });
        assert.equal(r.status, 422, what(r, 'incomplete'));
        assert.equal(r.body.error.details.field, 'new_password');
      } else if (method === 'GET') {
        const r = await call(server.url, rawPath, { session: s });
        assert.equal(r.status, 200, what(r, 'own'));
        assert.equal(r.body.items.filter((x) => x.current).length, 1);
      } else if (method === 'DELETE') {
        const before = await listOwn();
        const fresh = await login(server.url, user);
        const added = (await listOwn()).find((x) => !before.some((b) => b.id === x.id));
        const r = await call(server.url, rawPath.replace(':id', added.id), { method, session: s });
        assert.equal(r.status, 200, what(r, 'own session'));
        assert.equal((await call(server.url, '/api/v1/auth/me', { session: fresh })).status, 401);
        const again = await call(server.url, rawPath.replace(':id', added.id), { method, session: s });
        assert.equal(again.status, 404, what(again, 'ended already'));
      } else {  // logout-all: ends this session too, so log in again in place
        const r = await call(server.url, rawPath, { method, session: s });
        assert.equal(r.status, 200, what(r, 'own'));
        assert.equal((await call(server.url, '/api/v1/auth/me', { session: s })).status, 401);
        Object.assign(s, await login(server.url, user));
      }
      return;
    }
    case 'account-admin': {
      const target = sessions.registry_gd.user.id;
      const r = await call(server.url, rawPath.replace(':id', String(target)), { method, session: s });
      if (user !== 'admin') {
        assert.equal(r.status, 403, what(r, 'only the admin'));
        assert.equal(r.body.error.code, 'forbidden');
        return;
      }
      assert.equal(r.status, rawPath.endsWith('/password-reset') ? 201 : 200, what(r, 'in scope'));
      if (rawPath.endsWith('/end')) {
        assert.equal((await call(server.url, '/api/v1/auth/me', { session: sessions.registry_gd })).status, 401);
        Object.assign(sessions.registry_gd, await login(server.url, 'registry_gd'));
      }
      const absent = await call(server.url, rawPath.replace(':id', '999999999'), { method, session: s });
      assert.equal(absent.status, 404, what(absent, 'absent'));
      return;
    }
    default:
      throw new Error(kind);
  }
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

// ---- registration and administration ---------------------------------------------------------
const IDENTITY_KINDS = new Set(['registration-public', 'registration-review', 'unit-admin', 'person',
  'org-edit', 'accounts-manage', 'audit-read']);
// Who may review the demo registration (placed in the Shenzhen zone): the chain above it.
const REVIEWS_SZ = new Set(['sz_zone_reviewer', 'sz_city_reviewer', 'gd_reviewer', 'center', 'admin']);
const REVIEW_ROLES = new Set([...REVIEWS_SZ, 'bj_reviewer']);
let registrationId;  // a rejected application in the Shenzhen zone: deciding it again is 409
let person;          // a personal account's session

async function setupIdentity() {
  const r = await call(server.url, '/api/v1/registrations/units', { method: 'POST', json: {
    uscc: makeUscc(900001), name: '矩阵注册测试有限公司', region_code: '440305', zone_id: nodes.shenzhenZone,
    contact_name: '赵六', contact_phone: '13700137000', contact_email: 'z@example.com',
    admin_username: 'matrix_reg', admin_password: 'Lantern-River-42' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  registrationId = r.body.id;
  const rej = await call(server.url, `/api/v1/registrations/${registrationId}/reject`, { method: 'POST', session: sessions.center, json: { reason: '矩阵测试' } });
  assert.equal(rej.status, 200, JSON.stringify(rej.body));
  const p = await call(server.url, '/api/v1/registrations/persons', { method: 'POST', json: {
    username: 'matrix_person', display_name: '矩阵个人', password: 'Lantern-River-42', id_type: 'passport',
    id_number: 'E12345678', phone: '13700137001', email: 'p@example.com' } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  person = await login(server.url, 'matrix_person', 'Lantern-River-42');
}

async function checkIdentityRoute(user, s, method, rawPath, kind) {
  const what = (r, note) => `${user} ${method} ${rawPath} ${note}: ${r.status} ${JSON.stringify(r.body)}`;
  const forbidden = (r, note) => { assert.equal(r.status, 403, what(r, note)); assert.equal(r.body.error.code, 'forbidden', what(r, note)); };
  const json = method === 'GET' ? undefined : {};
  switch (kind) {
    case 'registration-public': {
      // No session needed; incomplete input changes nothing (and a wrong status token looks absent).
      if (method === 'GET') {
        const r = await call(server.url, `${rawPath}?region_code=440305`);
        assert.equal(r.status, 200, what(r, 'zones'));
      } else if (rawPath.endsWith('/status')) {
        const r = await call(server.url, rawPath, { method, json: { id: registrationId, status_token: 'x' } });
        assert.equal(r.status, 404, what(r, 'wrong token'));
      } else {
        const r = await call(server.url, rawPath, { method, json: {} });
        assert.equal(r.status, 422, what(r, 'incomplete'));
      }
      return;
    }
    case 'registration-review': {
      const path = rawPath.replace(':id', String(registrationId));
      const body = rawPath.endsWith('/reject') ? { reason: '矩阵' } : json;
      const r = await call(server.url, path, { method, session: s, json: body });
      if (!REVIEW_ROLES.has(user)) { forbidden(r, 'role'); return; }
      if (rawPath === '/api/v1/registrations') {
        assert.equal(r.status, 200, what(r, 'list'));
        const all = await call(server.url, `${rawPath}?status=all&limit=200`, { session: s });
        assert.equal(all.body.items.some((x) => x.id === registrationId), REVIEWS_SZ.has(user), what(all, 'list scope'));
        return;
      }
      if (!REVIEWS_SZ.has(user)) assert.equal(r.status, 404, what(r, 'outside must look absent'));
      else assert.equal(r.status, method === 'GET' ? 200 : 409, what(r, 'decided already'));
      const absent = await call(server.url, rawPath.replace(':id', '999999999'), { method, session: s, json: body });
      assert.equal(absent.status, 404, what(absent, 'absent'));
      return;
    }
    case 'unit-admin': {
      const r = await call(server.url, rawPath.replace(':id', '999999999'), { method, session: s,
        json: rawPath.endsWith('/modules') || rawPath.endsWith('/grant') ? { modules: ['survey'] } : json });
      if (user !== 'unit_demo') { forbidden(r, 'only a unit administrator'); return; }
      const expected = method === 'GET' ? 200 : rawPath === '/api/v1/unit/accounts' ? 422 : 404;
      assert.equal(r.status, expected, what(r, 'unit administrator'));
      return;
    }
    case 'person': {
      const r = await call(server.url, rawPath, { method, session: s, json });
      forbidden(r, 'only persons');
      if (user === 'unit_demo') {  // once: the person itself gets through
        const own = await call(server.url, rawPath, { method, session: person, json });
        assert.equal(own.status, method === 'GET' ? 200 : 422, what(own, 'person'));
      }
      return;
    }
    case 'org-edit': {
      const { inside } = targetsFor(user);
      const r = await call(server.url, rawPath.replace(':id', String(inside)), { method, session: s, json });
      if (user !== 'admin') { forbidden(r, 'only the admin'); return; }
      assert.equal(r.status, method === 'GET' ? 200 : 422, what(r, 'admin, incomplete body'));
      const full = rawPath.endsWith('/move') ? { parent_id: 1, reason: '矩阵' } : rawPath.endsWith('/merge') ? { into_id: 1, reason: '矩阵' }
        : method === 'GET' ? undefined : { reason: '矩阵' };
      const absent = await call(server.url, rawPath.replace(':id', '999999999'), { method, session: s, json: full });
      assert.equal(absent.status, 404, what(absent, 'absent'));
      return;
    }
    case 'accounts-manage': {
      const target = sessions.registry_gd.user.id;
      const r = await call(server.url, rawPath.replace(':id', String(target)), { method, session: s, json });
      if (user !== 'admin') { forbidden(r, 'only the admin'); return; }
      assert.equal(r.status, method === 'POST' ? 422 : 200, what(r, 'admin'));
      if (rawPath.includes(':id')) {
        const absent = await call(server.url, rawPath.replace(':id', '999999999'), { method, session: s, json });
        assert.equal(absent.status, 404, what(absent, 'absent'));
      }
      return;
    }
    case 'audit-read': {
      const r = await call(server.url, rawPath, { session: s });
      if (user !== 'admin') { forbidden(r, 'only the admin'); return; }
      assert.equal(r.status, 200, what(r, 'admin'));
      return;
    }
    default:
      throw new Error(kind);
  }
}
