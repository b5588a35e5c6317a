// Accounts and sessions through a real server: password change, reset by one-time token,
// own and administered sessions, CSRF on every write, bad input named in Chinese.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, login, startServer, PASSWORD } from './lib.mjs';

let server;

before(async () => { server = await startServer({ units: 50 }); });
after(async () => { await server?.stop(); server?.cleanup(); });

const post = (path, session, json, extra = {}) => call(server.url, path, { method: 'POST', session, json, ...extra });

test('change password: policy named in Chinese, other sessions end, this one stays', async () => {
  const a = await login(server.url, 'bj_reviewer');
  const b = await login(server.url, 'bj_reviewer');
  const wrong = await post('/api/v1/auth/password', a, { current_password: 'nope', new_password: 'Lantern-River-42' });
  assert.equal(wrong.status, 422);
  assert.equal(wrong.body.error.details.field, 'current_password');
  for (const [pw, words] of [['Ab1!', '10'], ['abcdefghijkl', '三类'], ['Bj_Reviewer-2031', '用户名'], ['P@ssw0rd123', '常见']]) {
    const r = await post('/api/v1/auth/password', a, { current_password: PASSWORD, new_password: pw });
    assert.equal(r.status, 422, pw);
    assert.equal(r.body.error.details.field, 'new_password');
    assert.ok(r.body.error.message.includes(words), `${pw}: ${r.body.error.message}`);
  }
  const missing = await post('/api/v1/auth/password', a, { current_password: PASSWORD });
  assert.equal(missing.status, 422);
  assert.equal(missing.body.error.details.field, 'new_password');
  assert.match(missing.body.error.message, /新密码/);
  const noCsrf = await call(server.url, '/api/v1/auth/password', { method: 'POST', session: { token: a.token }, csrf: '',
    json: { current_password: PASSWORD, new_password: 'Lantern-River-42' } });
  assert.equal(noCsrf.status, 403);
  assert.equal(noCsrf.body.error.code, 'csrf_failed');

  const ok = await post('/api/v1/auth/password', a, { current_password: PASSWORD, new_password: 'Lantern-River-42' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal((await call(server.url, '/api/v1/auth/me', { session: a })).status, 200);
  assert.equal((await call(server.url, '/api/v1/auth/me', { session: b })).status, 401);
  await assert.rejects(login(server.url, 'bj_reviewer'));
  const again = await login(server.url, 'bj_reviewer', 'Lantern-River-42');
  const back = await post('/api/v1/auth/password', again, { current_password: 'Lantern-River-42', new_password: PASSWORD });
  assert.equal(back.status, 422, 'the old password is among the last five');
});

test('reset: admin gets a token, anyone uses it once, every session ends', async () => {
  const admin = await login(server.url, 'admin');
  const victim = await login(server.url, 'sz_city_reviewer');
  const id = victim.user.id;
  const noCsrf = await call(server.url, `/api/v1/accounts/${id}/password-reset`, { method: 'POST', session: { token: admin.token }, csrf: '' });
  assert.equal(noCsrf.status, 403);
  const notAdmin = await post(`/api/v1/accounts/${id}/password-reset`, await login(server.url, 'center'));
  assert.equal(notAdmin.status, 403);
  const absent = await post('/api/v1/accounts/999999/password-reset', admin);
  assert.equal(absent.status, 404);
  const issued = await post(`/api/v1/accounts/${id}/password-reset`, admin);
  assert.equal(issued.status, 201, JSON.stringify(issued.body));
  assert.match(issued.body.token, /^[0-9a-f]{64}$/);
  assert.ok(server.log().includes('identity.password_reset_token'), 'the demo notifier logs it');

  const weak = await post('/api/v1/auth/password-reset', undefined, { token: issued.body.token, new_password: '123456' });
  assert.equal(weak.status, 422);
  assert.equal(weak.body.error.details.field, 'new_password');
  const used = await post('/api/v1/auth/password-reset', undefined, { token: issued.body.token, new_password: 'Harbour-Light-77' });
  assert.equal(used.status, 200, JSON.stringify(used.body));
  assert.equal((await call(server.url, '/api/v1/auth/me', { session: victim })).status, 401);
  await login(server.url, 'sz_city_reviewer', 'Harbour-Light-77');
  const second = await post('/api/v1/auth/password-reset', undefined, { token: issued.body.token, new_password: 'Harbour-Light-78' });
  assert.equal(second.status, 422);
  assert.equal(second.body.error.details.field, 'token');
  const bogus = await post('/api/v1/auth/password-reset', undefined, { token: 'f'.repeat(64), new_password: 'Harbour-Light-78' });
  assert.equal(bogus.body.error.message, second.body.error.message, 'one message for every bad token');
  const junk = await post('/api/v1/auth/password-reset', undefined, { token: 42 });
  assert.equal(junk.status, 422);
  assert.match(junk.body.error.message, /重置令牌/);
});

test('own sessions: listed without tokens, one ended → 401, logout-all', async () => {
  const a = await login(server.url, 'registry_gd');
  const b = await login(server.url, 'registry_gd');
  const list = await call(server.url, '/api/v1/auth/sessions', { session: a });
  assert.equal(list.status, 200);
  assert.ok(list.body.items.length >= 2);
  assert.equal(list.body.items.filter((s) => s.current).length, 1);
  const text = JSON.stringify(list.body);
  assert.ok(!text.includes(a.token) && !text.includes(b.token), 'no token in the list');
  const other = list.body.items.find((s) => !s.current);
  assert.match(other.id, /^[0-9a-f]{16}$/);
  const noCsrf = await call(server.url, `/api/v1/auth/sessions/${other.id}`, { method: 'DELETE', session: { token: a.token }, csrf: '' });
  assert.equal(noCsrf.status, 403);
  // Ending every session but a's one by one; b is among them.
  for (const s of list.body.items.filter((x) => !x.current)) {
    const r = await call(server.url, `/api/v1/auth/sessions/${s.id}`, { method: 'DELETE', session: a });
    assert.equal(r.status, 200);
  }
  assert.equal((await call(server.url, '/api/v1/auth/me', { session: b })).status, 401);
  const gone = await call(server.url, `/api/v1/auth/sessions/${other.id}`, { method: 'DELETE', session: a });
  assert.equal(gone.status, 404);
  const all = await post('/api/v1/auth/logout-all', a);
  assert.equal(all.status, 200);
  assert.match(all.headers.get('set-cookie'), /Max-Age=0/);
  assert.equal((await call(server.url, '/api/v1/auth/me', { session: a })).status, 401);
});

test('admin lists and ends the sessions of an account in scope', async () => {
  const admin = await login(server.url, 'admin');
  const unit = await login(server.url, 'unit_demo');
  const list = await call(server.url, `/api/v1/accounts/${unit.user.id}/sessions`, { session: admin });
  assert.equal(list.status, 200);
  assert.ok(list.body.items.length >= 1);
  assert.ok(list.body.items.every((s) => !s.current));
  const noCsrf = await call(server.url, `/api/v1/accounts/${unit.user.id}/sessions/end`, { method: 'POST', session: { token: admin.token }, csrf: '' });
  assert.equal(noCsrf.status, 403);
  const end = await post(`/api/v1/accounts/${unit.user.id}/sessions/end`, admin);
  assert.equal(end.status, 200);
  assert.ok(end.body.ended >= 1);
  assert.equal((await call(server.url, '/api/v1/auth/me', { session: unit })).status, 401);
  assert.equal((await call(server.url, '/api/v1/auth/me', { session: admin })).status, 200);
  const notAdmin = await call(server.url, `/api/v1/accounts/${admin.user.id}/sessions`, { session: await login(server.url, 'center') });
  assert.equal(notAdmin.status, 403);
});
