// The 2024 catalog checks clean with every rule fixture passing; a broken copy is refused with
// file:line messages (the loader's own error classes are covered by src/catalog/loader_test.cpp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runHuoju, freshDatabase } from './lib.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CATALOG = path.join(ROOT, 'catalog/2024');

test('catalog/2024 checks clean and every fixture passes', () => {
  const r = runHuoju(['catalog', 'check', CATALOG]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /目录检查通过/);
  const m = r.stdout.match(/(\d+) 例，(\d+) passed, (\d+) failed/);
  assert.ok(m, r.stdout);
  assert.ok(Number(m[1]) > 400, 'hundreds of fixture cases');
  assert.equal(m[3], '0');
  console.log(`# ${r.stdout.trim().split('\n').join(' | ')}`);
});

test('every form of the seed tables is listed', () => {
  const r = runHuoju(['catalog', 'list', CATALOG]);
  assert.equal(r.code, 0, r.stderr);
  for (const code of ['GZNB-001', 'GZNB-005', 'GZYB-01', 'GZKB-01', 'GCT-01', 'GQ-001', 'GQ-005', 'GQKB-01',
    'SJGZ-001', 'RJJD-01', 'RJJD-02', 'TSJD-01', 'TSJD-02', 'GXJD-01', 'GXJD-02', 'JQ-01', 'JQ-04', 'JQY-01',
    'SFJD-01', 'SFJD-02', 'FHQ-01', 'FHQ-02', 'DXY-01', 'FHQJ-01', 'DXYJ-01', 'JSZY-01', 'SCL-01', 'SCL-03',
    'SCL-04', 'JJ-001', 'JJ-002']) {
    assert.match(r.stdout, new RegExp(`\\b${code}\\b`), code);
  }
});

test('a broken copy reports each problem with file and line, and a wrong fixture is caught', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'huoju-cat-'));
  try {
    cpSync(CATALOG, dir, { recursive: true });
    // Point catalog.yaml's CSV lists at the real files.
    const cy = path.join(dir, 'catalog.yaml');
    writeFileSync(cy, readFileSync(cy, 'utf8').replaceAll('../codes/', path.join(ROOT, 'catalog/codes') + '/'));
    const ok = runHuoju(['catalog', 'check', dir]);
    assert.equal(ok.code, 0, ok.stdout);

    const fx = path.join(dir, 'fixtures/GQ-002.yaml');
    writeFileSync(fx, readFileSync(fx, 'utf8').replace('expect: ["GQ002-R01"]', 'expect: []'));
    const wrongFixture = runHuoju(['catalog', 'check', dir]);
    assert.equal(wrongFixture.code, 1);
    assert.match(wrongFixture.stdout, /fixtures\/GQ-002\.yaml:\d+:\d+: 夹具.*GQ002-R01/);

    const form = path.join(dir, 'forms/GQ-003.yaml');
    let text = readFileSync(form, 'utf8');
    text = text.replace(/expr: "([^"]*)qd06/, 'expr: "$1qd_nope') + '\nbroken: [unclosed\n';
    writeFileSync(form, text);
    const broken = runHuoju(['catalog', 'check', dir]);
    assert.equal(broken.code, 1);
    assert.match(broken.stdout, /forms\/GQ-003\.yaml:\d+:\d+: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('huoju audit prints every failure with rule id, severity, message and cells', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'huoju-audit-'));
  try {
    const json = path.join(dir, 'filing.json');
    writeFileSync(json, JSON.stringify({ 'GQ-002': { qc05_0: 1000, qc55: 2000, qc24: 500, qc31: 100, qc33: 100 }, 'GQ-003': { qd01: 10 } }));
    const r = runHuoju(['audit', '--catalog', CATALOG, '--form', 'GQ-002', '--input', json]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /GQ002-R01 +强制性错误 +营业收入应不小于其中的主营业务收入 +单元格: qc05_0, qc55/);
    assert.match(r.stdout, /GQ002-R13/);

    const clean = path.join(dir, 'clean.json');
    writeFileSync(clean, JSON.stringify({ qc05_0: 1000, qc55: 900, qc24: 500 }));
    const ok = runHuoju(['audit', '--catalog', CATALOG, '--form', 'GQ-002', '--input', clean]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);

    const csv = path.join(dir, 'batch.csv');
    writeFileSync(csv, 'unit,qc05_0,qc55,qc24\nA公司,100,50,10\nB公司,100,150,10\n');
    const b = runHuoju(['audit', '--catalog', CATALOG, '--form', 'GQ-002', '--input', csv]);
    assert.equal(b.code, 1);
    assert.match(b.stdout, /第3行（B公司） +GQ002-R01/);
    assert.doesNotMatch(b.stdout, /第2行/);

    writeFileSync(csv, 'unit,qc05_0\nC公司,abc\n');
    const bad = runHuoju(['audit', '--catalog', CATALOG, '--form', 'GQ-002', '--input', csv]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /第2行.*qc05_0/);
    assert.equal(runHuoju(['audit', '--catalog', CATALOG, '--form', 'NOPE-1', '--input', json]).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const backend of ['sqlite', 'postgresql']) {
  test(`publish makes immutable versions; a broken catalog publishes nothing (${backend})`, () => {
    const db = freshDatabase(backend);
    const flags = ['--database-url', db.databaseUrl];
    const dir = mkdtempSync(path.join(tmpdir(), 'huoju-pub-'));
    try {
      const first = runHuoju(['catalog', 'publish', CATALOG, ...flags]);
      assert.equal(first.code, 0, first.stderr + first.stdout);
      assert.match(first.stdout, /已发布.*第 1 版/);
      const again = runHuoju(['catalog', 'publish', CATALOG, ...flags]);
      assert.match(again.stdout, /内容未变.*第 1 版/);

      cpSync(CATALOG, dir, { recursive: true });
      const cy = path.join(dir, 'catalog.yaml');
      writeFileSync(cy, readFileSync(cy, 'utf8').replaceAll('../codes/', path.join(ROOT, 'catalog/codes') + '/'));
      const form = path.join(dir, 'forms/GQ-003.yaml');
      writeFileSync(form, readFileSync(form, 'utf8').replace('人员概况', '人员概况（修订）'));
      const second = runHuoju(['catalog', 'publish', dir, ...flags]);
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.match(second.stdout, /第 2 版/);

      writeFileSync(form, readFileSync(form, 'utf8') + '\nbroken: [\n');
      const refused = runHuoju(['catalog', 'publish', dir, ...flags]);
      assert.equal(refused.code, 1);
      assert.match(refused.stdout, /目录未发布/);
      const versions = runHuoju(['catalog', 'versions', ...flags]);
      assert.equal(versions.code, 0);
      assert.equal(versions.stdout.trim().split('\n').length, 3, 'header + two versions');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(db.dataDir, { recursive: true, force: true });
    }
  });
}

test('huoju catalog impact counts, per rule, the filings a changed threshold newly fails', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'huoju-impact-'));
  try {
    const next = path.join(dir, 'next');
    cpSync(CATALOG, next, { recursive: true });
    const cy = path.join(next, 'catalog.yaml');
    writeFileSync(cy, readFileSync(cy, 'utf8').replaceAll('../codes/', path.join(ROOT, 'catalog/codes') + '/'));
    // GQ002-R27 (营业收入同比变化) tightened from 50 % to 20 %; GQ002-R30 from qc05_0 to half of it.
    const form = path.join(next, 'forms/GQ-002.yaml');
    const original = readFileSync(form, 'utf8');
    const changed = original
      .replace('expr: "abs(qc05_0 / prev(qc05_0) - 1) <= 0.5"', 'expr: "abs(qc05_0 / prev(qc05_0) - 1) <= 0.2"')
      .replace('expr: "qc236 <= qc05_0"', 'expr: "qc236 <= qc05_0 * 0.5"');
    assert.notEqual(changed, original);
    writeFileSync(form, changed);

    // Previous revenue 900 (+11 %), 700 (+43 %), 400 (+150 %), none: R27 fails 1 → 2.
    const units = path.join(dir, 'units.json');
    const unit = (name, prev) => ({ unit: name, 'GQ-002': { qc05_0: 1000, qc55: 900, qc24: 500 }, previous: prev === undefined ? undefined : { 'GQ-002': { qc05_0: prev } } });
    writeFileSync(units, JSON.stringify([unit('A公司', 900), unit('B公司', 700), unit('C公司', 400), unit('D公司')]));
    const r = runHuoju(['catalog', 'impact', next, '--baseline', CATALOG, '--form', 'GQ-002', '--input', units, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.filings, 4);
    const r27 = report.rules.find((x) => x.id === 'GQ002-R27');
    assert.deepEqual([r27.change, r27.baseline_failures, r27.candidate_failures, r27.newly_failing, r27.newly_passing],
      ['修改', 1, 2, 1, 0]);
    assert.deepEqual(r27.newly_failing_examples, ['B公司']);
    const r01 = report.rules.find((x) => x.id === 'GQ002-R01');
    assert.equal(r01.change, '未变');
    assert.equal(r01.affected, false);

    // CSV input (as huoju audit reads it): qc236 of 100, 600, 900 and blank against qc05_0 1000.
    const csv = path.join(dir, 'filings.csv');
    writeFileSync(csv, 'unit,qc05_0,qc55,qc24,qc236\nU1,1000,900,500,100\nU2,1000,900,500,600\nU3,1000,900,500,900\n,1000,900,500,\n');
    const t = runHuoju(['catalog', 'impact', next, '--baseline', CATALOG, '--form', 'GQ-002', '--input', csv]);
    assert.equal(t.code, 0, t.stdout + t.stderr);
    assert.match(t.stdout, /规则影响预览: 表 GQ-002，4 份填报/);
    assert.match(t.stdout, /GQ002-R30 +修改 +核实性 +0 +2 +\+2 +2 +0 +新增不通过: U2、U3/);
    assert.match(t.stdout, /GQ002-R27 +修改/);  // changed definition, no count change without prev()
    assert.doesNotMatch(t.stdout, /GQ002-R01 /);  // unchanged rules are left out without --all
    console.log(`# ${t.stdout.trim().split('\n').join(' | ')}`);

    const bad = runHuoju(['catalog', 'impact', next, '--form', 'GQ-002', '--input', csv]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--baseline/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
