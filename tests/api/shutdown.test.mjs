// Graceful shutdown: SIGTERM while requests are being worked on. Every request the server had
// accepted is answered in full, new connections are refused, and the process exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, PASSWORD } from './lib.mjs';

test('SIGTERM finishes in-flight requests, then exits 0', { timeout: 60000 }, async () => {
  // Real argon2id cost makes each login take tens of milliseconds with at most two at once,
  // so a burst of logins is still in flight when the signal arrives.
  const server = await startServer({ units: 10, passwordCost: 'interactive' });
  try {
    const burst = Array.from({ length: 10 }, () => fetch(server.url + '/api/v1/auth/login', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'center', password: PASSWORD }),
    }).then(async (r) => ({ status: r.status, body: await r.json() })));
    await new Promise((r) => setTimeout(r, 60));
    const t0 = Date.now();
    server.proc.kill('SIGTERM');
    const results = await Promise.all(burst);
    for (const r of results) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.user.username, 'center');
    }
    const exit = await server.exited;
    assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}`);
    assert.ok(Date.now() - t0 < 15000);
    await assert.rejects(fetch(server.url + '/healthz'), 'no new connections after stop');
    assert.match(server.log(), /server\.draining/);
    assert.match(server.log(), /server\.stopped/);
  } finally {
    await server.stop();
    server.cleanup();
  }
});
