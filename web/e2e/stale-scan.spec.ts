// A signed scan printed from an older data version is refused, naming both versions, and
// nothing is stored. Uses GQ-005, which no other spec touches.
import { expect, test } from '@playwright/test'
import { loginUi, snap } from './helpers'
import { fillCell, openTaskFromList, saveNow, taskOf, uploadScan } from './survey-helpers'

test('打印后又修改数据：旧打印件的扫描件被拒绝，扫描件状态不变', async ({ page }) => {
  await loginUi(page, 'unit_demo')
  const task = await taskOf(page, 'GQ-005')
  test.skip(!['not_started', 'draft', 'returned'].includes(task.state), `GQ-005 处于“${task.state}”状态，不可修改`)
  await openTaskFromList(page, 'GQ-005')

  const base = 100 + (Date.now() % 5000)
  await fillCell(page, 'qj09', base)
  expect(await saveNow(page)).toBe(200)
  const printed = (await taskOf(page, 'GQ-005')).version
  const pdf = await page.request.get(`/api/v1/filings/${task.id}/print`)
  expect(pdf.status()).toBe(200)
  const pdfBytes = await pdf.body()
  const statusBefore = (await page.getByTestId('scan-status').textContent())?.replace(/\s+/g, '')
  const scanOf = async () =>
    ((await (await page.request.get(`/api/v1/filings/${task.id}`)).json()) as { scan: { version: number; matches_current: boolean } }).scan
  const serverBefore = await scanOf()

  // The data changes after printing: version N+1.
  await fillCell(page, 'qj09', base + 1)
  expect(await saveNow(page)).toBe(200)
  await expect(page.getByTestId('save-status')).toContainText(`第${printed + 1}版`)

  expect(await uploadScan(page, '旧版签章.pdf', pdfBytes)).toBe(409)
  const result = page.getByTestId('scan-result')
  await expect(result).toContainText(`第 ${printed} 版`)
  await expect(result).toContainText(`第 ${printed + 1} 版`)
  await expect.poll(async () => (await page.getByTestId('scan-status').textContent())?.replace(/\s+/g, '')).toBe(statusBefore)

  // The server kept nothing either.
  const after = await scanOf()
  expect(after.version).toBe(serverBefore.version)
  expect(after.matches_current).toBe(false)
  await snap(page, 'stale-scan-refused')
})
