// Summaries, drill-down lists and year-on-year through a real server with demo data (GQ-002 of
// 2023 final for every enterprise, 2024 submitted for some), on SQLite and on PostgreSQL:
// scope, bad parameters named in Chinese, the snapshot following the workflow, exports, and the
// acceptance check that the sums agree with DuckDB computing them over the exported list.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { call, login, startServer } from './lib.mjs';

const BACKENDS = ['sqlite', ...(process.env.HUOJU_TEST_PG_URL ? ['postgresql'] : [])];
const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

for (const backend of BACKENDS) {
  describe(`summaries on ${backend}`, () => {
    let server;
    const s = {};
    const get = (who, q) => call(server.url, `/api/v1/summaries${q}`, { session: s[who] });

    before(async () => {
      server = await startServer({ backend, units: 300 });
      for (const u of ['center', 'gd_reviewer', 'bj_reviewer', 'unit_demo']) s[u] = await login(server.url, u);
    });
    after(async () => { await server?.stop(); server?.cleanup(); });

    test('a summary by province and 门类 adds up, with 其中 rows and shares', async () => {
      const r = await get('center', '?form=GQ-002&period=2023&state=final&by=province,industry_section&indicators=qc05_0,qc24');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const rows = r.body.rows;
      assert.equal(rows[0].level, 0);
      assert.equal(rows[0].label, '合计');
      assert.ok(rows[0].units > 100, `units: ${rows[0].units}`);
      assert.deepEqual(r.body.indicators.map((i) => i.code), ['qc05_0', 'qc24']);
      assert.equal(r.body.indicators[0].name, '营业收入');
      const provinces = rows.filter((x) => x.level === 1);
      assert.ok(provinces.length >= 2);
      const sum = (xs, i) => xs.reduce((a, x) => a + x.cells[i].sum, 0);
      assert.ok(close(sum(provinces, 0), rows[0].cells[0].sum));
      assert.ok(close(provinces.reduce((a, x) => a + x.cells[0].share, 0), 1));
      for (const p of provinces) {
        const inner = [];
        for (let i = rows.indexOf(p) + 1; i < rows.length && rows[i].level === 2; i++) inner.push(rows[i]);
        assert.ok(inner.length >= 1);
        assert.ok(inner.every((x) => x.label.startsWith('其中：') && x.keys.province.code === p.keys.province.code));
        assert.ok(close(sum(inner, 1), p.cells[1].sum));
        assert.equal(inner.reduce((a, x) => a + x.units, 0), p.units);
      }
      const cell = rows[0].cells[0];
      assert.ok(close(cell.mean, cell.sum / cell.count));
    });

    test('everyone sees only their scope; units see nothing', async () => {
      const q = '?form=GQ-002&period=2023&state=final&indicators=qc05_0';
      const all = (await get('center', q)).body.rows[0];
      const gd = await get('gd_reviewer', q);
      assert.equal(gd.status, 200);
      const bj = await get('bj_reviewer', q);
      assert.ok(gd.body.rows[0].units > 0 && bj.body.rows[0].units > 0);
      assert.ok(gd.body.rows[0].units + bj.body.rows[0].units <= all.units);
      const byProvince = (await get('gd_reviewer', `${q}&by=province`)).body.rows.filter((x) => x.level === 1);
      assert.equal(byProvince.length, 1, 'one province in a province scope');
      const bjNode = bj.body.node.id;
      const outside = await get('gd_reviewer', `${q}&node=${bjNode}`);
      assert.equal(outside.status, 404);
      const unit = await get('unit_demo', q);
      assert.equal(unit.status, 403);
      for (const sub of ['/units', '/yoy', '/yoy/changes']) {
        assert.equal((await get('unit_demo', `${sub}?form=GQ-002&period=2024`)).status, 403);
      }
    });

    test('bad parameters are refused in Chinese, naming the parameter', async () => {
      const base = '?form=GQ-002&period=2023';
      const cases = [
        ['', `${base}&by=planet`, 'by'],
        ['', `${base}&by=province,city,zone`, 'by'],
        ['', `${base}&by=province,province`, 'by'],
        ['', `${base}&indicators=qb06`, 'indicators'],
        ['', `${base}&indicators=qc05_0,nope`, 'indicators'],
        ['', `${base}&state=sleeping`, 'state'],
        ['', `${base}&format=doc`, 'format'],
        ['', `${base}&node=abc`, 'node'],
        ['', `${base}&colour=red`, 'colour'],
        ['', '?form=GQ-002&period=1999', 'period'],
        ['', '?period=2023', 'form'],
        ['/units', `${base}&limit=0`, 'limit'],
        ['/units', `${base}&limit=201`, 'limit'],
        ['/units', `${base}&sort=qb06`, 'sort'],
        ['/units', `${base}&planet=1`, 'planet'],
        ['/yoy', '?form=GQ-002&period=2024&basis=some', 'basis'],
        ['/yoy', '?form=GQ-002&period=2024&base_period=2024', 'base_period'],
        ['/yoy/changes', '?form=GQ-002&period=2024&indicator=nope', 'indicator'],
        ['/yoy/changes', '?form=GQ-002&period=2024&indicator=qc05_0&threshold=-5', 'threshold'],
        ['/yoy/changes', '?form=GQ-002&period=2024&indicator=qc05_0&min_value=x', 'min_value'],
      ];
      for (const [sub, q, field] of cases) {
        const r = await get('center', `${sub}${q}`);
        assert.equal(r.status, 422, `${sub}${q} → ${r.status} ${JSON.stringify(r.body)}`);
        assert.match(r.body.error.message, /[\u4e00-\u9fff]/, 'message in Chinese');
        assert.equal(r.body.error.details.field, field, `${sub}${q}: ${JSON.stringify(r.body.error)}`);
      }
    });

    test('drill-down lists the units behind a cell, and their values add up to it', async () => {
      const summary = (await get('center', '?form=GQ-002&period=2023&state=final&by=province&indicators=qc05_0')).body;
      const p = summary.rows.find((x) => x.level === 1);
      let items = [];
      for (let offset = 0; ; offset += 200) {
        const page = await get('center', `/units?form=GQ-002&period=2023&state=final&indicators=qc05_0&province=${p.keys.province.code}&sort=qc05_0&offset=${offset}&limit=200`);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        assert.equal(page.body.total, p.units);
        items = items.concat(page.body.items);
        if (items.length >= page.body.total) break;
      }
      assert.ok(close(items.reduce((a, x) => a + (x.values[0] ?? 0), 0), p.cells[0].sum));
      for (let i = 1; i < items.length; i++) assert.ok((items[i - 1].values[0] ?? -Infinity) >= (items[i].values[0] ?? -Infinity), 'largest first');
      assert.ok(items.every((x) => x.keys.province.code === p.keys.province.code && x.state === 'final' && x.name));
    });

    test('the snapshot follows the workflow: a save shows up in the next summary', async () => {
      const q = '?form=GQ-002&period=2024&state=draft&indicators=qc05_0';
      const before = (await get('center', q)).body.rows[0];
      const tasks = await call(server.url, '/api/v1/tasks', { session: s.unit_demo });
      const filing = tasks.body.items.find((t) => t.form_code === 'GQ-002' && t.period === '2024').id;
      const saved = await call(server.url, `/api/v1/filings/${filing}/data`, { method: 'PUT', session: s.unit_demo, json: { version: 0, values: { qc05_0: 12345.5, qc24: 100 } } });
      assert.equal(saved.status, 200, JSON.stringify(saved.body));
      const afterSave = (await get('center', q)).body.rows[0];
      assert.equal(afterSave.units, before.units + 1);
      assert.ok(close(afterSave.cells[0].sum, before.cells[0].sum + 12345.5));
    });

    test('year-on-year: comparable and all units side by side, and the large changes', async () => {
      const q = '?form=GQ-002&period=2024&indicators=qc05_0&by=province';
      const cmp = await get('center', `/yoy${q}`);
      assert.equal(cmp.status, 200, JSON.stringify(cmp.body));
      assert.equal(cmp.body.base_period, '2023');
      const t = cmp.body.rows[0];
      assert.ok(t.units_current > 0);
      assert.equal(t.units_current, t.units_previous, 'comparable: the same units in both years');
      const c = t.cells[0];
      assert.ok(close(c.change, c.current - c.previous));
      assert.ok(close(c.change_pct, (c.current - c.previous) / Math.abs(c.previous) * 100));
      const plain = (await get('center', '?form=GQ-002&period=2024&indicators=qc05_0')).body.rows[0];
      assert.ok(close(c.current, plain.cells[0].sum), 'every submitted 2024 enterprise filed in 2023');
      const all = (await get('center', `/yoy${q}&basis=all`)).body.rows[0];
      assert.ok(all.units_previous > t.units_previous, 'all units of 2023');
      const changes = await get('center', '/yoy/changes?form=GQ-002&period=2024&indicator=qc05_0&threshold=20&limit=200');
      assert.equal(changes.status, 200, JSON.stringify(changes.body));
      assert.ok(changes.body.items.every((x) => Math.abs(x.change_pct) >= 20));
      for (let i = 1; i < changes.body.items.length; i++) {
        assert.ok(Math.abs(changes.body.items[i - 1].change_pct) >= Math.abs(changes.body.items[i].change_pct));
      }
    });

    test('the drill-down list follows the state filter like the summary does', async () => {
      for (const state of ['final', 'all', 'submitted', 'approved']) {
        const sum = await get('center', `?form=GQ-002&period=2023&state=${state}&indicators=qc05_0`);
        const list = await get('center', `/units?form=GQ-002&period=2023&state=${state}&indicators=qc05_0&limit=1`);
        assert.equal(list.status, 200, JSON.stringify(list.body));
        assert.equal(list.body.total, sum.body.rows[0].units, `state=${state}`);
      }
      const final = await get('center', '/units?form=GQ-002&period=2023&state=final&limit=1');
      assert.ok(final.body.total > 100);
    });

    test('catalog summary layouts choose dimensions and indicators by id', async () => {
      const form = await call(server.url, '/api/v1/catalog/2024/forms/GQ-002', { session: s.center });
      assert.equal(form.status, 200);
      const layout = form.body.summary_layouts.find((l) => l.id === 'economy_by_region');
      assert.ok(layout, JSON.stringify(form.body.summary_layouts));
      assert.deepEqual(layout.by, ['province', 'city']);
      const r = await get('center', '?form=GQ-002&period=2023&state=final&layout=economy_by_region');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.by, ['province', 'city']);
      assert.deepEqual(r.body.indicators.map((i) => i.code), layout.indicators);
      assert.equal(r.body.layout.title, '高新技术企业主要经济指标汇总表（按地区）');
      // What the query names wins over the layout.
      const own = await get('center', '?form=GQ-002&period=2023&state=final&layout=economy_by_region&by=zone&indicators=qc05_0');
      assert.deepEqual(own.body.by, ['zone']);
      assert.deepEqual(own.body.indicators.map((i) => i.code), ['qc05_0']);
      assert.equal(own.body.layout, null, 'a table shaped by the query is not named after the layout');
      const yoy = await get('center', '/yoy?form=GQ-002&period=2024&layout=tax_relief_by_zone');
      assert.equal(yoy.status, 200, JSON.stringify(yoy.body));
      assert.deepEqual(yoy.body.by, ['zone']);
      const bad = await get('center', '?form=GQ-002&period=2023&layout=nosuch');
      assert.equal(bad.status, 422);
      assert.equal(bad.body.error.details.field, 'layout');
      assert.match(bad.body.error.message, /汇总表式/);
      const xlsx = await call(server.url, '/api/v1/summaries?form=GQ-002&period=2023&state=final&layout=economy_by_region&format=csv', { session: s.center });
      assert.equal(xlsx.status, 200);
    });

    test('exports: CSV and Excel of a summary, a list, a comparison and the changes', async () => {
      for (const sub of ['', '/units', '/yoy', '/yoy/changes']) {
        const q = sub === '/yoy/changes' ? '?form=GQ-002&period=2024&indicator=qc05_0' : `?form=GQ-002&period=${sub === '/yoy' ? 2024 : 2023}&indicators=qc05_0&state=all`;
        const csv = await call(server.url, `/api/v1/summaries${sub}${q}&format=csv`, { session: s.center });
        assert.equal(csv.status, 200, `${sub}: ${csv.status}`);
        assert.match(csv.headers.get('content-type'), /text\/csv/);
        assert.match(csv.headers.get('content-disposition'), /filename\*=UTF-8''/);
        assert.ok(csv.body.split('\r\n').length >= 2);
        const res = await fetch(`${server.url}/api/v1/summaries${sub}${q}&format=xlsx`, { headers: { cookie: `huoju_session=${s.center.token}` } });
        assert.equal(res.status, 200);
        const bytes = Buffer.from(await res.arrayBuffer());
        assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'an xlsx (zip) file');
      }
    });

    test('acceptance: the sums agree with DuckDB over the exported list', async () => {
      const q = 'form=GQ-002&period=2023&state=final';
      const summary = (await get('center', `?${q}&by=province,industry_section`)).body;
      const codes = summary.indicators.map((i) => i.code);
      const csv = await call(server.url, `/api/v1/summaries/units?${q}&format=csv`, { session: s.center });
      assert.equal(csv.status, 200);
      const dir = mkdtempSync(path.join(tmpdir(), 'huoju-duck-'));
      try {
        const file = path.join(dir, 'units.csv');
        writeFileSync(file, csv.body.replace(/^\uFEFF/, ''));
        const duck = await (await DuckDBInstance.create(':memory:')).connect();
        await duck.run(`CREATE TABLE u AS SELECT * FROM read_csv('${file}', header = true, all_varchar = true)`);
        const key = (c) => `CASE WHEN ${c} IN ('-', '''-') OR ${c} IS NULL THEN '-' ELSE ${c} END`;
        const sums = codes.map((c) => `SUM(TRY_CAST("${c}" AS DOUBLE)) AS "${c}", COUNT(TRY_CAST("${c}" AS DOUBLE)) AS "n_${c}"`).join(', ');
        const reader = await duck.runAndReadAll(
          `SELECT ${key('province')} AS p, ${key('industry_section')} AS s, COUNT(*) AS units, ${sums} FROM u GROUP BY ALL`);
        const duckRows = new Map(reader.getRowObjects().map((r) => [`${r.p}|${r.s}`, r]));
        const leaves = summary.rows.filter((r) => r.level === 2);
        assert.equal(leaves.length, duckRows.size, 'the same cells');
        let compared = 0;
        for (const r of leaves) {
          const d = duckRows.get(`${r.keys.province.code}|${r.keys.industry_section.code}`);
          assert.ok(d, `cell ${r.keys.province.code}|${r.keys.industry_section.code} in DuckDB`);
          assert.equal(Number(d.units), r.units);
          codes.forEach((c, i) => {
            assert.equal(Number(d[`n_${c}`]), r.cells[i].count, `${c} count`);
            assert.ok(close(Number(d[c] ?? 0), r.cells[i].sum), `${c}: DuckDB ${d[c]} vs ${r.cells[i].sum}`);
            compared++;
          });
        }
        assert.ok(compared > 100, `compared ${compared} sums`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
