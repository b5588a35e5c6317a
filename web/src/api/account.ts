// The own account: password change, reset by a one-time token, own sessions
// (docs/api.md "Accounts and sessions").
import { http, request } from './http'

const BASE = '/api/v1/auth'

export interface SessionEntry {
  /** First 16 hex characters of the token hash: names the session, never the token. */
  id: string
  created_at: string
  last_seen_at: string
  client_address: string
  user_agent: string
  /** The session this browser is using. */
  current: boolean
}

/** The password policy the server enforces on changes and resets; shown beside the form. */
export const PASSWORD_POLICY: readonly string[] = [
  '长度至少 10 位',
  '至少包含大写字母、小写字母、数字、符号中的 3 类',
  '不得包含用户名',
  '不得使用常见弱密码（如 P@ssw0rd123）',
  '不得与最近 5 次使用过的密码相同',
]

/** The checks the browser can make before asking the server; the server remains the judge. */
export function passwordProblem(password: string, username: string): string | null {
  if (password.length < 10) return '新密码长度至少 10 位'
  const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length
  if (classes < 3) return '新密码须至少包含大写字母、小写字母、数字、符号中的三类'
  if (username && password.toLowerCase().includes(username.toLowerCase())) return '新密码不得包含用户名'
  return null
}

export const accountApi = {
  /** Errors are 422 with details.field `current_password` or `new_password`; the form shows them. */
  changePassword: (current_password: string, new_password: string) =>
    http.post<{ ok: boolean }>(`${BASE}/password`, { current_password, new_password }, { silent: true }),

  /** No session needed; a wrong, used or expired token answers 422 with details.field `token`. */
  resetWithToken: (token: string, new_password: string) =>
    http.post<{ ok: boolean }>(`${BASE}/password-reset`, { token, new_password }, { silent: true, allow401: true }),

  sessions: () => http.get<{ items: SessionEntry[] }>(`${BASE}/sessions`),

  endSession: (id: string) => request<{ ok: boolean }>(`${BASE}/sessions/${encodeURIComponent(id)}`, { method: 'DELETE' }),

  /** Ends every session of the account, this one included; the cookie is cleared. */
  logoutAll: () => http.post<{ ended: number }>(`${BASE}/logout-all`),
}

// ---- Registration (public, no session) and the unit's own accounts: docs/api.md
// "Registration and administration".

export interface ZoneOption {
  id: number
  name: string
  code: string
  city_name: string
}

export interface RegisterUnitBody {
  uscc: string
  name: string
  region_code: string
  zone_id: number | null
  contact_name: string
  contact_phone: string
  contact_email: string
  admin_username: string
  admin_display_name: string
  admin_password: string
}

export type RegistrationStatus = 'pending' | 'approved' | 'rejected'

export interface Registration {
  id: number
  kind: 'unit'
  status: RegistrationStatus
  status_name: string
  uscc: string
  name: string
  region_code: string
  region_name: string
  zone: { id: number; name: string } | null
  parent: { id: number; name: string } | null
  contact_name?: string
  contact_phone?: string
  contact_email?: string
  /** Shown to reviewers and to the status query. */
  admin_username?: string
  created_at: string
  decided_at: string | null
  decided_by: string | { id: number; username: string } | null
  reason: string | null
  unit_id: number | null
  account_id: number | null
}

export type IdType = 'resident_id' | 'passport' | 'hk_macao_permit' | 'taiwan_permit'

export const ID_TYPE_NAMES: Record<IdType, string> = {
  resident_id: '居民身份证',
  passport: '护照',
  hk_macao_permit: '港澳居民来往内地通行证',
  taiwan_permit: '台湾居民来往大陆通行证',
}

export interface RegisterPersonBody {
  username: string
  display_name: string
  password: string
  id_type: IdType
  id_number: string
  phone: string
  email: string
}

export interface UnitAccount {
  id: number
  username: string
  display_name: string
  status: 'active' | 'disabled'
  modules: string[]
  created_at: string
  last_login_at: string | null
}

export interface PersonLink {
  id: number
  account_id: number
  username: string
  display_name: string
  id_type: IdType
  id_number: string
  status: 'requested' | 'granted' | 'withdrawn'
  modules: string[]
  requested_at: string
  decided_at: string | null
}

export interface OwnLink {
  id: number
  unit: { id: number; name: string; uscc: string | null }
  status: 'requested' | 'granted' | 'withdrawn'
  modules: string[]
  requested_at: string
  decided_at: string | null
}

export const LINK_STATUS_NAMES: Record<PersonLink['status'], string> = {
  requested: '待授权',
  granted: '已授权',
  withdrawn: '已撤回',
}

export const registrationApi = {
  modules: () => http.get<{ items: { code: string; name: string }[] }>('/api/v1/modules', { silent: true, allow401: true }),

  /** Zones in the city of a 6-digit GB/T 2260 code; 422 region_code when the code is unknown. */
  zones: (region_code: string) =>
    http.get<{ items: ZoneOption[] }>('/api/v1/registrations/zones', { query: { region_code }, silent: true, allow401: true }),

  /** 422/409 with details.field name the offending field; the form shows them inline. */
  registerUnit: (body: RegisterUnitBody) =>
    http.post<{ id: number; status: RegistrationStatus; status_token: string }>('/api/v1/registrations/units', body, {
      silent: true,
      allow401: true,
    }),

  status: (id: number, status_token: string) =>
    http.post<Registration>('/api/v1/registrations/status', { id, status_token }, { silent: true, allow401: true }),

  registerPerson: (body: RegisterPersonBody) =>
    http.post<{ account_id: number; username: string }>('/api/v1/registrations/persons', body, { silent: true, allow401: true }),
}

export const unitApi = {
  accounts: () => http.get<{ items: UnitAccount[] }>('/api/v1/unit/accounts'),
  createAccount: (body: { username: string; display_name: string; password: string; modules: string[] }) =>
    http.post<UnitAccount>('/api/v1/unit/accounts', body, { silent: true }),
  setModules: (id: number, modules: string[]) =>
    request<UnitAccount>(`/api/v1/unit/accounts/${id}/modules`, { method: 'PUT', body: { modules } }),
  disable: (id: number) => http.post<UnitAccount>(`/api/v1/unit/accounts/${id}/disable`),
  enable: (id: number) => http.post<UnitAccount>(`/api/v1/unit/accounts/${id}/enable`),
  persons: () => http.get<{ items: PersonLink[] }>('/api/v1/unit/persons'),
  grant: (id: number, modules: string[]) => http.post<PersonLink>(`/api/v1/unit/persons/${id}/grant`, { modules }),
  withdraw: (id: number) => http.post<PersonLink>(`/api/v1/unit/persons/${id}/withdraw`),
}

export const personApi = {
  links: () => http.get<{ items: OwnLink[] }>('/api/v1/person/links'),
  requestLink: (uscc: string) => http.post<OwnLink>('/api/v1/person/links', { uscc }, { silent: true }),
}
