// The survey workflow API (periods, tasks, filings, review, progress): docs/api.md "Filings".
import { ApiError, getCsrfToken, http, request } from './http'
import type { Dimension } from './summaries'

const BASE = '/api/v1'

export type FilingState = 'not_started' | 'draft' | 'submitted' | 'returned' | 'final'

export interface ReviewLevel {
  level: string
  name: string
}

export interface Period {
  id: number
  form_code: string
  form_title: string
  period: string
  period_label: string
  catalog_year: number
  opens_on: string | null
  due_on: string | null
  review_due_on: string | null
  expected: number
  review_chain: ReviewLevel[]
}

export interface Deadlines {
  opens_on: string | null
  due_on: string | null
  catalog_due_on?: string | null
  review_due_on: string | null
  days_left: number | null
  extended: boolean
  filling_open: boolean
  review_open?: boolean
}

export interface UnitRef {
  id: number
  name: string
  uscc: string | null
}

export interface ReturnPin {
  cell: string
  name?: string
  message: string
}

export interface ReturnInfo {
  reason: string
  pins: ReturnPin[]
  version: number
  level_name: string
  by: string
  at: string
}

export interface FilingSummary {
  id: number
  form_code: string
  form_title: string
  period: string
  period_label?: string
  state: FilingState
  state_name: string
  version: number
  review_level: number
  error_count: number
  warning_count: number
  unexplained?: string[]
  explained?: number
  size: number | null
  previous_size: number | null
  change_pct: number | null
  risk: number
  late: boolean
  resubmitted: boolean
  submitted_at: string | null
  updated_at: string
  unit: UnitRef
}

export interface Task extends FilingSummary {
  deadlines: Deadlines
  overdue: boolean
  return: ReturnInfo | null
}

export interface Failure {
  rule_id: string
  severity: 'error' | 'warning'
  message: string
  cells: string[]
}

export interface Decision {
  accepted: boolean
  comment: string
  by: string
  at?: string
}

export interface Change {
  cell: string
  name: string
  before: unknown
  after: unknown
}

export type Values = Record<string, unknown>

export interface FilingCan {
  edit: boolean
  submit: boolean
  withdraw: boolean
  review: boolean
  reopen: boolean
  print: boolean
  upload_scan: boolean
}

export interface Filing extends FilingSummary {
  values: Values
  failures: Failure[]
  explanations: Record<string, string>
  decisions: Record<string, Decision>
  unexplained: string[]
  return: ReturnInfo | null
  returned_version: number
  changes_since_return?: Change[]
  previous_values: Values | null
  unit_facts: Record<string, string | null>
  deadlines: Deadlines
  review_chain: ReviewLevel[]
  scan: { required: boolean; version: number; matches_current: boolean }
  can: FilingCan
  my_level: number | null
  catalog_year: number
  data_hash: string
}

export interface IndicatorType {
  kind: 'decimal' | 'int' | 'percent' | 'year' | 'text' | 'date' | 'bool' | 'code' | 'multi_code' | 'file'
  scale?: number
  max_chars?: number
  code_list?: string
  max_selected?: number
}

export interface Indicator {
  code: string
  name: string
  unit: string
  type: IndicatorType
  parent: string
  required: boolean
  min?: number
  max?: number
  negative_allowed: boolean
  formula: string
}

export interface Column {
  code: string
  name: string
  unit: string
  type: IndicatorType
  required: boolean
}

export interface RowTable {
  code: string
  title: string
  min_rows: number
  max_rows: number
  columns: Column[]
}

export interface FormDefinition {
  code: string
  title: string
  year: number
  category: string
  sections: { title: string; indicators: Indicator[] }[]
  row_tables: RowTable[]
  review_chain: ReviewLevel[]
  signed_scan: string
  provisional: boolean
  prefill: { indicator: string; from: string }[]
  /** 汇总表式: the summary tables the catalog names for this form (docs/api.md "Summaries"). */
  summary_layouts: SummaryLayout[]
}

export interface SummaryLayout {
  id: string
  title: string
  /** Dimension codes, outer first (at most 2). */
  by: Dimension[]
  indicators: string[]
}

export interface CodeItem {
  code: string
  name: string
  level: string
  parent: string
  has_children: boolean
}

export interface SaveResult {
  id: number
  version: number
  saved: boolean
  state: FilingState
  data_hash: string
  failures: Failure[]
  explanations: Record<string, string>
  unexplained: string[]
  error_count: number
  warning_count: number
}

export interface HistoryVersion {
  version: number
  data_hash: string
  at: string
  by: string
  error_count: number
  warning_count: number
}

export interface HistoryEvent {
  at: string
  action: string
  by: string
  role: string
  from: string
  detail: Record<string, unknown> | null
}

export interface QueueItem extends FilingSummary {
  unexplained_count: number
}

export interface QueuePage {
  items: QueueItem[]
  total: number
  offset: number
  limit: number
  my_level: number
}

export interface ProgressCounts {
  expected: number
  started: number
  submitted: number
  approved: number
  final: number
  returned: number
  overdue: number
  late: number
  submission_rate: number
  approval_rate: number
}

export interface ProgressNode {
  id: number
  name: string
  kind: string
}

export interface Progress {
  total: ProgressCounts
  children: (ProgressCounts & { node: ProgressNode })[]
  node: ProgressNode
  due_on: string | null
}

export interface NonFiler {
  filing_id: number
  state: FilingState
  state_name: string
  unit: UnitRef
  parent_name: string
  contact_name: string | null
  contact_phone: string | null
}

export interface ReviewNotice {
  form_code: string
  form_title: string
  period: string
  waiting: number
  review_due_on: string | null
  days_left: number | null
}

export interface Notifications {
  tasks: Task[]
  returns: Task[]
  reviews: ReviewNotice[]
}

/** 集中审核材料: the six lists a reviewer hands to the Torch Center for 集中审核. */
export type MaterialKind = 'large_revenue' | 'listed' | 'yoy' | 'large_changes' | 'revoked' | 'audit_notes'

export interface MaterialTable {
  kind: MaterialKind
  title: string
  subtitle_lines: string[]
  columns: string[]
  numeric_columns: boolean[]
  rows: (string | number | null)[][]
}

export type MaterialQuery = { form: string; period: string; node?: number }

export interface ScanResult {
  matched: boolean
  version: number
}

export const surveyApi = {
  periods: () => http.get<{ items: Period[] }>(`${BASE}/periods`),
  openPeriod: (body: { form_code: string; period: string; opens_on?: string; due_on?: string; review_due_on?: string }) =>
    http.post<Period>(`${BASE}/periods`, body, { silent: true }),
  extend: (periodId: number, body: { org_node_id: number; due_on?: string; review_due_on?: string; reason: string }) =>
    http.post<unknown>(`${BASE}/periods/${periodId}/extensions`, body, { silent: true }),

  tasks: () => http.get<{ items: Task[] }>(`${BASE}/tasks`),
  notifications: () => http.get<Notifications>(`${BASE}/notifications`, { silent: true }),

  form: (year: number, code: string) => http.get<FormDefinition>(`${BASE}/catalog/${year}/forms/${encodeURIComponent(code)}`),
  codeList: (year: number, id: string, q: { parent?: string; q?: string }) =>
    http.get<{ items: CodeItem[] }>(`${BASE}/catalog/${year}/code-lists/${encodeURIComponent(id)}`, {
      query: q,
      silent: true,
    }),

  filing: (id: number) => http.get<Filing>(`${BASE}/filings/${id}`),
  save: (id: number, version: number, values: Values, explanations: Record<string, string>) =>
    request<SaveResult>(`${BASE}/filings/${id}/data`, {
      method: 'PUT',
      body: { version, values, explanations },
      silent: true,
    }),
  submit: (id: number, version: number) =>
    http.post<FilingSummary>(`${BASE}/filings/${id}/submit`, { version }, { silent: true }),
  withdraw: (id: number, reason: string) => http.post<FilingSummary>(`${BASE}/filings/${id}/withdraw`, { reason }),

  queue: (q: { form: string; period: string; state?: string; q?: string; offset?: number; limit?: number }) =>
    http.get<QueuePage>(`${BASE}/review/queue`, { query: q }),
  approve: (id: number, version: number, comment: string) =>
    http.post<FilingSummary>(`${BASE}/filings/${id}/approve`, { version, comment }, { silent: true }),
  /** `versions`: the version of each filing as the reviewer saw it; a filing changed since is not approved. */
  approveMany: (ids: number[], versions: number[]) =>
    http.post<{ approved: number; failed: number; results: { id: number; ok: boolean; message?: string }[] }>(`${BASE}/review/approve`, { ids, versions }),
  returnFiling: (id: number, version: number, reason: string, pins: { cell: string; message: string }[]) =>
    http.post<FilingSummary>(`${BASE}/filings/${id}/return`, { version, reason, pins }, { silent: true }),
  reopen: (id: number, reason: string) => http.post<FilingSummary>(`${BASE}/filings/${id}/reopen`, { reason }),
  decide: (id: number, rule_id: string, accepted: boolean, comment: string) =>
    http.post<unknown>(`${BASE}/filings/${id}/explanation-decisions`, { rule_id, accepted, comment }),

  history: (id: number) => http.get<{ versions: HistoryVersion[]; events: HistoryEvent[] }>(`${BASE}/filings/${id}/history`),
  diff: (id: number, from: number, to: number) =>
    http.get<{ from: number; to: number; changes: Change[] }>(`${BASE}/filings/${id}/diff`, { query: { from, to } }),

  printUrl: (id: number) => `${BASE}/filings/${id}/print`,
  scanUrl: (id: number) => `${BASE}/filings/${id}/scan`,

  /** Sends the file itself as the request body (not multipart). */
  async uploadScan(id: number, file: Blob): Promise<ScanResult> {
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'Content-Type': file.type || 'application/octet-stream',
    }
    const token = getCsrfToken()
    if (token) headers['X-CSRF-Token'] = token
    const res = await fetch(`${BASE}/filings/${id}/scan`, {
      method: 'POST',
      headers,
      body: file,
      credentials: 'same-origin',
    })
    const text = await res.text()
    let body: unknown = null
    try {
      body = text ? JSON.parse(text) : null
    } catch {
      body = null
    }
    if (!res.ok) {
      const err = (body as { error?: { code: string; message: string; details?: Record<string, unknown> } } | null)?.error
      throw new ApiError(res.status, err?.code ?? `http_${res.status}`, err?.message ?? `上传失败（HTTP ${res.status}）`, err?.details ?? {})
    }
    return body as ScanResult
  },

  progress: (q: { form: string; period: string; node?: number }) => http.get<Progress>(`${BASE}/progress`, { query: q }),
  nonFilers: (q: { form: string; period: string; node?: number; offset?: number; limit?: number }) =>
    http.get<{ items: NonFiler[]; total: number }>(`${BASE}/progress/non-filers`, { query: q }),
  nonFilersExportUrl: (q: { form: string; period: string; node?: number }, format: 'csv' | 'xlsx') => {
    const p = new URLSearchParams({ form: q.form, period: q.period, format })
    if (q.node) p.set('node', String(q.node))
    return `${BASE}/progress/non-filers?${p.toString()}`
  },

  materials: (kind: MaterialKind, q: MaterialQuery) =>
    http.get<MaterialTable>(`${BASE}/review/materials/${kind}`, { query: q, silent: true }),
  materialsExportUrl: (kind: MaterialKind, q: MaterialQuery, format: 'csv' | 'xlsx' | 'pdf') => {
    const p = new URLSearchParams({ form: q.form, period: q.period, format })
    if (q.node) p.set('node', String(q.node))
    return `${BASE}/review/materials/${kind}?${p.toString()}`
  },
}

/** Number formatting with thousands separators, as on printed statistical tables. */
export function formatNumber(v: unknown, scale = 1): string {
  if (v === null || v === undefined || v === '') return '—'
  const n = typeof v === 'number' ? v : Number(v)
  if (!Number.isFinite(n)) return String(v)
  return n.toLocaleString('zh-CN', { minimumFractionDigits: 0, maximumFractionDigits: scale })
}

export const STATE_TAG: Record<FilingState, 'info' | 'warning' | 'primary' | 'danger' | 'success'> = {
  not_started: 'info',
  draft: 'warning',
  submitted: 'primary',
  returned: 'danger',
  final: 'success',
}

export const EVENT_NAMES: Record<string, string> = {
  'filing.save': '保存',
  'filing.submit': '上报',
  'filing.approve': '审核通过',
  'filing.return': '退回',
  'filing.reopen': '重新打开',
  'filing.withdraw': '撤回',
  'filing.scan': '上传签章扫描件',
  'filing.explanation': '审核说明认定',
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`
}
