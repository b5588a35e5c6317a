import { expect, type Page } from '@playwright/test'

export interface TaskJson {
  id: number
  form_code: string
  period: string
  state: string
  version: number
  unit: { id: number; name: string }
}

/** The logged-in unit's task of `form` for `period`, through the page's own session. */
export async function taskOf(page: Page, form: string, period = '2024'): Promise<TaskJson> {
  const res = await page.request.get('/api/v1/tasks')
  expect(res.status()).toBe(200)
  const items = ((await res.json()) as { items: TaskJson[] }).items
  const t = items.find((x) => x.form_code === form && x.period === period)
  if (!t) throw new Error(`no task ${form} ${period}`)
  return t
}

/** Opens a filing page from 我的填报任务 and waits for the form. */
export async function openTaskFromList(page: Page, form: string): Promise<void> {
  await page.getByTestId('menu-survey-tasks').click()
  await expect(page).toHaveURL(/\/survey\/tasks$/)
  await page.getByTestId('tasks-table').locator('tbody tr', { hasText: form }).first().click()
  await expect(page).toHaveURL(/\/survey\/filings\/\d+$/)
  await expect(page.getByTestId('audit-panel')).toBeVisible()
}

export function cellInput(page: Page, code: string) {
  return page.getByTestId(`row-${code}`).locator('input').first()
}

export async function fillCell(page: Page, code: string, value: string | number): Promise<void> {
  const input = cellInput(page, code)
  await input.fill(String(value))
}

/** Clicks 保存 and waits for the answer of PUT /data. */
export async function saveNow(page: Page): Promise<number> {
  const answer = page.waitForResponse((r) => r.url().includes('/data') && r.request().method() === 'PUT')
  await page.getByTestId('btn-save').click()
  const res = await answer
  return res.status()
}

/** Confirms the ElMessageBox that is open with the button named `name`. */
export async function confirmBox(page: Page, name: string): Promise<void> {
  const box = page.locator('.el-message-box')
  await expect(box).toBeVisible()
  await box.getByRole('button', { name }).click()
  await expect(box).toBeHidden()
}

/** Uploads a file through 上传签章扫描件 and waits for the server's answer. */
export async function uploadScan(page: Page, name: string, buffer: Buffer): Promise<number> {
  const answer = page.waitForResponse((r) => r.url().endsWith('/scan') && r.request().method() === 'POST')
  await page.getByTestId('scan-upload').locator('input[type=file]').setInputFiles({ name, mimeType: 'application/pdf', buffer })
  return (await answer).status()
}
