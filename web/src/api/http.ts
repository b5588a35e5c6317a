// The one fetch wrapper of the app: sends the session cookie, adds the CSRF token on
// writes, and turns the server's error JSON into an ApiError carrying the Chinese message.
import { ElMessage } from 'element-plus'
import type { ApiErrorBody } from './types'

export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details: Record<string, unknown>

  constructor(status: number, code: string, message: string, details: Record<string, unknown> = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
  }

  /** The offending field named by the server, if any. */
  get field(): string | undefined {
    const f = this.details.field
    return typeof f === 'string' ? f : undefined
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  query?: Record<string, string | number | boolean | null | undefined>
  body?: unknown
  /** Do not show an ElMessage for errors; the caller shows them itself. */
  silent?: boolean
  /** A 401 answer is expected here (login, session probe): do not send the user to /login. */
  allow401?: boolean
  signal?: AbortSignal
  /** A raw request body (a file upload such as an .xlsx workbook), sent as it is instead of JSON. */
  rawBody?: Blob
  /** The content type of rawBody (default: the Blob's own type, else application/octet-stream). */
  contentType?: string
}

let csrfToken: string | null = null
let onUnauthorized: (() => void) | null = null
let onPasswordChangeRequired: (() => void) | null = null

export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

/** The session's CSRF token, for the few calls that cannot go through request() (raw uploads). */
export function getCsrfToken(): string | null {
  return csrfToken
}

/** Called on a 401 answer from any call not marked allow401 (the session has ended). */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler
}

/** Called on a 403 password_change_required: the account must change its password first. */
export function setPasswordChangeHandler(handler: (() => void) | null): void {
  onPasswordChangeRequired = handler
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function buildUrl(path: string, query?: RequestOptions['query']): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    params.set(key, String(value))
  }
  const qs = params.toString()
  return qs ? `${path}?${qs}` : path
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null) return false
  const err = (value as { error?: unknown }).error
  return typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string'
}

const STATUS_MESSAGES: Record<number, string> = {
  400: '请求有误',
  401: '未登录或登录已过期，请重新登录',
  403: '没有权限执行此操作',
  404: '请求的资源不存在',
  413: '提交的内容过大',
  429: '请求过于频繁，请稍后再试',
  500: '服务器内部错误',
  502: '服务器暂时无法访问',
  503: '服务暂不可用，请稍后再试',
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null
  try {
    body = await res.json()
  } catch {
    // not JSON: fall through to the generic message
  }
  if (isErrorBody(body)) {
    const { code, message, details } = body.error
    return new ApiError(res.status, code, message, details ?? {})
  }
  const message = STATUS_MESSAGES[res.status] ?? `请求失败（HTTP ${res.status}）`
  return new ApiError(res.status, `http_${res.status}`, message)
}

/** Sends one request; answers the Response when it is 2xx, else throws the ApiError (shown unless silent). */
async function send(path: string, options: RequestOptions, accept: string): Promise<Response> {
  const method = options.method ?? 'GET'
  const headers: Record<string, string> = { Accept: accept }
  let body: string | Blob | undefined
  if (options.rawBody !== undefined) {
    headers['Content-Type'] = options.contentType || options.rawBody.type || 'application/octet-stream'
    body = options.rawBody
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(options.body)
  }
  if (WRITE_METHODS.has(method) && csrfToken) {
    headers['X-CSRF-Token'] = csrfToken
  }

  let res: Response
  try {
    res = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    })
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e
    const err = new ApiError(0, 'network', '无法连接服务器，请检查网络后重试')
    if (!options.silent) ElMessage.error(err.message)
    throw err
  }

  if (!res.ok) {
    const err = await toApiError(res)
    if (res.status === 401 && !options.allow401) {
      if (!options.silent) ElMessage.warning(err.message)
      onUnauthorized?.()
    } else if (res.status === 403 && err.code === 'password_change_required') {
      if (!options.silent) ElMessage.warning(err.message)
      onPasswordChangeRequired?.()
    } else if (!options.silent) {
      ElMessage.error(err.message)
    }
    throw err
  }
  return res
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const res = await send(path, options, 'application/json')
  if (res.status === 204) return undefined as T
  const text = await res.text()
  return (text ? JSON.parse(text) : undefined) as T
}

/** The file name of a download from its Content-Disposition (the UTF-8 filename* first). */
function fileNameOf(res: Response, fallback: string): string {
  const cd = res.headers.get('Content-Disposition') ?? ''
  const star = /filename\*=UTF-8''([^;]+)/i.exec(cd)
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1])
    } catch {
      // a malformed name: try the plain one
    }
  }
  const plain = /filename="([^"]+)"/i.exec(cd)
  return plain?.[1] ?? fallback
}

/** Fetches a file (a GET answered with bytes, or an error JSON) with the server's file name. */
export async function requestBlob(
  path: string,
  options: RequestOptions = {},
  fallbackName = 'download',
): Promise<{ blob: Blob; fileName: string }> {
  const res = await send(path, options, '*/*')
  return { blob: await res.blob(), fileName: fileNameOf(res, fallbackName) }
}

/** Lets the browser save a URL (same origin: the session cookie goes along) as a download. */
export function saveHref(href: string, fileName = ''): void {
  const a = document.createElement('a')
  a.href = href
  a.download = fileName
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
}

/** Saves bytes fetched by requestBlob as a download. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  saveHref(url, fileName)
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

export const http = {
  get: <T>(path: string, options: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    request<T>(path, { ...options, method: 'GET' }),
  post: <T>(path: string, body?: unknown, options: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    request<T>(path, { ...options, method: 'POST', body }),
  delete: <T>(path: string, options: Omit<RequestOptions, 'method' | 'body'> = {}) =>
    request<T>(path, { ...options, method: 'DELETE' }),
}
