// Summaries (汇总), drill-down lists and year-on-year: docs/api.md "Summaries".
import { http } from './http'

const BASE = '/api/v1/summaries'

export type Dimension =
  | 'province'
  | 'city'
  | 'zone'
  | 'industry_section'
  | 'industry_division'
  | 'high_tech_field'
  | 'registration_type'
  | 'size_class'
  | 'state'

/** The dimensions a summary can be grouped by, in the order the picker shows them. */
export const DIMENSIONS: readonly { value: Dimension; label: string }[] = [
  { value: 'province', label: '省份' },
  { value: 'city', label: '地市' },
  { value: 'zone', label: '园区' },
  { value: 'industry_section', label: '行业门类' },
  { value: 'industry_division', label: '行业大类' },
  { value: 'high_tech_field', label: '高新技术领域' },
  { value: 'registration_type', label: '登记注册类型' },
  { value: 'size_class', label: '企业规模' },
  { value: 'state', label: '填报状态' },
]

export const STATE_FILTERS: readonly { value: string; label: string }[] = [
  { value: 'submitted', label: '已上报（含审核通过）' },
  { value: 'approved', label: '本级已审核通过' },
  { value: 'final', label: '终审通过' },
  { value: 'all', label: '全部（含未上报）' },
]

export interface KeyValue {
  code: string
  name: string
}

export interface SummaryIndicator {
  code: string
  name: string
  unit: string
}

export interface SummaryCell {
  sum: number
  count: number
  mean: number | null
  share: number | null
}

export interface SummaryRow {
  level: number
  keys: Partial<Record<Dimension, KeyValue>>
  label: string
  units: number
  cells: SummaryCell[]
}

/** The 汇总表式 an answer was made with (null without `layout`). */
export interface LayoutRef {
  id: string
  title: string
}

export interface Summary {
  form: string
  period: string
  state: string
  by: Dimension[]
  layout: LayoutRef | null
  indicators: SummaryIndicator[]
  rows: SummaryRow[]
  snapshot: { rows: number; refreshed_at: string }
}

export interface YoyCell {
  current: number | null
  previous: number | null
  change: number | null
  change_pct: number | null
}

export interface YoyRow {
  level: number
  keys: Partial<Record<Dimension, KeyValue>>
  label: string
  units_current: number
  units_previous: number
  cells: YoyCell[]
}

export interface Yoy {
  form: string
  period: string
  base_period: string
  basis: 'comparable' | 'all'
  by: Dimension[]
  layout: LayoutRef | null
  indicators: SummaryIndicator[]
  rows: YoyRow[]
}

export interface UnitItem {
  filing_id: number
  unit_id: number
  name: string
  uscc: string | null
  state: string
  keys: Partial<Record<Dimension, KeyValue>>
  values: (number | null)[]
}

export interface ChangeItem {
  filing_id: number
  unit_id: number
  name: string
  uscc: string | null
  current: number | null
  previous: number | null
  change: number | null
  change_pct: number | null
}

export interface Page<T> {
  items: T[]
  total: number
  offset: number
  limit: number
}

export interface SummaryQuery {
  form: string
  period: string
  by?: string
  indicators?: string
  state?: string
  node?: number
  /** A summary layout id of the form: its `by` and `indicators` apply where these are not given. */
  layout?: string
}

type Query = Record<string, string | number | undefined>

export const summariesApi = {
  summary: (q: SummaryQuery) => http.get<Summary>(BASE, { query: { ...q } }),
  units: (q: SummaryQuery & Query & { sort?: string; offset?: number; limit?: number }) =>
    http.get<Page<UnitItem>>(`${BASE}/units`, { query: q }),
  yoy: (q: SummaryQuery & { base_period?: string; basis?: string }) => http.get<Yoy>(`${BASE}/yoy`, { query: { ...q } }),
  changes: (q: { form: string; period: string; indicator: string; threshold?: number; state?: string; node?: number; offset?: number; limit?: number }) =>
    http.get<Page<ChangeItem>>(`${BASE}/yoy/changes`, { query: q }),
  // Files of these tables are made by background exports: jobsApi.startExport (api/jobs.ts).
}
