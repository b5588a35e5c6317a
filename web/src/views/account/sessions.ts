// Helpers for the session tables (own sessions, and an administrator's view of an account's).
export { formatTime } from '@/api/survey'

/** A short readable name for a User-Agent header: "Chrome 120 · Windows"; the raw text stays in a tooltip. */
export function browserName(ua: string): string {
  if (!ua) return '未知设备'
  const browsers: [RegExp, string][] = [
    [/Edg\/(\d+)/, 'Edge'],
    [/Firefox\/(\d+)/, 'Firefox'],
    [/(?:Chrome|Chromium|HeadlessChrome)\/(\d+)/, 'Chrome'],
    [/Version\/(\d+).*Safari/, 'Safari'],
  ]
  const systems: [RegExp, string][] = [
    [/Windows/, 'Windows'],
    [/Android/, 'Android'],
    [/iPhone|iPad/, 'iOS'],
    [/Mac OS X/, 'macOS'],
    [/Linux/, 'Linux'],
  ]
  let name = ''
  for (const [re, label] of browsers) {
    const m = re.exec(ua)
    if (m) {
      name = `${label} ${m[1]}`
      break
    }
  }
  if (!name) name = /curl|wrk|node|python/i.test(ua) ? '程序调用' : '其他浏览器'
  const os = systems.find(([re]) => re.test(ua))?.[1]
  return os ? `${name} · ${os}` : name
}
