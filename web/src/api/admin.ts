// Administration: registration review, accounts, org tree editing, the audit log
// (docs/api.md "Accounts and sessions" and "Registration and administration").
import { ApiError, http, request } from './http'
import type { Registration, RegistrationStatus, SessionEntry } from './account'
import type { ModuleRef, NodeKind, OrgNode, Page, Role } from './types'

export interface Account {
  id: number
  username: string
  display_name: string
  role: Role
  role_name: string
  kind: 'primary' | 'sub' | 'person'
  status: 'active' | 'disabled'
  scope: { id: number; kind: NodeKind; name: string }
  must_change_password: boolean
  modules: (string | ModuleRef)[]
  created_at: string
  last_login_at: string | null
}

export interface AccountQuery {
  q?: string
  role?: string
  status?: string
  node?: number
  offset?: number
  limit?: number
}

export interface OrgHistoryEntry {
  id: number
  at: string
  action: string
  actor: { id: number; username: string }
  reason: string | null
  before: unknown
  after: unknown
}

export interface AuditEntry {
  id: number
  at: string
  action: string
  actor: { id: number; username: string } | null
  object_type: string
  object_id: string
  org_node: { id: number; name: string } | null
  client_address: string
  detail: unknown
}

export interface AuditQuery {
  user?: number
  unit?: number
  action?: string
  from?: string
  to?: string
  offset?: number
  limit?: number
}

export const ACCOUNT_STATUS_NAMES: Record<string, string> = { active: '正常', disabled: '已停用' }
export const ACCOUNT_KIND_NAMES: Record<string, string> = { primary: '主账号', sub: '填报人（子账号）', person: '个人账号' }
export const NODE_STATUS_NAMES: Record<string, string> = { active: '正常', closed: '已关闭', merged: '已合并' }

/** Chinese names of audit-log actions; an unknown code is shown as it is. */
export const AUDIT_ACTION_NAMES: Record<string, string> = {
  'auth.login': '登录',
  'auth.logout': '退出登录',
  'auth.login_failed': '登录失败',
  'auth.password_changed': '修改密码',
  'auth.password_reset': '使用令牌重置密码',
  'auth.session_ended': '结束会话',
  'auth.logout_all': '全部退出',
  'auth.password_rehashed': '密码哈希升级',
  'account.create': '创建账号',
  'account.update': '修改账号',
  'account.password_reset_issued': '签发密码重置令牌',
  'account.sessions_ended': '管理员结束会话',
  'account.register_person': '个人账号注册',
  'person.link_request': '申请关联单位',
  'unit.sub_account_create': '新增填报人子账号',
  'unit.sub_account_modules': '子账号模块授权',
  'unit.sub_account_disable': '停用子账号',
  'unit.sub_account_enable': '启用子账号',
  'unit.person_grant': '授权个人账号',
  'unit.person_withdraw': '撤回个人授权',
  'registration.submit': '提交单位注册',
  'registration.approve': '通过单位注册',
  'registration.reject': '驳回单位注册',
  'org.create': '新增机构',
  'org.move': '调整上级',
  'org.merge': '合并单位',
  'org.merge_in': '并入单位',
  'org.close': '关闭机构',
  'org.reopen': '恢复机构',
  'filing.save': '保存报表',
  'filing.submit': '上报',
  'filing.approve': '审核通过',
  'filing.return': '退回',
}

const STATUS_WORDS: Record<string, string> = { active: '正常', closed: '已关闭', merged: '已合并', disabled: '已停用' }

function brief(v: unknown): string {
  if (v === null || v === undefined) return '—'
  if (typeof v !== 'object') return String(v)
  const o = v as Record<string, unknown>
  const parts: string[] = []
  if (typeof o.status === 'string') parts.push(STATUS_WORDS[o.status] ?? o.status)
  if (typeof o.role === 'string') parts.push(o.role)
  if (o.parent_id !== undefined) parts.push(`上级 #${String(o.parent_id)}`)
  return parts.length ? parts.join('，') : JSON.stringify(v)
}

const FIELD_WORDS: Record<string, string> = {
  status: '状态',
  parent_id: '上级',
  name: '名称',
  role: '角色',
  display_name: '姓名',
  scope_node_id: '管辖范围',
  must_change_password: '须改密',
  modules: '模块',
}

function word(key: string, v: unknown): string {
  if (v === null || v === undefined) return '—'
  if (key === 'status' && typeof v === 'string') return STATUS_WORDS[v] ?? v
  if (key === 'parent_id' || key === 'scope_node_id') return `#${String(v)}`
  return typeof v === 'object' ? JSON.stringify(v) : String(v)
}

/** Only what differs between two snapshots (audit detail, org history): "状态：正常 → 已关闭". */
export function describeChanges(before: unknown, after: unknown): string {
  if ((before === null || before === undefined) && (after === null || after === undefined)) return '—'
  if (!before || !after || typeof before !== 'object' || typeof after !== 'object') return `${brief(before)} → ${brief(after)}`
  const b = before as Record<string, unknown>
  const a = after as Record<string, unknown>
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter(
    (k) => k !== 'path' && JSON.stringify(b[k]) !== JSON.stringify(a[k]),
  )
  if (!keys.length) return '无变化'
  return keys.map((k) => `${FIELD_WORDS[k] ?? k}：${word(k, b[k])} → ${word(k, a[k])}`).join('，')
}

export const adminApi = {
  // registrations
  registrations: (status: RegistrationStatus | 'all', offset = 0, limit = 50) =>
    http.get<Page<Registration>>('/api/v1/registrations', { query: { status, offset, limit } }),
  registration: (id: number) => http.get<Registration>(`/api/v1/registrations/${id}`),
  approve: (id: number) =>
    http.post<{ registration: Registration; unit: OrgNode; account_id: number; tasks_created: number }>(
      `/api/v1/registrations/${id}/approve`,
      {},
    ),
  reject: (id: number, reason: string) => http.post<Registration>(`/api/v1/registrations/${id}/reject`, { reason }, { silent: true }),

  // accounts
  accounts: (q: AccountQuery) => http.get<Page<Account>>('/api/v1/accounts', { query: { ...q } }),
  account: (id: number) => http.get<Account>(`/api/v1/accounts/${id}`),
  createAccount: (body: { username: string; display_name: string; role: Role; scope_node_id: number; password: string }) =>
    http.post<Account>('/api/v1/accounts', body, { silent: true }),
  updateAccount: (
    id: number,
    body: Partial<{ display_name: string; role: Role; scope_node_id: number; status: string; must_change_password: boolean }>,
    silent = false,
  ) => request<Account>(`/api/v1/accounts/${id}`, { method: 'PATCH', body, silent }),
  issueReset: (id: number) => http.post<{ account_id: number; token: string; expires_at: string }>(`/api/v1/accounts/${id}/password-reset`),
  accountSessions: (id: number) => http.get<{ items: SessionEntry[] }>(`/api/v1/accounts/${id}/sessions`),
  endAccountSessions: (id: number) => http.post<{ ended: number }>(`/api/v1/accounts/${id}/sessions/end`),

  // org tree editing
  createNode: (body: { parent_id: number; kind: NodeKind; name: string; code?: string; uscc?: string; region_code?: string }) =>
    http.post<OrgNode>('/api/v1/org/nodes', body, { silent: true }),
  moveNode: (id: number, parent_id: number, reason: string) =>
    http.post<OrgNode>(`/api/v1/org/nodes/${id}/move`, { parent_id, reason }, { silent: true }),
  mergeNode: (id: number, into_id: number, reason: string) =>
    http.post<{ from: OrgNode; into: OrgNode }>(`/api/v1/org/nodes/${id}/merge`, { into_id, reason }, { silent: true }),
  closeNode: (id: number, reason: string) => http.post<OrgNode>(`/api/v1/org/nodes/${id}/close`, { reason }, { silent: true }),
  reopenNode: (id: number, reason: string) => http.post<OrgNode>(`/api/v1/org/nodes/${id}/reopen`, { reason }, { silent: true }),
  nodeHistory: (id: number) => http.get<{ items: OrgHistoryEntry[] }>(`/api/v1/org/nodes/${id}/history`),

  // audit log
  auditLog: (q: AuditQuery) => http.get<Page<AuditEntry>>('/api/v1/audit-log', { query: { ...q } }),
}

/** Downloads the audit log as CSV or Excel with the page's filters (same session, no new window). */
export async function downloadAuditLog(q: AuditQuery, format: 'csv' | 'xlsx'): Promise<void> {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries({ ...q, offset: undefined, limit: undefined, format })) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v))
  }
  const res = await fetch(`/api/v1/audit-log?${params.toString()}`, { credentials: 'same-origin' })
  if (!res.ok) {
    let message = `导出失败（HTTP ${res.status}）`
    try {
      const body = (await res.json()) as { error?: { message?: string; code?: string } }
      if (body.error?.message) message = body.error.message
    } catch {
      // not JSON: keep the generic message
    }
    throw new ApiError(res.status, `http_${res.status}`, message)
  }
  const blob = await res.blob()
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = `操作日志.${format}`
  document.body.appendChild(a)
  a.click()
  a.remove()
  URL.revokeObjectURL(url)
}
