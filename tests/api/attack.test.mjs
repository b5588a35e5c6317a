// The scripted attack pass (issue 7): CSRF without a token and from a foreign origin, session
// fixation, IDOR with another unit's ids on every id-bearing route, path traversal in file names
// and static paths, oversized uploads, SQL/HTML injection in every text field of the
// registration form, on SQLite and (with the test cluster) PostgreSQL. Each is refused (or stored
// inert) and nothing changes: row counts seen by the administrator and the audit log are
// compared before and after.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { call, login, startServer, runHuoju, makeUscc } from './lib.mjs';

const STRONG = 'Lantern-River-42';
const BACKENDS = ['sqlite', ...(process.env.HUOJU_TEST_PG_URL ? ['postgresql'] : [])];

for (const backend of BACKENDS) {
  describe(`attack pass on ${backend}`, () => {
    let server;
    const s = {};
    const other = {};  // another unit (registered here) with its administrator, sub-account, person link

    const post = (path, session, json, extra = {}) => call(server.url, path, { method: 'POST', session, json, ...extra });
    const get = (path, session) => call(server.url, path, { session });

    // What an attacker must not be able to change, as the administrator sees it.
    async function snapshot() {
      const [accounts, audit, regs, nodes] = await Promise.all([
        get('/api/v1/accounts?limit=1', s.admin),
        get('/api/v1/audit-log?limit=1', s.admin),
        get('/api/v1/registrations?status=all&limit=1', s.admin),
        get(`/api/v1/org/search?q=${encodeURIComponent('有限公司')}&limit=1`, s.admin),
      ]);
      return { accounts: accounts.body.total, audit: audit.body.total, registrations: regs.body.total, nodes: nodes.body.total };
    }

    before(async () => {
      server = await startServer({ backend, units: 60 });
      for (const u of ['admin', 'center', 'sz_zone_reviewer', 'unit_demo']) s[u] = await login(server.url, u);
      const opened = await post('/api/v1/periods', s.center, { form_code: 'GQ-002', period: '2024' });
      assert.ok(opened.status === 201 || opened.status === 409, JSON.stringify(opened.body));  // demo data may have opened it
      // The victim unit: registered, approved, with a sub-account, a person link and a filing.
      const reg = await post('/api/v1/registrations/units', null, {
        uscc: makeUscc(700001), name: '被攻击单位有限公司', region_code: '440305', zone_id: s.sz_zone_reviewer.user.scope.id,
        contact_name: '周七', contact_phone: '13600136000', contact_email: 'v@example.com', admin_username: 'victim_admin', admin_password: STRONG });
      assert.equal(reg.status, 201, JSON.stringify(reg.body));
      const approved = await post(`/api/v1/registrations/${reg.body.id}/approve`, s.sz_zone_reviewer, {});
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      other.registration = reg.body.id;
      other.unit = approved.body.unit.id;
      other.account = approved.body.account_id;
      other.admin = await login(server.url, 'victim_admin', STRONG);
      const sub = await post('/api/v1/unit/accounts', other.admin, { username: 'victim_sub', display_name: '受害填报人', password: STRONG, modules: ['survey'] });
      assert.equal(sub.status, 201);
      other.sub = sub.body.id;
      const p = await post('/api/v1/registrations/persons', null, { username: 'victim_person', display_name: '某人', password: STRONG,
        id_type: 'taiwan_permit', id_number: '12345678', phone: '13600136001', email: 'p@example.com' });
      assert.equal(p.status, 201);
      const person = await login(server.url, 'victim_person', STRONG);
      const link = await post('/api/v1/person/links', person, { uscc: makeUscc(700001) });
      assert.equal(link.status, 201, JSON.stringify(link.body));
      other.link = link.body.id;
      other.filing = (await get('/api/v1/tasks', other.admin)).body.items[0].id;
      other.session = (await get('/api/v1/auth/sessions', other.admin)).body.items[0].id;
    });

    after(async () => { await server?.stop(); server?.cleanup(); });

    test('CSRF: writes without the token or from another origin change nothing', async () => {
      const before = await snapshot();
      const u = s.unit_demo;
      const noToken = await call(server.url, '/api/v1/unit/accounts', { method: 'POST', session: { token: u.token }, csrf: '',
        json: { username: 'csrf_sub', display_name: 'x', password: STRONG } });
      assert.equal(noToken.status, 403);
      assert.equal(noToken.body.error.code, 'csrf_failed');
      const foreignToken = await call(server.url, '/api/v1/unit/accounts', { method: 'POST', session: u, csrf: s.admin.csrf,
        json: { username: 'csrf_sub', display_name: 'x', password: STRONG } });
      assert.equal(foreignToken.status, 403);
      const evil = { origin: 'https://evil.example' };
      for (const [path, body] of [
        ['/api/v1/auth/login', { username: 'unit_demo', password: 'Huoju@2024' }],
        ['/api/v1/registrations/units', { uscc: makeUscc(700002) }],
        ['/api/v1/registrations/persons', { username: 'csrf_person' }],
        ['/api/v1/auth/password-reset', { token: 'f'.repeat(64), new_password: STRONG }],
      ]) {
        const r = await call(server.url, path, { method: 'POST', json: body, headers: evil });
        assert.equal(r.status, 403, `${path} from another origin`);
        assert.equal(r.body.error.code, 'csrf_failed');
      }
      const withSession = await call(server.url, '/api/v1/unit/accounts', { method: 'POST', session: u, headers: evil,
        json: { username: 'csrf_sub', display_name: 'x', password: STRONG } });
      assert.equal(withSession.status, 403, 'a valid token from another origin is still refused');
      const sameOrigin = await call(server.url, '/api/v1/auth/login', { method: 'POST', json: { username: 'unit_demo', password: 'Huoju@2024' },
        headers: { origin: server.url } });
      assert.equal(sameOrigin.status, 200, 'the own origin logs in');
      const after = await snapshot();
      assert.equal(after.accounts, before.accounts);
      assert.equal(after.registrations, before.registrations);
      assert.equal(after.audit, before.audit + 1, 'only the same-origin login was recorded');
    });

    test('session fixation: a planted cookie is not adopted, login issues a fresh id', async () => {
      const planted = 'a'.repeat(64);
      const res = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `huoju_session=${planted}` },
        body: JSON.stringify({ username: 'unit_demo', password: 'Huoju@2024' }) });
      assert.equal(res.status, 200);
      const cookie = res.headers.get('set-cookie');
      const issued = cookie.match(/huoju_session=([0-9a-f]+)/)[1];
      assert.notEqual(issued, planted);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
      assert.equal((await get('/api/v1/auth/me', { token: planted })).status, 401, 'the planted id stays unauthenticated');
      // An attacker's own live session planted in the victim's browser is not upgraded either.
      const attacker = await login(server.url, 'sz_zone_reviewer');
      const res2 = await fetch(`${server.url}/api/v1/auth/login`, { method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `huoju_session=${attacker.token}` },
        body: JSON.stringify({ username: 'unit_demo', password: 'Huoju@2024' }) });
      const victim = res2.headers.get('set-cookie').match(/huoju_session=([0-9a-f]+)/)[1];
      assert.notEqual(victim, attacker.token);
      assert.equal((await get('/api/v1/auth/me', attacker)).body.user.username, 'sz_zone_reviewer');
    });

    test('IDOR: another unit\'s ids on every id-bearing route are refused and change nothing', async () => {
      const routes = JSON.parse(runHuoju(['routes']).stdout).filter((r) => r.path.includes(':'));
      const foreign = (path) => {
        if (path.startsWith('/api/v1/filings/')) return String(other.filing);
        if (path.startsWith('/api/v1/unit/accounts/')) return String(other.sub);
        if (path.startsWith('/api/v1/unit/persons/')) return String(other.link);
        if (path.startsWith('/api/v1/org/nodes/')) return String(other.unit);
        if (path.startsWith('/api/v1/accounts/')) return String(other.account);
        if (path.startsWith('/api/v1/registrations/')) return String(other.registration);
        if (path.startsWith('/api/v1/auth/sessions/')) return other.session;
        if (path.startsWith('/api/v1/periods/')) return '1';
        return null;
      };
      const before = await snapshot();
      const filingBefore = (await get(`/api/v1/filings/${other.filing}`, other.admin)).body;
      let tried = 0;
      for (const route of routes) {
        const id = foreign(route.path);
        if (id === null) continue;  // catalog years, review material kinds: not ids of anyone's data
        const path = route.path.replace(':id', id);
        // A body that passes validation, so that only the ownership check can refuse it.
        const suffix = path.slice(path.lastIndexOf('/'));
        const bodies = {
          '/data': { version: 1, values: {} }, '/submit': { version: 1 }, '/withdraw': {}, '/approve': { version: 1 },
          '/return': { version: 1, reason: '攻击', pins: [] }, '/reopen': { reason: '攻击' },
          '/explanation-decisions': { rule_id: 'GQ002-R03', accepted: true }, '/extensions': { org_node_id: other.unit, reason: '攻击' },
          '/modules': { modules: ['survey'] }, '/grant': { modules: ['survey'] },
          '/move': { parent_id: s.sz_zone_reviewer.user.scope.id, reason: '攻击' }, '/merge': { into_id: s.unit_demo.user.scope.id, reason: '攻击' },
          '/close': { reason: '攻击' }, '/reject': { reason: '攻击' },
        };
        let opts = { method: route.method, session: s.unit_demo };
        if (suffix === '/scan' && route.method === 'POST') opts = { ...opts, body: Buffer.from([0x89, 0x50, 0x4e, 0x47]), headers: { 'content-type': 'image/png' } };
        else if (route.method === 'PATCH') opts.json = { display_name: '攻击' };
        else if (bodies[suffix] && route.method !== 'GET') opts.json = bodies[suffix];
        else if (suffix === '/reopen' && path.startsWith('/api/v1/org/')) opts.json = { reason: '攻击' };
        const r = await call(server.url, path, opts);
        assert.ok(r.status === 403 || r.status === 404,
          `unit_demo ${route.method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
        tried++;
      }
      assert.ok(tried >= 25, `tried ${tried} routes`);
      const after = await snapshot();
      assert.deepEqual(after, before);
      const filingAfter = (await get(`/api/v1/filings/${other.filing}`, other.admin)).body;
      assert.equal(filingAfter.version, filingBefore.version);
      assert.equal(filingAfter.state, filingBefore.state);
      const subs = (await get('/api/v1/unit/accounts', other.admin)).body.items;
      assert.equal(subs.find((x) => x.id === other.sub).status, 'active');
      assert.equal((await get('/api/v1/auth/me', other.admin)).status, 200, 'the victim is still logged in');
    });

    async function rawRequest(pathText) {
      const { hostname, port } = new URL(server.url);
      return new Promise((resolve, reject) => {
        const sock = net.connect(Number(port), hostname, () => sock.write(`GET ${pathText} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`));
        let data = '';
        sock.on('data', (d) => { data += d.toString('latin1'); });
        sock.on('end', () => resolve(data));
        sock.on('error', reject);
      });
    }

    test('path traversal: static paths and upload file names never reach outside', async () => {
      for (const p of ['/../../../../etc/passwd', '/assets/../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
        '/assets/..%2f..%2f..%2fetc%2fpasswd', '/..\\..\\etc\\passwd', '/assets/%2e%2e%5c%2e%2e%5cetc%5cpasswd']) {
        const raw = await rawRequest(p);
        assert.doesNotMatch(raw, /root:.*:0:0:/, p);
        assert.match(raw, /^HTTP\/1\.1 (400|404|200)/, p);
        assert.match(raw, /X-Content-Type-Options: nosniff/i, `${p}: headers`);
      }
      // A scan upload is bound to its filing by the QR code, never by a file name.
      const before = (await get(`/api/v1/filings/${other.filing}`, other.admin)).body;
      const r = await call(server.url, `/api/v1/filings/${other.filing}/scan`, { method: 'POST', session: other.admin,
        body: Buffer.from('%PDF-1.4 not really'), headers: { 'content-type': 'application/pdf', 'content-disposition': 'attachment; filename="../../../etc/passwd"' } });
      assert.ok(r.status === 409 || r.status === 422 || r.status === 415, `${r.status} ${JSON.stringify(r.body)}`);
      const afterScan = (await get(`/api/v1/filings/${other.filing}`, other.admin)).body;
      assert.deepEqual(afterScan.scan, before.scan);
    });

    test('oversized uploads and bodies are refused before they are read', async () => {
      const big = Buffer.alloc(13 * 1024 * 1024, 0x41);
      const r = await call(server.url, `/api/v1/filings/${other.filing}/scan`, { method: 'POST', session: other.admin,
        body: big, headers: { 'content-type': 'application/pdf' } }).catch((e) => ({ status: 'reset', body: String(e) }));
      assert.equal(r.status, 413, JSON.stringify(r.body).slice(0, 200));
      const before = await snapshot();
      const huge = await call(server.url, '/api/v1/registrations/units', { method: 'POST', json: { name: 'x'.repeat(2 * 1024 * 1024) } })
        .catch((e) => ({ status: 'reset', body: String(e) }));
      assert.equal(huge.status, 413);
      assert.deepEqual(await snapshot(), before);
    });

    test('injection strings in every text field of the registration form: refused or stored inert', async () => {
      const payloads = ["'); DROP TABLE account; --", '" OR "1"="1', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>',
        "1' UNION SELECT password_hash FROM account --", '../../etc/passwd', '\u0000nul'];
      const valid = (n) => ({ uscc: makeUscc(710000 + n), name: `注入测试${n}有限公司`, region_code: '440305',
        zone_id: s.sz_zone_reviewer.user.scope.id, contact_name: '吴八', contact_phone: '13500135000',
        contact_email: 'w@example.com', admin_username: `inj_${n}`, admin_display_name: '管理员', admin_password: STRONG });
      const formatted = ['uscc', 'region_code', 'contact_phone', 'contact_email', 'admin_username'];
      const free = ['name', 'contact_name', 'admin_display_name', 'admin_password'];
      const before = await snapshot();
      let n = 0;
      for (const field of formatted) {
        for (const p of payloads) {
          const r = await post('/api/v1/registrations/units', null, { ...valid(++n), [field]: p });
          assert.equal(r.status, 422, `${field} ${JSON.stringify(p)}: ${r.status} ${JSON.stringify(r.body)}`);
          assert.equal(r.body.error.details.field, field);
        }
      }
      // Free text: every free field carries the payload at once (the per-address limit allows ten
      // registrations an hour). Control characters are refused; the rest is stored as typed.
      let stored = 0;
      for (const p of payloads) {
        // The password is only ever hashed; the suffix keeps it within the password policy.
        const body = { ...valid(++n), name: `${p}有限公司`, contact_name: p, admin_display_name: p, admin_password: `${p}Aa1!x` };
        const r = await post('/api/v1/registrations/units', null, body);
        if (p.includes('\u0000')) {
          assert.equal(r.status, 422, JSON.stringify(r.body));
          assert.ok(free.includes(r.body.error.details.field), JSON.stringify(r.body));
          continue;
        }
        assert.equal(r.status, 201, `${JSON.stringify(p)}: ${JSON.stringify(r.body)}`);
        stored++;
        const seen = await get(`/api/v1/registrations/${r.body.id}`, s.sz_zone_reviewer);
        assert.match(seen.headers.get('content-type'), /application\/json/);
        assert.equal(seen.headers.get('x-content-type-options'), 'nosniff');
        assert.equal(seen.body.name, body.name, 'stored exactly as typed, as data');
        assert.equal(seen.body.contact_name, body.contact_name);
      }
      assert.ok(stored > 0);
      const after = await snapshot();
      assert.equal(after.accounts, before.accounts, 'no account appeared or vanished');
      assert.equal(after.registrations, before.registrations + stored);
      assert.equal((await get('/api/v1/auth/me', s.admin)).status, 200, 'the account table is still there');
    });

    test('the server log holds ids, never passwords, tokens, contact details or ID numbers', async () => {
      const log = server.log();
      assert.ok(log.includes('http.request'), 'the log was captured');
      for (const secret of [STRONG, 'Huoju@2024', s.admin.token, s.admin.csrf, '13600136000', 'v@example.com',
        '13600136001', 'p@example.com', '周七', '被攻击单位有限公司']) {
        assert.ok(!log.includes(secret), `the log contains ${secret}`);
      }
    });

    test('security headers on API, static and error answers', async () => {
      for (const path of ['/api/v1/version', '/', '/index.html', '/no/such/page', '/api/v1/nope']) {
        const res = await fetch(server.url + path);
        assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/, path);
        assert.equal(res.headers.get('x-frame-options'), 'DENY', path);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer', path);
      }
    });
  });
}
