// Excel workbooks: templates and import (docs/api.md "Excel workbooks (templates and import)").
import { ApiError, request, requestBlob, saveBlob } from './http'
import type { FormDefinition } from './survey'

const BASE = '/api/v1/workbooks'
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
/** The server reads at most 12 MB of workbook. */
export const MAX_WORKBOOK_BYTES = 12 * 1024 * 1024

/** One problem of an import, located in the workbook (row 0 / empty cell: not at one cell). */
export interface WorkbookProblem {
  sheet: string
  row: number
  column: string
  cell: string
  field: string
  uscc: string
  message: string
}

export interface WorkbookImportResult {
  form: string
  period: string
  layout: 'unit' | 'batch'
  units: number
  saved: number
  submitted: number
  rejected: number
  would_save: number
  check_only: boolean
  problems: WorkbookProblem[]
  /** A unit's own workbook only: */
  filing_id?: number
  version?: number
  unchanged?: boolean
}

export interface TemplateQuery {
  form: string
  period: string
  layout?: 'unit' | 'batch'
  unit?: number
  node?: number
  prefill?: boolean
}

export interface ImportOptions {
  /** Write the units without problems and report the others. */
  clean_only?: boolean
  /** Submit each written filing. */
  submit?: boolean
  /** Read, check and audit only; write nothing. */
  check_only?: boolean
}

/** The answer of an import that wrote nothing because of problems (422), as a result. */
export interface RefusedImport {
  message: string
  problems: WorkbookProblem[]
}

export const workbooksApi = {
  /** Downloads the template (errors such as a scope beyond 20,000 units come back as ApiError). */
  async downloadTemplate(q: TemplateQuery): Promise<string> {
    const { blob, fileName } = await requestBlob(
      `${BASE}/template`,
      {
        query: { form: q.form, period: q.period, layout: q.layout, unit: q.unit, node: q.node, prefill: q.prefill ? 1 : undefined },
        silent: true,
      },
      `${q.form}_${q.period}_模板.xlsx`,
    )
    saveBlob(blob, fileName)
    return fileName
  },

  /** Sends the workbook itself as the request body (not multipart). */
  import: (file: Blob, options: ImportOptions = {}) =>
    request<WorkbookImportResult>(`${BASE}/import`, {
      method: 'POST',
      query: {
        clean_only: options.clean_only ? 1 : undefined,
        submit: options.submit ? 1 : undefined,
        check_only: options.check_only ? 1 : undefined,
      },
      rawBody: file,
      contentType: XLSX_TYPE,
      silent: true,
    }),
}

/** The located problems of a refused import (422 validation_failed with details.problems), else null. */
export function refusedImport(e: unknown): RefusedImport | null {
  if (!(e instanceof ApiError) || e.status !== 422) return null
  const problems = e.details.problems
  if (!Array.isArray(problems)) return null
  return { message: e.message, problems: problems as WorkbookProblem[] }
}

/** Checks a chosen file before it is sent; answers the reason it cannot be, or ''. */
export function checkWorkbookFile(file: File): string {
  if (!/\.xlsx$/i.test(file.name)) return '请选择 Excel 工作簿（.xlsx 文件）'
  if (file.size > MAX_WORKBOOK_BYTES) return '文件不能超过 12 MB'
  if (file.size === 0) return '文件是空的'
  return ''
}

/** Names the field of a problem (`qc05_0`, `projects[2].expense`) from the form definition. */
export function fieldNamer(def: FormDefinition): (field: string) => string {
  const names = new Map<string, string>()
  for (const s of def.sections) for (const i of s.indicators) names.set(i.code, i.name)
  const tables = new Map(def.row_tables.map((t) => [t.code, t]))
  return (field: string) => {
    const direct = names.get(field)
    if (direct) return direct
    const m = /^([^[]+)\[(\d+)\](?:\.(.+))?$/.exec(field)
    const table = m ? tables.get(m[1]!) : undefined
    if (!m || !table) return field
    const col = m[3] ? table.columns.find((c) => c.code === m[3])?.name ?? m[3] : ''
    return `${table.title}第 ${m[2]} 行${col ? `「${col}」` : ''}`
  }
}
