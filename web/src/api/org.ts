import { http } from './http'
import type { NodeKind, OrgNode, Page } from './types'

const BASE = '/api/v1/org'

export interface PageQuery {
  offset?: number
  limit?: number
  kind?: NodeKind
}

export const orgApi = {
  scope: () => http.get<OrgNode>(`${BASE}/scope`),

  node: (id: number, opts: { silent?: boolean } = {}) => http.get<OrgNode>(`${BASE}/nodes/${id}`, opts),

  children: (id: number, q: PageQuery = {}) =>
    http.get<Page<OrgNode>>(`${BASE}/nodes/${id}/children`, { query: { ...q } }),

  path: (id: number) => http.get<{ items: OrgNode[] }>(`${BASE}/nodes/${id}/path`),

  search: (q: string, page: PageQuery = {}) =>
    http.get<Page<OrgNode>>(`${BASE}/search`, { query: { q, ...page } }),
}
