// A stand-in for the Huoju server, for front-end work without the C++ build: implements the
// auth and org parts of docs/api.md over generated data, and serves web/dist like the real
// server (SPA fallback). Not used by the e2e tests, which run against the real server.
//
//   node mock/server.mjs [--port 18081] [--dist dist]
import http from 'node:http'
import { randomBytes } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'

const args = process.argv.slice(2)
const opt = (name, def) => {
  const i = args.indexOf(name)
  return i >= 0 && args[i + 1] ? args[i + 1] : def
}
const PORT = Number(opt('--port', '18081'))
const DIST = path.resolve(opt('--dist', path.join(import.meta.dirname, '..', 'dist')))

// ---- org tree --------------------------------------------------------------------------
const KIND_NAMES = {
  center: '火炬中心', province: '省级', city: '地市', zone: '国家高新区',
  registry: '技术合同登记机构', unit: '填报单位',
}
const nodes = new Map()
const children = new Map()
let nextId = 1
function add(parent, kind, name, extra = {}) {
  const n = {
    id: nextId++, parent_id: parent ? parent.id : null, kind, kind_name: KIND_NAMES[kind], name,
    code: null, uscc: null, region_code: null, zone_id: null, industry_code: null, unit_type: null,
    child_count: 0, ...extra,
  }
  nodes.set(n.id, n)
  children.set(n.id, [])
  if (parent) { children.get(parent.id).push(n); parent.child_count++ }
  return n
}
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
function uscc(region, seq) {
  const body = `91${region}${String(seq).padStart(9, '0').slice(-9)}`
  let sum = 0
  for (let i = 0; i < 17; i++) sum += USCC_CHARS.indexOf(body[i]) * USCC_W[i]
  return body + USCC_CHARS[(31 - (sum % 31)) % 31]
}
const WORDS = ['华信', '中科', '创新', '远景', '博源', '天成', '瑞达', '恒通', '智联', '启明', '新材', '光电', '微芯', '云图', '海纳']
const TAILS = ['科技有限公司', '信息技术有限公司', '生物医药有限公司', '电子股份有限公司', '新材料有限公司']
const INDUSTRIES = ['3911', '6510', '2710', '3985', '7320', '6421']
let seq = 1
function units(zone, city, count) {
  for (let i = 0; i < count; i++) {
    const short = city.name.replace(/市(市辖区)?$/, '')
    const name = `${short}${WORDS[i % WORDS.length]}${WORDS[(i * 7 + 3) % WORDS.length]}${TAILS[i % TAILS.length]}${i >= 15 ? `（${i}）` : ''}`
    add(zone, 'unit', name, {
      code: null, uscc: uscc(city.code, seq++), region_code: city.code.slice(0, 4) + '0' + (i % 9 + 1),
      zone_id: zone.id, industry_code: INDUSTRIES[i % INDUSTRIES.length],
      unit_type: i % 11 === 0 ? 'institution' : 'enterprise',
    })
  }
}
const center = add(null, 'center', '火炬中心')
const PROVINCES = [
  ['北京市', '110000', [['北京市市辖区', '110100', [['中关村科技园区', 'Z1101', 40]]]]],
  ['广东省', '440000', [
    ['广州市', '440100', [['广州高新技术产业开发区', 'Z4401', 30]]],
    ['深圳市', '440300', [['深圳市高新技术产业园区', 'Z4403', 260]]],
    ['珠海市', '440400', [['珠海高新技术产业开发区', 'Z4404', 12]]],
    ['东莞市', '441900', [['东莞松山湖高新技术产业开发区', 'Z4419', 8]]],
  ]],
  ['上海市', '310000', [['上海市市辖区', '310100', [['上海张江高新技术产业开发区', 'Z3101', 25]]]]],
  ['浙江省', '330000', [['杭州市', '330100', [['杭州高新技术产业开发区', 'Z3301', 20]]], ['宁波市', '330200', []]]],
  ['江苏省', '320000', [['南京市', '320100', [['南京高新技术产业开发区', 'Z3201', 15]]], ['苏州市', '320500', [['苏州工业园区', 'Z3205', 15]]]]],
]
const named = {}
for (const [pname, pcode, cities] of PROVINCES) {
  const p = add(center, 'province', pname, { code: pcode, region_code: pcode })
  named[pname] = p
  for (const [cname, ccode, zones] of cities) {
    const c = add(p, 'city', cname, { code: ccode, region_code: ccode })
    for (const [zname, zcode, count] of zones) {
      const z = add(c, 'zone', zname, { code: zcode, region_code: ccode })
      named[zname] = z
      units(z, c, count)
    }
  }
  if (pname === '广东省') named.registry_gd = add(p, 'registry', '广东省技术合同登记机构', { region_code: pcode })
}
const demoUnit = children.get(named['深圳市高新技术产业园区'].id)[0]

// ---- accounts and sessions -------------------------------------------------------------
const PASSWORD = 'Huoju@2024'
const ACCOUNTS = [
  ['admin', '系统管理员', 'admin', '系统管理员', center],
  ['center', '火炬中心', 'center', '火炬中心', center],
  ['gd_reviewer', '广东省审核员', 'reviewer', '审核员', named['广东省']],
  ['bj_reviewer', '北京市审核员', 'reviewer', '审核员', named['北京市']],
  ['sz_zone_reviewer', '深圳高新区审核员', 'reviewer', '审核员', named['深圳市高新技术产业园区']],
  ['unit_demo', demoUnit.name, 'filler', '填报单位', demoUnit],
  ['registry_gd', '广东省技术合同登记机构', 'registry', '技术合同登记机构', named.registry_gd],
].map(([username, display_name, role, role_name, scope], i) => ({ id: i + 1, username, display_name, role, role_name, scope }))
const sessions = new Map()

function ancestors(node) {
  const out = []
  for (let n = node; n; n = n.parent_id ? nodes.get(n.parent_id) : null) out.unshift(n)
  return out
}
function userJson(a) {
  return {
    id: a.id, username: a.username, display_name: a.display_name, role: a.role, role_name: a.role_name,
    scope: { id: a.scope.id, kind: a.scope.kind, name: a.scope.name, path_names: ancestors(a.scope).map((n) => n.name) },
    level: a.scope.kind,
  }
}
function inScope(account, node) {
  return ancestors(node).some((n) => n.id === account.scope.id)
}

// ---- http ------------------------------------------------------------------------------
function send(res, status, body, headers = {}) {
  const data = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-Id': randomBytes(8).toString('hex'), ...headers })
  res.end(data)
}
const fail = (res, status, code, message, details = {}) => send(res, status, { error: { code, message, details } })
function cookies(req) {
  const out = {}
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=')
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim()
  }
  return out
}
async function readBody(req) {
  const chunks = []
  for await (const c of req) chunks.push(c)
  const text = Buffer.concat(chunks).toString('utf8')
  return text ? JSON.parse(text) : {}
}
function paging(url, res) {
  const offset = Number(url.searchParams.get('offset') ?? 0)
  const limit = Number(url.searchParams.get('limit') ?? 50)
  if (!Number.isInteger(offset) || offset < 0) return fail(res, 422, 'validation_failed', 'offset 必须是非负整数', { field: 'offset' }), null
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) return fail(res, 422, 'validation_failed', 'limit 必须在 1 到 200 之间', { field: 'limit' }), null
  return { offset, limit }
}
const pageOf = (list, { offset, limit }) => ({ items: list.slice(offset, offset + limit), total: list.length, offset, limit })

async function api(req, res, url) {
  const p = url.pathname
  const session = sessions.get(cookies(req).huoju_session)
  if (req.method === 'POST' && p === '/api/v1/auth/login') {
    let body
    try { body = await readBody(req) } catch { return fail(res, 400, 'bad_request', '请求体不是合法的 JSON') }
    const acc = ACCOUNTS.find((a) => a.username === body.username)
    if (!acc || body.password !== PASSWORD) return fail(res, 401, 'unauthenticated', '用户名或密码错误')
    const sid = randomBytes(24).toString('hex')
    const csrf = randomBytes(16).toString('hex')
    sessions.set(sid, { account: acc, csrf })
    return send(res, 200, { user: userJson(acc), csrf_token: csrf }, { 'Set-Cookie': `huoju_session=${sid}; HttpOnly; SameSite=Strict; Path=/` })
  }
  if (!session) return fail(res, 401, 'unauthenticated', '请先登录')
  if (req.method !== 'GET' && req.headers['x-csrf-token'] !== session.csrf) return fail(res, 403, 'csrf_failed', 'CSRF 校验失败，请刷新页面后重试')
  const acc = session.account
  if (req.method === 'GET' && p === '/api/v1/auth/me') return send(res, 200, { user: userJson(acc), csrf_token: session.csrf })
  if (req.method === 'POST' && p === '/api/v1/auth/logout') {
    sessions.delete(cookies(req).huoju_session)
    return send(res, 200, { ok: true }, { 'Set-Cookie': 'huoju_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0' })
  }
  if (req.method === 'GET' && p === '/api/v1/org/scope') return send(res, 200, acc.scope)
  if (req.method === 'GET' && p === '/api/v1/org/search') {
    const q = (url.searchParams.get('q') ?? '').trim()
    if ([...q].length < 1 || [...q].length > 50) return fail(res, 422, 'validation_failed', '搜索内容长度应为 1 到 50 个字符', { field: 'q' })
    const pg = paging(url, res); if (!pg) return
    const kind = url.searchParams.get('kind')
    const hits = [...nodes.values()].filter((n) => (n.name.includes(q) || n.uscc === q) && (!kind || n.kind === kind) && inScope(acc, n))
    return send(res, 200, pageOf(hits, pg))
  }
  const m = /^\/api\/v1\/org\/nodes\/(\d+)(\/children|\/path)?$/.exec(p)
  if (req.method === 'GET' && m) {
    const node = nodes.get(Number(m[1]))
    if (!node || !inScope(acc, node)) return fail(res, 404, 'not_found', '机构不存在')
    if (!m[2]) return send(res, 200, node)
    if (m[2] === '/path') return send(res, 200, { items: ancestors(node).filter((n) => inScope(acc, n)) })
    const pg = paging(url, res); if (!pg) return
    const kind = url.searchParams.get('kind')
    return send(res, 200, pageOf(children.get(node.id).filter((n) => !kind || n.kind === kind), pg))
  }
  return fail(res, 404, 'not_found', '接口不存在')
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.ttf': 'font/ttf' }
async function staticFile(res, url) {
  let file = path.join(DIST, decodeURIComponent(url.pathname))
  if (!file.startsWith(DIST)) file = DIST
  try {
    if (!(await stat(file)).isFile()) throw new Error('dir')
  } catch {
    file = path.join(DIST, 'index.html')
  }
  try {
    const data = await readFile(file)
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
    res.end(data)
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }); res.end('web/dist 不存在：请先运行 npm run build')
  }
}

http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (url.pathname === '/healthz') return send(res, 200, { status: 'ok' })
  if (url.pathname === '/readyz') return send(res, 200, { status: 'ready' })
  if (url.pathname === '/api/v1/version') return send(res, 200, { version: 'mock', database: 'sqlite' })
  if (url.pathname.startsWith('/api/')) {
    api(req, res, url).catch((e) => { console.error(e); fail(res, 500, 'internal', '服务器内部错误') })
    return
  }
  void staticFile(res, url)
}).listen(PORT, '127.0.0.1', () => console.log(`mock huoju on http://127.0.0.1:${PORT} (${nodes.size} org nodes, dist ${DIST})`))
