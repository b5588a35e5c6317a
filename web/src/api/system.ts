import { http } from './http'

export interface VersionInfo {
  version: string
  database: 'sqlite' | 'postgresql' | string
}

export const systemApi = {
  version: () => http.get<VersionInfo>('/api/v1/version', { silent: true }),
}
