import { http } from './http'
import type { SessionInfo } from './types'

const BASE = '/api/v1/auth'

export const authApi = {
  /** Wrong credentials answer 401 with the server's Chinese message; the caller shows it. */
  login: (username: string, password: string) =>
    http.post<SessionInfo>(`${BASE}/login`, { username, password }, { silent: true, allow401: true }),

  logout: () => http.post<{ ok: boolean }>(`${BASE}/logout`),

  /** The current session; throws ApiError(401) when nobody is logged in. */
  me: () => http.get<SessionInfo>(`${BASE}/me`, { silent: true, allow401: true }),
}
