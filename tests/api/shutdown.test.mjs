// Graceful shutdown: SIGTERM while requests are being worked on. Every request the server had
// accepted is answered in full, new connections are refused, and the process exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, PASSWORD } from './lib.mjs';

test('SIGTERM finishes in-flight requests, then exits 0', { timeout: 60000 }, async () => {
  // Real argon2id cost makes each login take tens of milliseconds with few at once, so a burst
  // of logins is still in flight when the signal arrives. Logins beyond the hash waiting room
  // are answered 429 at once: an answer too, so every request must get one of the two.
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
      assert.ok([200, 429].includes(r.status), JSON.stringify(r.body));
      if (r.status === 200) assert.equal(r.body.user.username, 'center');
      else assert.equal(r.body.error.code, 'rate_limited');
    }
    assert.ok(results.some((r) => r.status === 200), 'the logins in the hash slot and waiting room finish');
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
