// Background exports through a real server (SQLite, and PostgreSQL when configured): a job per
// export with progress, files that equal the synchronous downloads, PDF of a summary and of a
// list with Chinese text, parameters and scope checked before queueing, failures reported in
// Chinese, and every job visible only to the account that started it.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { call, login, startServer } from './lib.mjs';

const BACKENDS = ['sqlite', ...(process.env.HUOJU_TEST_PG_URL ? ['postgresql'] : [])];

for (const backend of BACKENDS) {
  describe(`background exports on ${backend}`, () => {
    let server;
    const s = {};
    const start = (who, q) => call(server.url, `/api/v1/exports?${q}`, { method: 'POST', session: s[who] });
    const download = async (who, id) => {
      const res = await fetch(`${server.url}/api/v1/jobs/${id}/file`, { headers: { cookie: `huoju_session=${s[who].token}` } });
      return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
    };
    async function finished(who, id) {
      for (let i = 0; i < 300; i++) {
        const r = await call(server.url, `/api/v1/jobs/${id}`, { session: s[who] });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        if (!['queued', 'running'].includes(r.body.state)) return r.body;
        await new Promise((ok) => setTimeout(ok, 50));
      }
      throw new Error(`job ${id} did not finish`);
    }

    before(async () => {
      server = await startServer({ backend, units: 300 });
      for (const u of ['center', 'gd_reviewer', 'bj_reviewer', 'unit_demo']) s[u] = await login(server.url, u);
    });
    after(async () => { await server?.stop(); server?.cleanup(); });

    test('a unit list as CSV by a job equals the synchronous download, row for row', async () => {
      const q = 'form=GQ-002&period=2023&state=final&indicators=qc05_0,qc24';
      const r = await start('gd_reviewer', `what=units&format=csv&${q}`);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.match(r.body.id, /^[0-9a-f]{32}$/);
      assert.ok(['queued', 'running', 'done'].includes(r.body.state));
      assert.equal(r.body.title, '单位清单-GQ-002-2023.csv');
      const job = await finished('gd_reviewer', r.body.id);
      assert.equal(job.state, 'done', JSON.stringify(job));
      assert.equal(job.progress.percent, 100);
      assert.ok(job.progress.total > 10, 'Guangdong has units');
      const file = await download('gd_reviewer', job.id);
      assert.equal(file.status, 200);
      assert.match(file.headers.get('content-type'), /text\/csv/);
      assert.match(file.headers.get('content-disposition'), /filename\*=UTF-8''%E5%8D%95/);
      assert.equal(Number(file.headers.get('content-length')), job.file.bytes);
      const sync = await call(server.url, `/api/v1/summaries/units?${q}&format=csv`, { session: s.gd_reviewer });
      assert.deepEqual([...file.bytes.subarray(0, 3)], [0xEF, 0xBB, 0xBF], 'a BOM, so Excel reads UTF-8');
      assert.equal(file.bytes.toString('utf8').replace(/^\uFEFF/, ''), sync.body, 'the job writes what the page downloads');
      assert.equal(sync.body.trim().split('\r\n').length, job.progress.total + 1);
    });

    test('a national list as .xlsx opens in LibreOffice with every row', async () => {
      const r = await start('center', 'what=units&format=xlsx&form=GQ-002&period=2023&state=final');
      assert.equal(r.status, 202);
      const job = await finished('center', r.body.id);
      assert.equal(job.state, 'done', JSON.stringify(job));
      const file = await download('center', job.id);
      assert.equal(file.bytes.subarray(0, 2).toString(), 'PK');
      const dir = mkdtempSync(path.join(tmpdir(), 'huoju-job-'));
      try {
        writeFileSync(path.join(dir, 'list.xlsx'), file.bytes);
        execFileSync('soffice', ['--headless', '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76', '--outdir', dir,
          path.join(dir, 'list.xlsx')], { stdio: 'ignore', timeout: 120000,
          env: { ...process.env, HOME: dir } });
        const { readFileSync } = await import('node:fs');
        const lines = readFileSync(path.join(dir, 'list.csv'), 'utf8').trim().split('\n');
        assert.match(lines[0], /GQ-002 2023 单位清单/);
        assert.match(lines[1], /生成时间：\d{4}-\d\d-\d\d \d\d:\d\d/);
        assert.match(lines[2], /^报表编号,单位编号,单位名称,统一社会信用代码,状态,province/);
        assert.equal(lines.length - 3, job.progress.total, 'title, time, header, then one line per unit');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('summary and list as PDF, with Chinese text and the time they were made', async () => {
      for (const what of ['summary', 'units']) {
        const by = what === 'summary' ? '&by=province' : '&province=' + (await call(server.url, '/api/v1/summaries?form=GQ-002&period=2023&state=final&by=province&indicators=qc05_0', { session: s.center })).body.rows[1].keys.province.code;
        const r = await start('center', `what=${what}&format=pdf&form=GQ-002&period=2023&state=final&indicators=qc05_0${by}`);
        assert.equal(r.status, 202, JSON.stringify(r.body));
        const job = await finished('center', r.body.id);
        assert.equal(job.state, 'done', JSON.stringify(job));
        const file = await download('center', job.id);
        assert.equal(file.bytes.subarray(0, 4).toString(), '%PDF');
        const dir = mkdtempSync(path.join(tmpdir(), 'huoju-pdf-'));
        try {
          writeFileSync(path.join(dir, 'a.pdf'), file.bytes);
          const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'a.pdf'), '-']).toString();
          assert.match(text, what === 'summary' ? /汇总表/ : /单位清单/);
          assert.match(text, /生成时间/);
          assert.match(text, what === 'summary' ? /广东省/ : /有限公司|公司/);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
      // The synchronous routes print too.
      const res = await fetch(`${server.url}/api/v1/summaries?form=GQ-002&period=2023&state=final&by=province&indicators=qc05_0&format=pdf`,
        { headers: { cookie: `huoju_session=${s.center.token}` } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/pdf');
    });

    test('bad parameters are refused before queueing, naming the parameter; data errors fail the job', async () => {
      const cases = [
        ['what=everything&format=xlsx&form=GQ-002&period=2023', 'what'],
        ['what=units&form=GQ-002&period=2023', 'format'],
        ['what=units&format=docx&form=GQ-002&period=2023', 'format'],
        ['what=summary&format=xlsx&form=GQ-002&period=2023&by=planet', 'by'],
        ['what=units&format=xlsx&form=GQ-002&period=2023&colour=red', 'colour'],
      ];
      for (const [q, field] of cases) {
        const r = await start('center', q);
        assert.equal(r.status, 422, `${q}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.error.details.field, field, q);
        assert.match(r.body.error.message, /[\u4e00-\u9fa5]/);
      }
      const none = (await call(server.url, '/api/v1/jobs', { session: s.center })).body.items.length;
      const bad = await start('center', 'what=units&format=xlsx&form=GQ-999&period=2023');
      assert.equal(bad.status, 202);
      const job = await finished('center', bad.body.id);
      assert.equal(job.state, 'failed');
      assert.match(job.error.message, /GQ-999/);
      assert.equal((await download('center', job.id)).status, 409);
      assert.equal((await call(server.url, '/api/v1/jobs', { session: s.center })).body.items.length, none + 1);
    });

    test('scope: outside nodes are 404 at once, units may not export, jobs are private', async () => {
      const gd = (await call(server.url, '/api/v1/org/scope', { session: s.gd_reviewer })).body.id;
      const out = await start('bj_reviewer', `what=summary&format=xlsx&form=GQ-002&period=2023&node=${gd}`);
      assert.equal(out.status, 404);
      const unit = await start('unit_demo', 'what=units&format=xlsx&form=GQ-002&period=2023');
      assert.equal(unit.status, 403);
      const mine = await start('gd_reviewer', 'what=summary&format=csv&form=GQ-002&period=2023&state=final');
      assert.equal(mine.status, 202);
      await finished('gd_reviewer', mine.body.id);
      for (const [method, p] of [['GET', ''], ['GET', '/file'], ['DELETE', '']]) {
        const r = await call(server.url, `/api/v1/jobs/${mine.body.id}${p}`, { method, session: s.bj_reviewer });
        assert.equal(r.status, 404, `${method} ${p}`);
      }
      const list = await call(server.url, '/api/v1/jobs', { session: s.bj_reviewer });
      assert.ok(list.body.items.every((j) => j.id !== mine.body.id));
      // The owner removes it; then it is gone.
      const del = await call(server.url, `/api/v1/jobs/${mine.body.id}`, { method: 'DELETE', session: s.gd_reviewer });
      assert.equal(del.status, 200);
      assert.equal((await call(server.url, `/api/v1/jobs/${mine.body.id}`, { session: s.gd_reviewer })).status, 404);
      // A write without the CSRF token changes nothing.
      const forged = await call(server.url, '/api/v1/exports?what=units&format=csv&form=GQ-002&period=2023',
        { method: 'POST', session: { token: s.center.token }, csrf: 'nope' });
      assert.equal(forged.status, 403);
    });
  });
}
