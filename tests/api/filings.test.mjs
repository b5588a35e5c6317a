// The survey workflow through a real server, on SQLite and on PostgreSQL: a filing from save to
// final, returns and resubmission, bad input of every kind answered in Chinese naming the field
// and changing nothing, exports, and the bulk import command.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { call, login, startServer, runHuoju } from './lib.mjs';

const BACKENDS = ['sqlite', ...(process.env.HUOJU_TEST_PG_URL ? ['postgresql'] : [])];

for (const backend of BACKENDS) {
  describe(`filings on ${backend}`, () => {
    let server;
    const s = {};
    let filing;

    before(async () => {
      server = await startServer({ backend, units: 300 });
      for (const u of ['unit_demo', 'sz_zone_reviewer', 'gd_reviewer', 'center']) s[u] = await login(server.url, u);
      const tasks = await call(server.url, '/api/v1/tasks', { session: s.unit_demo });
      filing = tasks.body.items.find((t) => t.form_code === 'GQ-002' && t.period === '2024').id;
    });
    after(async () => { await server?.stop(); server?.cleanup(); });

    const get = async (who = 'unit_demo') => (await call(server.url, `/api/v1/filings/${filing}`, { session: s[who] })).body;
    const put = (json, who = 'unit_demo') => call(server.url, `/api/v1/filings/${filing}/data`, { method: 'PUT', session: s[who], json });

    test('bad input is refused in Chinese, naming the field, and changes nothing', async () => {
      const cases = [
        [{ version: 0, values: { qc05_0: '十万' } }, 'qc05_0'],
        [{ version: 0, values: { no_such: 1 } }, 'no_such'],
        [{ version: 0, values: [] }, 'values'],
        [{ values: {} }, 'version'],
        [{ version: 'x', values: {} }, 'version'],
        [{ version: 0, values: {}, explanations: { R: 5 } }, 'explanations.R'],
        [{ version: 0, values: {}, extra: 1 }, 'extra'],
      ];
      for (const [body, field] of cases) {
        const r = await put(body);
        assert.equal(r.status, 422, `${JSON.stringify(body)} → ${r.status} ${JSON.stringify(r.body)}`);
        assert.match(r.body.error.message, /[\u4e00-\u9fff]/, 'message in Chinese');
        assert.ok(JSON.stringify(r.body.error).includes(field), `${field} named in ${JSON.stringify(r.body.error)}`);
      }
      const notJson = await call(server.url, `/api/v1/filings/${filing}/data`, { method: 'PUT', session: s.unit_demo, body: '{"version":', headers: { 'content-type': 'application/json' } });
      assert.ok(notJson.status === 400 || notJson.status === 422, `broken JSON: ${notJson.status}`);
      assert.equal((await get()).version, 0, 'nothing saved');

      const c = s.center;
      const badPeriod = await call(server.url, '/api/v1/periods', { method: 'POST', session: c, json: { form_code: 'GQ-002', period: '24年' } });
      assert.equal(badPeriod.status, 422);
      assert.equal(badPeriod.body.error.details.field, 'period');
      const badForm = await call(server.url, '/api/v1/periods', { method: 'POST', session: c, json: { form_code: 'XX-9', period: '2024' } });
      assert.equal(badForm.body.error.details.field, 'form_code');
      const periods = (await call(server.url, '/api/v1/periods', { session: c })).body.items;
      const pid = periods.find((p) => p.form_code === 'GQ-002' && p.period === '2024').id;
      const badDate = await call(server.url, `/api/v1/periods/${pid}/extensions`, { method: 'POST', session: c, json: { org_node_id: 1, due_on: '2025-13-01', reason: '测试' } });
      assert.equal(badDate.status, 422);
      assert.equal(badDate.body.error.details.field, 'due_on');
      const noReason = await call(server.url, `/api/v1/periods/${pid}/extensions`, { method: 'POST', session: c, json: { org_node_id: 1, due_on: '2099-01-01' } });
      assert.equal(noReason.body.error.details.field, 'reason');
      const badLimit = await call(server.url, '/api/v1/review/queue?form=GQ-002&limit=0', { session: s.gd_reviewer });
      assert.equal(badLimit.status, 422);
      assert.equal(badLimit.body.error.details.field, 'limit');
      const badState = await call(server.url, '/api/v1/review/queue?form=GQ-002&state=nonsense', { session: s.gd_reviewer });
      assert.equal(badState.body.error.details.field, 'state');
      const badKind = await call(server.url, '/api/v1/review/materials/nonsense?form=GQ-002&period=2024', { session: s.gd_reviewer });
      assert.equal(badKind.status, 404);
      const badFormat = await call(server.url, '/api/v1/progress/non-filers?form=GQ-002&period=2024&format=doc', { session: s.gd_reviewer });
      assert.equal(badFormat.body.error.details.field, 'format');
      const after = (await call(server.url, '/api/v1/periods', { session: c })).body.items;
      assert.deepEqual(after, periods, 'no period changed');
    });

    test('a filing goes from draft to final with a return on the way', async () => {
      let r = await put({ version: 0, values: { qc05_0: 1000, qc55: 2000, qc24: 3000 } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(r.body.failures.some((f) => f.rule_id === 'GQ002-R01' && f.cells.includes('qc55')));
      const blocked = await call(server.url, `/api/v1/filings/${filing}/submit`, { method: 'POST', session: s.unit_demo, json: { version: 1 } });
      assert.equal(blocked.status, 422);
      assert.ok(blocked.body.error.details.failures.length > 0);
      r = await put({ version: 1, values: { qc05_0: 1000, qc24: 3000 } });
      const explanations = Object.fromEntries(r.body.unexplained.map((id) => [id, '已核实']));
      r = await put({ version: 2, values: { qc05_0: 1000, qc24: 3000 }, explanations });
      const v = r.body.version;
      assert.equal((await call(server.url, `/api/v1/filings/${filing}/submit`, { method: 'POST', session: s.unit_demo, json: { version: v } })).status, 200);

      const queue = await call(server.url, '/api/v1/review/queue?form=GQ-002&period=2024', { session: s.sz_zone_reviewer });
      assert.ok(queue.body.items.some((i) => i.id === filing));
      const badPin = await call(server.url, `/api/v1/filings/${filing}/return`, { method: 'POST', session: s.sz_zone_reviewer, json: { version: v, reason: '请核实', pins: [{ cell: '../etc/passwd', message: 'x' }] } });
      assert.equal(badPin.status, 422);
      assert.equal(badPin.body.error.details.field, 'pins[0].cell');
      const ret = await call(server.url, `/api/v1/filings/${filing}/return`, { method: 'POST', session: s.sz_zone_reviewer, json: { version: v, reason: '资产总计请核实', pins: [{ cell: 'qc24', message: '与报表不符' }] } });
      assert.equal(ret.status, 200, JSON.stringify(ret.body));
      const unitView = await get();
      assert.equal(unitView.state, 'returned');
      assert.equal(unitView.return.pins[0].cell, 'qc24');

      r = await put({ version: v, values: { qc05_0: 1000, qc24: 3300 }, explanations });
      assert.equal(r.status, 200);
      const v2 = r.body.version;
      assert.equal((await call(server.url, `/api/v1/filings/${filing}/submit`, { method: 'POST', session: s.unit_demo, json: { version: v2 } })).status, 200);
      const zoneView = await get('sz_zone_reviewer');
      assert.deepEqual(zoneView.changes_since_return.map((c) => c.cell), ['qc24']);
      for (const who of ['sz_zone_reviewer', 'gd_reviewer', 'center']) {
        const a = await call(server.url, `/api/v1/filings/${filing}/approve`, { method: 'POST', session: s[who], json: { version: v2 } });
        assert.equal(a.status, 200, `${who}: ${JSON.stringify(a.body)}`);
      }
      assert.equal((await get()).state, 'final');
      const history = await call(server.url, `/api/v1/filings/${filing}/history`, { session: s.gd_reviewer });
      const actions = history.body.events.map((e) => e.action);
      for (const a of ['filing.save', 'filing.submit', 'filing.return', 'filing.approve']) assert.ok(actions.includes(a), a);
      assert.ok(history.body.events.every((e) => e.from === '127.0.0.1'), 'events record the address');
    });

    test('exports and materials download as files', async () => {
      const q = 'form=GQ-002&period=2024';
      for (const [url, type] of [
        [`/api/v1/progress/non-filers?${q}&format=csv`, 'text/csv'],
        [`/api/v1/progress/non-filers?${q}&format=xlsx`, 'spreadsheetml'],
        [`/api/v1/review/materials/yoy?${q}&format=pdf`, 'application/pdf'],
        [`/api/v1/review/materials/audit_notes?${q}&format=xlsx`, 'spreadsheetml'],
      ]) {
        const res = await fetch(server.url + url, { headers: { cookie: `huoju_session=${s.gd_reviewer.token}` } });
        assert.equal(res.status, 200, url);
        assert.ok(res.headers.get('content-type').includes(type), `${url}: ${res.headers.get('content-type')}`);
        assert.match(res.headers.get('content-disposition'), /filename\*=UTF-8''/);
        assert.ok((await res.arrayBuffer()).byteLength > 100);
      }
      const notes = await call(server.url, `/api/v1/review/materials/audit_notes?${q}`, { session: s.gd_reviewer });
      assert.ok(notes.body.rows.some((row) => row[6] === '已核实'), 'explanations appear in the audit notes');
    });

    test('an oversized scan is refused before it is read, and nothing is stored', async () => {
      const big = Buffer.alloc(13 * 1024 * 1024, 1);
      const r = await call(server.url, `/api/v1/filings/${filing}/scan`, { method: 'POST', session: s.unit_demo, body: big, headers: { 'content-type': 'application/pdf' } }).catch((e) => ({ status: 'reset', e }));
      assert.ok(r.status === 413 || r.status === 'reset', `oversized: ${r.status}`);
      const view = await get();
      assert.equal(view.scan.version, 0);
    });

    test('huoju import saves clean rows and rejects the rest with reasons', async () => {
      const c = s.center;
      // GQ-003's tasks: read the USCCs of a few units through the API.
      const nonFilers = await call(server.url, '/api/v1/progress/non-filers?form=GQ-003&period=2024&limit=5', { session: c });
      const usccs = nonFilers.body.items.map((i) => i.unit.uscc);
      assert.equal(usccs.length, 5);
      const file = path.join(server.db.dataDir, 'rows.jsonl');
      const rows = usccs.map((uscc) => ({ uscc, values: { qd01: 100 } }));
      rows.push({ uscc: '91110000000000000X', values: {} });
      writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      await server.stop();
      const r = runHuoju(['import', '--form', 'GQ-003', '--period', '2024', '--input', file, '--draft',
        '--database-url', server.db.databaseUrl, '--password-cost', 'fast', '--catalog-dir', path.resolve('catalog')]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /拒绝 1 行/);
      assert.match(r.stdout, /91110000000000000X/);
      const bad = path.join(server.db.dataDir, 'bad.jsonl');
      writeFileSync(bad, '{"uscc": 1}\n');
      const refused = runHuoju(['import', '--form', 'GQ-003', '--period', '2024', '--input', bad,
        '--database-url', server.db.databaseUrl, '--catalog-dir', path.resolve('catalog')]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /第 1 行/);
    });
  });
}
