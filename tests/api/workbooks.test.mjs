// Excel templates and imports through a real server, with LibreOffice as the user's
// spreadsheet program: a template saved by LibreOffice imports back unchanged, an edited value
// arrives, and a workbook with a wrong type, an unknown code and a rule error gets every
// problem reported with sheet, row and column while nothing is written. Bad uploads are
// refused with a Chinese message. LibreOffice runs headless with its own profile and HOME in
// a temporary directory; cells are edited in the .ods form (content.xml) by a small script.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { call, login, startServer } from './lib.mjs';

let server;
let tmp;
const s = {};
let filing;     // unit_demo's GQ-002 2024 filing id
let unitId;     // unit_demo's org node
const VALUES = { qc05_0: 4321.5, qc55: 1234.5, qc24: 777, qc226_1: '1', qc226_2: '2', qc226: 55.5 };
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'huoju-workbooks-'));
  server = await startServer({ units: 60 });
  for (const u of ['unit_demo', 'sz_zone_reviewer', 'bj_reviewer', 'center']) s[u] = await login(server.url, u);
  unitId = s.unit_demo.user.scope.id;
  const tasks = await call(server.url, '/api/v1/tasks', { session: s.unit_demo });
  filing = tasks.body.items.find((t) => t.form_code === 'GQ-002' && t.period === '2024').id;
  const saved = await call(server.url, `/api/v1/filings/${filing}/data`, {
    method: 'PUT', session: s.unit_demo, json: { version: 0, values: VALUES } });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
});

after(async () => {
  await server?.stop();
  server?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// The server closes idle keep-alive connections while LibreOffice works; a request that meets
// such a closed socket never reached the server and is sent again on a fresh one.
async function fresh(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e?.message !== 'fetch failed') throw e;
    return fn();
  }
}

async function download(pathname, session) {
  return fresh(() => downloadOnce(pathname, session));
}

async function downloadOnce(pathname, session) {
  const res = await fetch(server.url + pathname, { headers: { cookie: `huoju_session=${session.token}` } });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, bytes, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition') };
}

let conversions = 0;
/** Converts `file` with headless LibreOffice to `format` (xlsx or ods); answers the new path. */
function soffice(file, format) {
  const outdir = path.join(tmp, `out${++conversions}`);
  mkdirSync(outdir);
  const home = path.join(tmp, 'home');
  mkdirSync(home, { recursive: true });
  const filter = format === 'xlsx' ? 'xlsx:Calc MS Excel 2007 XML' : 'ods';
  execFileSync('soffice', [`-env:UserInstallation=file://${path.join(tmp, 'lo-profile')}`, '--headless',
    '--norestore', '--convert-to', filter, '--outdir', outdir, file],
  { env: { ...process.env, HOME: home }, timeout: 240_000, stdio: 'pipe' });
  return path.join(outdir, `${path.basename(file, path.extname(file))}.${format}`);
}

// Edits cells of an .ods in place. Each edit: {value, number} sets the first numeric cell
// whose value is `value` to `number`; {value, text} turns it into a text cell; {find, text}
// replaces the first text paragraph `find`. Fails when a cell is not found.
const EDIT_ODS = String.raw`
import json, re, sys, zipfile, shutil
src, edits = sys.argv[1], json.loads(sys.argv[2])
with zipfile.ZipFile(src) as z:
    names = z.namelist()
    parts = {n: z.read(n) for n in names}
xml = parts['content.xml'].decode('utf-8')
def esc(t): return t.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
for e in edits:
    if 'value' in e:
        pat = re.compile(r'<table:table-cell(?:(?!<table:table-cell).)*?office:value="%s"(?:(?!<table:table-cell).)*?</table:table-cell>' % re.escape(str(e['value'])), re.S)
        m = pat.search(xml)
        if not m: sys.exit('no numeric cell %s' % e['value'])
        if 'number' in e:
            cell = '<table:table-cell office:value-type="float" office:value="%s" calcext:value-type="float"><text:p>%s</text:p></table:table-cell>' % (e['number'], e['number'])
        else:
            cell = '<table:table-cell office:value-type="string" calcext:value-type="string"><text:p>%s</text:p></table:table-cell>' % esc(e['text'])
        xml = xml[:m.start()] + cell + xml[m.end():]
    else:
        old = '<text:p>%s</text:p>' % esc(e['find'])
        if old not in xml: sys.exit('no text %s' % e['find'])
        xml = xml.replace(old, '<text:p>%s</text:p>' % esc(e['text']), 1)
parts['content.xml'] = xml.encode('utf-8')
with zipfile.ZipFile(src, 'w') as z:
    z.writestr(zipfile.ZipInfo('mimetype'), parts['mimetype'], compress_type=zipfile.ZIP_STORED)
    for n in names:
        if n != 'mimetype': z.writestr(n, parts[n], compress_type=zipfile.ZIP_DEFLATED)
`;

function editOds(file, edits) {
  execFileSync('python3', ['-c', EDIT_ODS, file, JSON.stringify(edits)], { stdio: 'pipe' });
}

/** Saves `bytes` under tmp and runs it through LibreOffice: xlsx → ods (edited) → xlsx. */
function throughLibreOffice(bytes, name, edits) {
  const file = path.join(tmp, name);
  writeFileSync(file, bytes);
  if (!edits) return readFileSync(soffice(file, 'xlsx'));
  const ods = soffice(file, 'ods');
  editOds(ods, edits);
  return readFileSync(soffice(ods, 'xlsx'));
}

function upload(bytes, session, query = '') {
  return fresh(() => call(server.url, `/api/v1/workbooks/import${query}`, {
    method: 'POST', session, body: bytes, headers: { 'content-type': XLSX } }));
}

async function current() {
  const r = await fresh(() => call(server.url, `/api/v1/filings/${filing}`, { session: s.center }));
  assert.equal(r.status, 200);
  return r.body;
}

test('a unit template saved by LibreOffice imports back unchanged, then with an edited value', async () => {
  const t = await download(`/api/v1/workbooks/template?form=GQ-002&period=2024&layout=unit&unit=${unitId}&prefill=1`, s.sz_zone_reviewer);
  assert.equal(t.status, 200, t.bytes.toString());
  assert.equal(t.type, XLSX);
  assert.match(t.disposition, /filename\*=UTF-8''GQ-002_2024_/);
  assert.equal(t.bytes.subarray(0, 2).toString(), 'PK');

  // Unchanged: LibreOffice opens and saves it as .xlsx.
  const before = await current();
  const same = await upload(throughLibreOffice(t.bytes, 'unit.xlsx'), s.sz_zone_reviewer);
  assert.equal(same.status, 200, JSON.stringify(same.body));
  assert.equal(same.body.saved, 1);
  assert.deepEqual(same.body.problems, []);
  const after = await current();
  assert.equal(after.version, before.version + 1);
  assert.deepEqual(after.values, before.values, 'the round trip changes no value');
  assert.equal(after.state, 'draft');

  // Edited in LibreOffice: 营业收入 4321.5 → 5432.5.
  const edited = await upload(throughLibreOffice(t.bytes, 'unit-edit.xlsx', [{ value: 4321.5, number: 5432.5 }]), s.sz_zone_reviewer);
  assert.equal(edited.status, 200, JSON.stringify(edited.body));
  const now = await current();
  assert.equal(now.values.qc05_0, 5432.5);
  assert.deepEqual({ ...now.values, qc05_0: 4321.5 }, before.values, 'only the edited value changed');
});

test('a batch workbook with a wrong type, an unknown code and a rule error: every problem located, nothing written', async () => {
  const t = await download('/api/v1/workbooks/template?form=GQ-002&period=2024&layout=batch&prefill=1', s.sz_zone_reviewer);
  assert.equal(t.status, 200, t.bytes.toString());
  const before = await current();
  const bytes = throughLibreOffice(t.bytes, 'batch.xlsx', [
    { value: 777, text: '七百七十七' },          // qc24: text in a number cell
    { find: '1 是', text: '7 未知' },            // qc226_1: no such code
    { value: before.values.qc05_0, number: 100 }, // qc05_0 < qc55 = 1234.5: rule GQ002-R01
  ]);
  const r = await upload(bytes, s.sz_zone_reviewer);
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'validation_failed');
  assert.match(r.body.error.message, /未写入任何数据/);
  const problems = r.body.error.details.problems;
  const byField = Object.fromEntries(problems.map((p) => [p.field, p]));
  for (const p of problems) {
    assert.equal(p.sheet, '批量填报', JSON.stringify(p));
    assert.ok(p.row >= 4 && p.column !== '' && p.cell === `${p.column}${p.row}`, JSON.stringify(p));
    assert.equal(p.uscc, before.unit.uscc);
  }
  assert.match(byField.qc24?.message ?? '', /应为数值，而不是“七百七十七”/, JSON.stringify(problems));
  assert.match(byField.qc226_1?.message ?? '', /代码“7”不在代码表/, JSON.stringify(problems));
  assert.ok(problems.some((p) => /GQ002-R01/.test(p.message) && ['qc05_0', 'qc55'].includes(p.field)), JSON.stringify(problems));
  // All three on the unit's own row, in different columns.
  assert.equal(new Set(problems.map((p) => p.row)).size, 1);
  assert.equal(new Set([byField.qc24.column, byField.qc226_1.column]).size, 2);
  const after = await current();
  assert.equal(after.version, before.version, 'nothing written');
  assert.deepEqual(after.values, before.values);
});

test('bad uploads are refused with a message and change nothing', async () => {
  const before = await current();
  const junk = await upload(Buffer.from('this is not a workbook'), s.sz_zone_reviewer);
  assert.equal(junk.status, 422);
  assert.match(junk.body.error.message, /不是 Excel 工作簿/);
  const empty = await upload(Buffer.alloc(0), s.sz_zone_reviewer);
  assert.equal(empty.status, 422);
  assert.equal(empty.body.error.details.field, 'file');
  const flag = await upload(Buffer.from('PK'), s.sz_zone_reviewer, '?clean_only=maybe');
  assert.equal(flag.status, 422);
  assert.equal(flag.body.error.details.field, 'clean_only');
  // A plain workbook that is no template.
  const list = await download('/api/v1/review/materials/audit_notes?form=GQ-002&period=2024&format=xlsx', s.sz_zone_reviewer);
  assert.equal(list.status, 200);
  const foreign = await upload(list.bytes, s.sz_zone_reviewer);
  assert.equal(foreign.status, 422);
  assert.match(foreign.body.error.message, /不是本系统下载的报表模板/);
  // Over the 12 MB upload limit.
  const big = await upload(Buffer.alloc(13 * 1024 * 1024, 1), s.sz_zone_reviewer).catch((e) => ({ status: 'reset', e }));
  assert.ok(big.status === 413 || big.status === 'reset', String(big.status));
  const t = await download('/api/v1/workbooks/template?form=GQ-002&period=2024&layout=bogus', s.sz_zone_reviewer);
  assert.equal(t.status, 422);
  const p = await download('/api/v1/workbooks/template?form=GQ-002&period=1999&layout=batch', s.sz_zone_reviewer);
  assert.equal(p.status, 422);
  assert.equal((await current()).version, before.version);
});

test('templates and imports stay in scope', async () => {
  // A unit gets its own template without naming itself and imports it back (a save of its own
  // filing), but no batch; a batch upload is refused.
  const own = await download('/api/v1/workbooks/template?form=GQ-002&period=2024&prefill=1', s.unit_demo);
  assert.equal(own.status, 200);
  const batch = await download('/api/v1/workbooks/template?form=GQ-002&period=2024&layout=batch', s.unit_demo);
  assert.equal(batch.status, 403);
  const mine = await current();
  const imp = await upload(own.bytes, s.unit_demo);
  assert.equal(imp.status, 200, JSON.stringify(imp.body));
  assert.equal(imp.body.saved, 0, 'the same values: no new version');
  assert.equal(imp.body.unchanged, true);
  assert.equal(imp.body.version, mine.version);
  const reviewerBatch = await download('/api/v1/workbooks/template?form=GQ-002&period=2024&layout=batch&prefill=1', s.sz_zone_reviewer);
  const refused = await upload(reviewerBatch.bytes, s.unit_demo);
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.match(refused.body.error.message, /批量模板由审核部门导入/);
  // A Beijing reviewer does not see the Shenzhen unit, and its batch holds no Shenzhen unit.
  const other = await download(`/api/v1/workbooks/template?form=GQ-002&period=2024&layout=unit&unit=${unitId}`, s.bj_reviewer);
  assert.equal(other.status, 404);
  // Importing the Shenzhen unit's template as the Beijing reviewer: rejected, nothing written.
  const before = await current();
  const t = await download(`/api/v1/workbooks/template?form=GQ-002&period=2024&layout=unit&unit=${unitId}&prefill=1`, s.center);
  const r = await upload(t.bytes, s.bj_reviewer);
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.match(JSON.stringify(r.body.error.details.problems), /不在您的管辖范围内/);
  assert.equal((await current()).version, before.version);
});
