// Crash safety: SIGKILL the server in the middle of a stream of writes, restart it on the same
// database, and check that every write the server acknowledged is there and that the database
// passes its integrity check. Run on SQLite and on PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, login, startServer, runHuoju, makeUscc } from './lib.mjs';

for (const backend of ['sqlite', 'postgresql']) {
  test(`acknowledged writes survive SIGKILL (${backend})`, { timeout: 120000 }, async () => {
    let server = await startServer({ backend, units: 50 });
    const admin = await login(server.url, 'admin');
    const zone = admin.user.scope.id;  // the tree root: admin may add anywhere
    const parent = (await call(server.url, '/api/v1/org/search?q=' + encodeURIComponent('深圳市高新技术产业园区') + '&kind=zone',
      { session: admin })).body.items[0].id;
    assert.ok(parent && zone);

    const acked = [];
    let attempted = 0;
    let failedAfterKill = 0;
    let killed = false;
    const writer = async (lane) => {
      for (let i = 0; !killed || i === 0; i++) {
        const n = lane * 1_000_000 + i;
        attempted++;
        try {
          const r = await call(server.url, '/api/v1/org/nodes', {
            method: 'POST', session: admin,
            json: { parent_id: parent, kind: 'unit', name: `崩溃测试单位${n}`, uscc: makeUscc(n + 5_000_000), industry_code: '3911' },
          });
          if (r.status === 201) acked.push({ id: r.body.id, name: r.body.name });
          else if (!killed) throw new Error(`write refused: ${r.status} ${JSON.stringify(r.body)}`);
        } catch (e) {
          if (!killed) throw e;
          failedAfterKill++;
          return;
        }
      }
    };
    const lanes = Array.from({ length: 8 }, (_, k) => writer(k + 1));
    await new Promise((r) => setTimeout(r, 1500));
    killed = true;
    const exit = await server.kill();
    assert.equal(exit.signal, 'SIGKILL');
    await Promise.all(lanes);
    assert.ok(acked.length > 20, `only ${acked.length} writes acknowledged before the kill`);

    const db = server.db;
    server = await startServer({ backend, db });
    try {
      const again = await login(server.url, 'admin');
      for (const w of acked) {
        const r = await call(server.url, `/api/v1/org/nodes/${w.id}`, { session: again });
        assert.equal(r.status, 200, `acknowledged write ${w.id} lost`);
        assert.equal(r.body.name, w.name);
      }
      const search = await call(server.url, '/api/v1/org/search?q=' + encodeURIComponent('崩溃测试单位') + '&limit=1', { session: again });
      assert.ok(search.body.total >= acked.length, 'count of stored writes ≥ acknowledged');
      assert.ok(search.body.total <= attempted, 'no phantom writes');
    } finally {
      await server.stop();
    }
    const check = runHuoju(['check', '--database-url', db.databaseUrl]);
    assert.equal(check.code, 0, `integrity check failed: ${check.stderr}`);
    console.log(`# ${backend}: ${acked.length} acknowledged writes, all present after SIGKILL; integrity ok`);
    server.cleanup();
  });
}
