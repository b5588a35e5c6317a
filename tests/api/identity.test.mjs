// Unified identity through a real server (issue 7): unit registration with USCC checks and
// review in scope, one login across modules and one logout, sub-accounts with module grants,
// personal accounts authorised by a unit, org editing with history, account management and
// the audit-log viewer with exports. On SQLite and, when the test cluster is there, PostgreSQL.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { call, login, startServer, makeUscc } from './lib.mjs';

const BACKENDS = ['sqlite', ...(process.env.HUOJU_TEST_PG_URL ? ['postgresql'] : [])];
const STRONG = 'Lantern-River-42';

for (const backend of BACKENDS) {
  describe(`identity on ${backend}`, () => {
    let server;
    const s = {};
    const post = (path, session, json, extra = {}) => call(server.url, path, { method: 'POST', session, json, ...extra });
    const get = (path, session) => call(server.url, path, { session });

    before(async () => {
      server = await startServer({ backend, units: 60 });
      for (const u of ['admin', 'center', 'sz_zone_reviewer', 'bj_reviewer', 'unit_demo']) s[u] = await login(server.url, u);
      const opened = await post('/api/v1/periods', s.center, { form_code: 'GQ-002', period: '2024' });
      assert.ok(opened.status === 201 || opened.status === 409, JSON.stringify(opened.body));
    });
    after(async () => { await server?.stop(); server?.cleanup(); });

    const application = (n, zone) => ({
      uscc: makeUscc(500000 + n), name: `深圳市身份测试${n}科技有限公司`, region_code: '440305', zone_id: zone,
      contact_name: '李四', contact_phone: '0755-26880000', contact_email: 'li@example.com',
      admin_username: `idt_${backend.slice(0, 2)}_${n}`, admin_password: STRONG,
    });

    test('registration: bad USCC named, approval in scope, one login reaches the modules, one logout ends it', async () => {
      const zone = s.sz_zone_reviewer.user.scope.id;
      const zones = await get('/api/v1/registrations/zones?region_code=440305');
      assert.equal(zones.status, 200);
      assert.ok(zones.body.items.some((z) => z.id === zone), JSON.stringify(zones.body));
      const unknown = await get('/api/v1/registrations/zones?region_code=000000');
      assert.equal(unknown.status, 422);
      assert.equal(unknown.body.error.details.field, 'region_code');

      const good = application(1, zone);
      const badUscc = { ...good, uscc: good.uscc.slice(0, 17) + (good.uscc[17] === '0' ? '1' : '0') };
      const refused = await post('/api/v1/registrations/units', null, badUscc);
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error.details.field, 'uscc');
      assert.match(refused.body.error.message, /校验/);

      const submitted = await post('/api/v1/registrations/units', null, good);
      assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
      const { id, status_token: token } = submitted.body;
      const st = await post('/api/v1/registrations/status', null, { id, status_token: token });
      assert.equal(st.body.status, 'pending');
      assert.equal(st.body.status_name, '待审核');
      assert.equal(st.body.contact_phone, undefined, 'no contact details for the status query');
      const wrong = await post('/api/v1/registrations/status', null, { id, status_token: 'f'.repeat(64) });
      assert.equal(wrong.status, 404);

      assert.equal((await get(`/api/v1/registrations/${id}`, s.bj_reviewer)).status, 404, 'out of scope looks absent');
      assert.equal((await post(`/api/v1/registrations/${id}/approve`, s.bj_reviewer, {})).status, 404);
      assert.equal((await get('/api/v1/registrations', s.unit_demo)).status, 403);
      const queue = await get('/api/v1/registrations?status=pending', s.sz_zone_reviewer);
      assert.equal(queue.status, 200);
      assert.ok(queue.body.items.some((r) => r.id === id && r.contact_phone === '0755-26880000'));

      const approved = await post(`/api/v1/registrations/${id}/approve`, s.sz_zone_reviewer, {});
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      assert.equal(approved.body.unit.parent_id, zone);
      assert.ok(approved.body.tasks_created >= 1, 'tasks of the open periods at once');
      assert.equal((await post(`/api/v1/registrations/${id}/approve`, s.sz_zone_reviewer, {})).status, 409);
      assert.equal((await post('/api/v1/registrations/status', null, { id, status_token: token })).body.status, 'approved');

      const admin = await login(server.url, good.admin_username, STRONG);
      assert.equal(admin.user.unit_admin, true);
      assert.deepEqual(admin.user.modules.map((m) => m.code), ['survey', 'contract', 'achievement', 'institution', 'certification']);
      // One session: the survey module and the unit's account administration.
      const tasks = await get('/api/v1/tasks', admin);
      assert.equal(tasks.status, 200);
      assert.equal(tasks.body.items.length, approved.body.tasks_created);
      assert.ok(tasks.body.items.some((t) => t.form_code === 'GQ-002' && t.period === '2024'));
      assert.equal((await get(`/api/v1/filings/${tasks.body.items[0].id}`, admin)).status, 200);
      assert.equal((await get('/api/v1/unit/accounts', admin)).status, 200);
      assert.equal((await post('/api/v1/auth/logout', admin, {})).status, 200);
      for (const path of ['/api/v1/tasks', `/api/v1/filings/${tasks.body.items[0].id}`, '/api/v1/unit/accounts', '/api/v1/auth/me']) {
        assert.equal((await get(path, admin)).status, 401, `${path} after logout`);
      }
    });

    test('rejection with a reason; the applicant sees it', async () => {
      const r = await post('/api/v1/registrations/units', null, application(2, null));
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const noReason = await post(`/api/v1/registrations/${r.body.id}/reject`, s.center, {});
      assert.equal(noReason.status, 422);
      assert.equal(noReason.body.error.details.field, 'reason');
      const rejected = await post(`/api/v1/registrations/${r.body.id}/reject`, s.center, { reason: '名称与营业执照不一致' });
      assert.equal(rejected.status, 200);
      const st = await post('/api/v1/registrations/status', null, { id: r.body.id, status_token: r.body.status_token });
      assert.equal(st.body.status, 'rejected');
      assert.equal(st.body.reason, '名称与营业执照不一致');
    });

    test('sub-accounts: module grants decide, disabling ends the session', async () => {
      const unit = s.unit_demo;
      const created = await post('/api/v1/unit/accounts', unit, { username: `sub_${backend}`, display_name: '填报人甲', password: STRONG, modules: ['contract'] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const bad = await post('/api/v1/unit/accounts', unit, { username: `sub2_${backend}`, display_name: '乙', password: STRONG, modules: ['nope'] });
      assert.equal(bad.status, 422);
      assert.equal(bad.body.error.details.field, 'modules');
      let sub = await login(server.url, `sub_${backend}`, STRONG);
      assert.deepEqual(sub.user.modules.map((m) => m.code), ['contract']);
      assert.equal(sub.user.unit_admin, false);
      assert.equal((await get('/api/v1/tasks', sub)).status, 403, 'no survey module, no filling');
      assert.equal((await get('/api/v1/unit/accounts', sub)).status, 403);
      const granted = await call(server.url, `/api/v1/unit/accounts/${created.body.id}/modules`, { method: 'PUT', session: unit, json: { modules: ['survey', 'contract'] } });
      assert.equal(granted.status, 200);
      assert.equal((await get('/api/v1/tasks', sub)).status, 200, 'the grant reaches the live session');
      const me = await get('/api/v1/auth/me', sub);
      assert.deepEqual(me.body.user.modules.map((m) => m.code), ['survey', 'contract']);
      // Another unit's administrator: the id looks absent.
      const other = await post(`/api/v1/unit/accounts/${created.body.id}/disable`, s.sz_zone_reviewer, {});
      assert.equal(other.status, 403);
      const disabled = await post(`/api/v1/unit/accounts/${created.body.id}/disable`, unit, {});
      assert.equal(disabled.status, 200);
      assert.equal(disabled.body.status, 'disabled');
      assert.equal((await get('/api/v1/auth/me', sub)).status, 401);
      await assert.rejects(login(server.url, `sub_${backend}`, STRONG));
      assert.equal((await post(`/api/v1/unit/accounts/${created.body.id}/enable`, unit, {})).status, 200);
      sub = await login(server.url, `sub_${backend}`, STRONG);
      assert.equal(sub.user.kind, 'sub');
    });

    test('personal accounts: ID checks, the unit grants and withdraws', async () => {
      const base = { username: `person_${backend}`, display_name: '王五', password: STRONG, id_type: 'resident_id',
        id_number: backend === 'sqlite' ? '11010519491231002X' : '360426199101010071', phone: '13900139000', email: 'ww@example.com' };
      const badId = await post('/api/v1/registrations/persons', null, { ...base, id_number: '110105194912310021' });
      assert.equal(badId.status, 422);
      assert.equal(badId.body.error.details.field, 'id_number');
      const badType = await post('/api/v1/registrations/persons', null, { ...base, id_type: 'driver' });
      assert.equal(badType.body.error.details.field, 'id_type');
      const hk = await post('/api/v1/registrations/persons', null, { ...base, username: `hk_${backend}`, id_type: 'hk_macao_permit', id_number: 'H1234567' });
      assert.equal(hk.status, 422);
      const created = await post('/api/v1/registrations/persons', null, base);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const again = await post('/api/v1/registrations/persons', null, { ...base, username: `person2_${backend}` });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.details.field, 'id_number');

      const person = await login(server.url, base.username, STRONG);
      assert.equal(person.user.role, 'person');
      assert.deepEqual(person.user.modules, []);
      assert.equal((await get('/api/v1/org/scope', person)).status, 403);
      const uscc = (await get(`/api/v1/org/nodes/${s.unit_demo.user.scope.id}`, s.unit_demo)).body.uscc;
      const link = await post('/api/v1/person/links', person, { uscc });
      assert.equal(link.status, 201, JSON.stringify(link.body));
      const persons = await get('/api/v1/unit/persons', s.unit_demo);
      const row = persons.body.items.find((p) => p.id === link.body.id);
      assert.equal(row.status, 'requested');
      assert.match(row.id_number, /^\d{4}\*+\w{4}$/, 'the ID number is masked');
      const grant = await post(`/api/v1/unit/persons/${link.body.id}/grant`, s.unit_demo, { modules: ['achievement'] });
      assert.equal(grant.status, 200, JSON.stringify(grant.body));
      const me = await get('/api/v1/auth/me', person);
      assert.deepEqual(me.body.user.modules.map((m) => m.code), ['achievement']);
      assert.equal(me.body.user.units[0].uscc, uscc);
      assert.equal((await post(`/api/v1/unit/persons/${link.body.id}/withdraw`, s.unit_demo, {})).status, 200);
      assert.deepEqual((await get('/api/v1/auth/me', person)).body.user.units, []);
    });

    test('org editing: move re-paths, history with reason and before/after, close and reopen', async () => {
      const a = s.admin;
      const made = await post('/api/v1/org/nodes', a, { parent_id: s.sz_zone_reviewer.user.scope.id, kind: 'unit', name: `移动测试单位${backend}`,
        uscc: makeUscc(600000 + backend.length), region_code: '440305', industry_code: '3911' });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      const gz = (await get(`/api/v1/org/search?q=${encodeURIComponent('广州')}&kind=zone&limit=1`, a)).body.items[0];
      const noReason = await post(`/api/v1/org/nodes/${made.body.id}/move`, a, { parent_id: gz.id });
      assert.equal(noReason.status, 422);
      assert.equal(noReason.body.error.details.field, 'reason');
      const intoItself = await post(`/api/v1/org/nodes/${gz.id}/move`, a, { parent_id: made.body.id, reason: 'x' });
      assert.equal(intoItself.status, 422);
      const moved = await post(`/api/v1/org/nodes/${made.body.id}/move`, a, { parent_id: gz.id, reason: '迁址' });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.equal(moved.body.parent_id, gz.id);
      assert.equal((await get(`/api/v1/org/nodes/${made.body.id}`, s.sz_zone_reviewer)).status, 404, 'left the Shenzhen zone');
      const closed = await post(`/api/v1/org/nodes/${made.body.id}/close`, a, { reason: '注销' });
      assert.equal(closed.body.status, 'closed');
      assert.equal((await post(`/api/v1/org/nodes/${made.body.id}/reopen`, a, { reason: '恢复' })).body.status, 'active');
      const history = await get(`/api/v1/org/nodes/${made.body.id}/history`, a);
      assert.deepEqual(history.body.items.map((h) => h.action), ['org.reopen', 'org.close', 'org.move', 'org.create']);
      assert.equal(history.body.items[2].reason, '迁址');
      assert.equal(history.body.items[2].before.parent_id, s.sz_zone_reviewer.user.scope.id);
      assert.equal(history.body.items[2].after.parent_id, gz.id);
      assert.equal((await get(`/api/v1/org/nodes/${made.body.id}/history`, s.center)).status, 403);
    });

    test('account management and the audit-log viewer with exports', async () => {
      const a = s.admin;
      const created = await post('/api/v1/accounts', a, { username: `acct_${backend}`, display_name: '新审核员', role: 'reviewer',
        scope_node_id: s.sz_zone_reviewer.user.scope.id, password: STRONG });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.must_change_password, true);
      const fresh = await login(server.url, `acct_${backend}`, STRONG);
      assert.equal((await get('/api/v1/review/queue?form=GQ-002&period=2024', fresh)).body.error.code, 'password_change_required');
      const unset = await call(server.url, `/api/v1/accounts/${created.body.id}`, { method: 'PATCH', session: a, json: { must_change_password: false } });
      assert.equal(unset.status, 422);
      const disabled = await call(server.url, `/api/v1/accounts/${created.body.id}`, { method: 'PATCH', session: a, json: { status: 'disabled' } });
      assert.equal(disabled.status, 200);
      assert.equal((await get('/api/v1/auth/me', fresh)).status, 401);
      const list = await get(`/api/v1/accounts?q=${encodeURIComponent('acct_')}`, a);
      assert.ok(list.body.items.some((x) => x.id === created.body.id && x.status === 'disabled'));
      assert.equal((await get('/api/v1/accounts', s.center)).status, 403);

      const log = await get(`/api/v1/audit-log?action=account.&user=${a.user.id}`, a);
      assert.equal(log.status, 200);
      assert.equal(log.body.items[0].action, 'account.update');
      assert.equal(log.body.items[0].detail.after.status, 'disabled');
      const badDate = await get('/api/v1/audit-log?from=2025-13-01', a);
      assert.equal(badDate.status, 422);
      assert.equal(badDate.body.error.details.field, 'from');
      const csv = await fetch(`${server.url}/api/v1/audit-log?action=account.&format=csv`, { headers: { cookie: `huoju_session=${a.token}` } });
      assert.equal(csv.status, 200);
      assert.match(csv.headers.get('content-type'), /text\/csv/);
      assert.match(await csv.text(), /account\.update/);
      const xlsx = await fetch(`${server.url}/api/v1/audit-log?format=xlsx&action=org.`, { headers: { cookie: `huoju_session=${a.token}` } });
      assert.equal(xlsx.status, 200);
      assert.equal(Buffer.from(await xlsx.arrayBuffer()).subarray(0, 2).toString(), 'PK');
      assert.equal((await get('/api/v1/audit-log', s.center)).status, 403);
      // Exports are expensive: ten a minute per account, then 429 with nothing built.
      let limited = null;
      for (let i = 0; i < 12 && !limited; i++) {
        const r = await get('/api/v1/audit-log?format=csv&action=org.', a);
        if (r.status === 429) limited = r;
        else assert.equal(r.status, 200);
      }
      assert.ok(limited, 'the eleventh export in a minute is refused');
      assert.equal(limited.body.error.code, 'rate_limited');
      assert.equal((await get('/api/v1/audit-log?action=org.', a)).status, 200, 'paging still works');
    });
  });
}
