// `huoju demo-data` is deterministic, realistic and refuses a non-empty database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { freshDatabase, runHuoju } from './lib.mjs';

function dump(dataDir) {
  return execFileSync('sqlite3', [`${dataDir}/huoju.db`,
    'SELECT id, parent_id, kind, name, code, uscc, region_code, zone_id, industry_code, unit_type, path FROM org_node ORDER BY id'],
  { maxBuffer: 64 << 20 }).toString();
}

test('same seed, same tree; another seed, another tree', () => {
  const a = freshDatabase('sqlite');
  const b = freshDatabase('sqlite');
  const c = freshDatabase('sqlite');
  for (const [db, seed] of [[a, 7], [b, 7], [c, 8]]) {
    const r = runHuoju(['demo-data', '--seed', String(seed), '--units', '800', '--data-dir', db.dataDir, '--password-cost', 'fast']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /国家高新区 178/);
  }
  assert.equal(dump(a.dataDir), dump(b.dataDir));
  assert.notEqual(dump(a.dataDir), dump(c.dataDir));
});

test('units carry valid USCCs, GB/T 4754 小类 industries and a region', () => {
  const db = freshDatabase('sqlite');
  runHuoju(['demo-data', '--units', '500', '--data-dir', db.dataDir, '--password-cost', 'fast']);
  const rows = execFileSync('sqlite3', [`${db.dataDir}/huoju.db`,
    "SELECT uscc || '|' || industry_code || '|' || region_code FROM org_node WHERE kind = 'unit'"]).toString().trim().split('\n');
  assert.equal(rows.length, 500);
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  for (const row of rows) {
    const [uscc, industry, region] = row.split('|');
    const sum = [...uscc.slice(0, 17)].reduce((s, ch, i) => s + alphabet.indexOf(ch) * weights[i], 0);
    assert.equal(uscc[17], alphabet[(31 - (sum % 31)) % 31], uscc);
    assert.match(industry, /^\d{4}$/);
    assert.match(region, /^\d{6}$/);
    assert.equal(uscc.slice(2, 8), region, 'the USCC carries the unit region');
  }
});

test('refuses to write into a database that already has data, and bad flags exit 2', () => {
  const db = freshDatabase('sqlite');
  assert.equal(runHuoju(['demo-data', '--units', '10', '--data-dir', db.dataDir, '--password-cost', 'fast']).code, 0);
  const again = runHuoju(['demo-data', '--units', '10', '--data-dir', db.dataDir]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /已有/);
  const bad = runHuoju(['demo-data', '--units', 'many', '--data-dir', db.dataDir]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--units/);
  for (const args of [['serve', '--listen', 'nowhere'], ['serve', '--workers', '0'], ['migrate', '--database-url', 'mysql://x'], ['serve', '--frobnicate', '1'], ['nonsense']]) {
    const r = runHuoju(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
  for (const cmd of ['serve', 'migrate', 'demo-data', 'version', 'check']) {
    const r = runHuoju([cmd, '--help']);
    assert.equal(r.code, 0, cmd);
    assert.match(r.stdout, /用法/);
  }
});
