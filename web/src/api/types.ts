// Types of the Huoju HTTP API v1 (docs/api.md).

export type Role = 'filler' | 'reviewer' | 'center' | 'registry' | 'admin' | 'person'

export type NodeKind = 'center' | 'province' | 'city' | 'zone' | 'registry' | 'unit'

export interface UserScope {
  id: number
  kind: NodeKind
  name: string
  path_names: string[]
}

export interface User {
  id: number
  username: string
  display_name: string
  role: Role
  role_name: string
  scope: UserScope
  /** Reviewers: the kind of their scope node (zone, city, province); null for other roles. */
  level: string | null
  must_change_password?: boolean
  /** primary (made by an administrator or a registered unit's administrator), sub (填报人), person (个人账号). */
  kind?: AccountKind
  /** A filler primary account: administers its unit's sub-accounts and person links. */
  unit_admin?: boolean
  /** The modules this account reaches with its one session (single sign-on). */
  modules?: ModuleRef[]
  /** Personal accounts: the units that authorised it. */
  units?: { id: number; name: string; uscc: string | null; modules: string[] }[]
}

export type AccountKind = 'primary' | 'sub' | 'person'

export interface ModuleRef {
  code: string
  name: string
}

export interface SessionInfo {
  user: User
  csrf_token: string
}

export interface OrgNode {
  id: number
  parent_id: number | null
  kind: NodeKind
  kind_name: string
  name: string
  code: string | null
  uscc: string | null
  region_code: string | null
  zone_id: number | null
  industry_code: string | null
  unit_type: string | null
  child_count: number
  /** active, closed (关闭) or merged (已合并); absent on servers before org editing. */
  status?: 'active' | 'closed' | 'merged'
}

export interface Page<T> {
  items: T[]
  total: number
  offset: number
  limit: number
}

export interface ApiErrorBody {
  error: {
    code: string
    message: string
    details?: Record<string, unknown>
  }
}
