// Background jobs (exports with progress): docs/api.md "Background exports" and "Background jobs".
// A job belongs to the account that started it; it is kept 2 hours after it ends.
import { http } from './http'

const BASE = '/api/v1'

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'

export interface JobProgress {
  /** What the job is doing, in Chinese (排队中, 读取数据, 写入文件). */
  stage: string
  done: number
  total: number
  /** 0…100; null while the size is unknown. */
  percent: number | null
}

export interface Job {
  id: string
  kind: string
  /** The file name it makes, e.g. 汇总表-GQ-002-2024.xlsx. */
  title: string
  state: JobState
  progress: JobProgress
  created_at: string
  started_at: string | null
  finished_at: string | null
  /** When the job and its file are forgotten (2 hours after it ended); null while it runs. */
  expires_at: string | null
  error: { code: string; message: string } | null
  file: { name: string; bytes: number } | null
}

/** What an export holds: the summary table, a drill-down unit list, year-on-year, large changes. */
export type ExportWhat = 'summary' | 'units' | 'yoy' | 'changes'
export type ExportFormat = 'xlsx' | 'csv' | 'pdf'

export const EXPORT_FORMATS: readonly { value: ExportFormat; label: string }[] = [
  { value: 'xlsx', label: '导出 Excel' },
  { value: 'csv', label: '导出 CSV' },
  { value: 'pdf', label: '打印/导出 PDF' },
]

export const JOB_STATES: Record<JobState, { label: string; type: 'info' | 'primary' | 'success' | 'danger' | 'warning' }> = {
  queued: { label: '排队中', type: 'info' },
  running: { label: '进行中', type: 'primary' },
  done: { label: '已完成', type: 'success' },
  failed: { label: '失败', type: 'danger' },
  cancelled: { label: '已取消', type: 'warning' },
}

export function isActive(job: Pick<Job, 'state'>): boolean {
  return job.state === 'queued' || job.state === 'running'
}

/** 1.2 MB, 35 KB, 800 B. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—'
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(1)} MB`
}

type Query = Record<string, string | number | undefined>

export const jobsApi = {
  list: () => http.get<{ items: Job[] }>(`${BASE}/jobs`, { silent: true }),
  get: (id: string) => http.get<Job>(`${BASE}/jobs/${encodeURIComponent(id)}`, { silent: true }),
  /** Queued or running: cancelled; ended: removed with its file. */
  remove: (id: string) => http.delete<{ ok: boolean }>(`${BASE}/jobs/${encodeURIComponent(id)}`),
  fileUrl: (id: string) => `${BASE}/jobs/${encodeURIComponent(id)}/file`,
  /** Starts an export of the same query as GET /api/v1/summaries… as a background job (202 with the job). */
  startExport: (what: ExportWhat, format: ExportFormat, query: Query) =>
    http.post<Job>(`${BASE}/exports`, undefined, { query: { ...query, what, format } }),
}
