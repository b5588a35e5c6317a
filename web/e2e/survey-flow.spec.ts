// The whole life of one GQ-002 filing: fill with audit errors and warnings, submit, returned by the
// zone reviewer with a pinned cell, fixed and resubmitted, approved at every level, printed and
// the signed scan uploaded.
import { expect, test, type Browser, type Page } from '@playwright/test'
import { loginUi, snap } from './helpers'
import { cellInput, confirmBox, fillCell, openTaskFromList, saveNow, taskOf, uploadScan } from './survey-helpers'

test.describe.configure({ mode: 'serial' })

async function reviewerPage(browser: Browser, user: string): Promise<Page> {
  const ctx = await browser.newContext()
  const page = await ctx.newPage()
  await loginUi(page, user)
  return page
}

async function openInQueue(page: Page, unitName: string): Promise<void> {
  await page.goto('/survey/review?form=GQ-002&period=2024&state=waiting')
  await page.getByTestId('queue-search').fill(unitName)
  await page.getByRole('button', { name: '查询' }).click()
  const row = page.getByTestId('queue-table').locator('tbody tr', { hasText: unitName }).first()
  await expect(row).toBeVisible()
  await row.click()
  await expect(page).toHaveURL(/\/survey\/review\/\d+$/)
  await expect(page.getByTestId('review-state')).toBeVisible()
}

async function approve(page: Page): Promise<void> {
  await page.getByTestId('btn-approve').click()
  const box = page.locator('.el-message-box')
  await box.locator('textarea').fill('数据核实无误')
  const answer = page.waitForResponse((r) => r.url().endsWith('/approve') && r.request().method() === 'POST')
  await box.getByRole('button', { name: '确定通过' }).click()
  expect((await answer).status()).toBe(200)
}

test('GQ-002：填报、审核错误与提示、退回标注、重报、三级审核、打印与签章扫描件', async ({ page, browser }) => {
  test.setTimeout(180_000)
  await loginUi(page, 'unit_demo')
  const task = await taskOf(page, 'GQ-002')
  test.skip(!['not_started', 'draft'].includes(task.state), `GQ-002 已处于“${task.state}”状态（本用例需要新数据）`)

  // Home shows the to-do list with this task.
  await expect(page.getByTestId('todo')).toContainText('经济概况')
  await snap(page, 'survey-01-home-todo')

  await openTaskFromList(page, 'GQ-002')
  await expect(page.getByTestId('prev-qc05_0')).not.toHaveText('—')
  await snap(page, 'survey-02-form-empty')

  // 1. A value that breaks GQ002-R01 (主营业务收入 > 营业收入): the error blocks 上报.
  await fillCell(page, 'qc05_0', 20000)
  await fillCell(page, 'qc24', 30000)
  await fillCell(page, 'qc55', 25000)
  expect(await saveNow(page)).toBe(200)
  await expect(page.getByTestId('audit-GQ002-R01')).toBeVisible()
  await expect(page.getByTestId('row-qc55')).toHaveClass(/is-error/)
  await expect(page.getByTestId('btn-submit')).toBeDisabled()
  await expect(page.getByTestId('save-status')).toContainText('已保存 第')
  await page.getByTestId('audit-GQ002-R01').click()
  await snap(page, 'survey-03-error-blocks-submit')

  // 2. Fixed; 技术收入 ≠ its four sub-items raises the warning GQ002-R03.
  await fillCell(page, 'qc55', 15000)
  await fillCell(page, 'qc06', 100)
  await fillCell(page, 'qc06_1', 10)
  expect(await saveNow(page)).toBe(200)
  await expect(page.getByTestId('audit-GQ002-R01')).toHaveCount(0)
  await expect(page.getByTestId('audit-GQ002-R03')).toBeVisible()
  await expect(page.getByTestId('btn-submit')).toBeDisabled()
  await snap(page, 'survey-04-warning')

  // Every warning gets an explanation; then 上报 is allowed.
  const boxes = page.locator('textarea[data-testid^="explain-"]')
  for (let i = 0; i < (await boxes.count()); i++) {
    await boxes.nth(i).fill('技术收入含其他技术服务收入，经核实无误')
  }
  expect(await saveNow(page)).toBe(200)
  await expect(page.getByTestId('btn-submit')).toBeEnabled()
  await page.getByTestId('btn-submit').click()
  const submitted = page.waitForResponse((r) => r.url().endsWith('/submit'))
  await confirmBox(page, '确定上报')
  expect((await submitted).status()).toBe(200)
  await expect(page.getByTestId('filing-state')).toContainText('审核中')
  await snap(page, 'survey-05-submitted')

  // 3. The zone reviewer returns it, pinned to 资产总计.
  const zone = await reviewerPage(browser, 'sz_zone_reviewer')
  await openInQueue(zone, task.unit.name)
  await snap(zone, 'survey-06-zone-review')
  await zone.getByTestId('btn-return').click()
  await expect(zone.getByTestId('return-panel')).toBeVisible()
  await zone.getByTestId('return-reason').fill('资产总计与财务报表不符，请核实')
  await zone.getByTestId('row-qc24').click()
  await zone.getByTestId('pin-qc24').locator('input').fill('请按资产负债表期末数填报')
  await snap(zone, 'survey-07-zone-return-pins')
  const returned = zone.waitForResponse((r) => r.url().endsWith('/return'))
  await zone.getByTestId('btn-confirm-return').click()
  expect((await returned).status()).toBe(200)
  await expect(zone.getByTestId('review-state')).toContainText('退回')

  // 4. The unit sees the banner and the pinned cell, fixes it and resubmits.
  await page.reload()
  await expect(page.getByTestId('return-banner')).toContainText('资产总计与财务报表不符')
  await expect(page.getByTestId('row-qc24')).toHaveClass(/is-pin/)
  await expect(page.getByTestId('row-qc24')).toContainText('请按资产负债表期末数填报')
  await snap(page, 'survey-08-unit-returned')
  await fillCell(page, 'qc24', 32000)
  expect(await saveNow(page)).toBe(200)
  const boxes2 = page.locator('textarea[data-testid^="explain-"]')
  for (let i = 0; i < (await boxes2.count()); i++) {
    if (!(await boxes2.nth(i).inputValue())) await boxes2.nth(i).fill('经核实无误')
  }
  if (await page.getByTestId('save-status').filter({ hasText: '未保存' }).count()) expect(await saveNow(page)).toBe(200)
  await page.getByTestId('btn-submit').click()
  const resubmitted = page.waitForResponse((r) => r.url().endsWith('/submit'))
  await confirmBox(page, '确定上报')
  expect((await resubmitted).status()).toBe(200)
  await expect(page.getByTestId('filing-state')).toContainText('审核中')

  // 5. Zone: the change since the returned version; approve. Province, then center.
  await openInQueue(zone, task.unit.name)
  await expect(zone.getByTestId('diff-table')).toContainText('资产总计')
  await expect(zone.getByTestId('diff-table')).toContainText('32,000')
  await snap(zone, 'survey-09-zone-diff')
  await approve(zone)
  await zone.context().close()

  const gd = await reviewerPage(browser, 'gd_reviewer')
  await openInQueue(gd, task.unit.name)
  await approve(gd)
  await snap(gd, 'survey-10-province-approved')
  await gd.context().close()

  const center = await reviewerPage(browser, 'center')
  await openInQueue(center, task.unit.name)
  await approve(center)
  await expect(center.getByTestId('review-state')).toContainText('终审')
  await snap(center, 'survey-11-center-final')
  await center.context().close()

  // 6. The unit prints the final version and uploads the PDF itself as the signed scan.
  await page.reload()
  await expect(page.getByTestId('filing-state')).toContainText('终审')
  const pdf = await page.request.get(`/api/v1/filings/${task.id}/print`)
  expect(pdf.status()).toBe(200)
  expect(pdf.headers()['content-type']).toContain('application/pdf')
  await uploadScan(page, 'GQ-002-签章.pdf', await pdf.body())
  await expect(page.getByTestId('scan-result')).toContainText('一致')
  await expect(page.getByTestId('scan-match')).toBeVisible()
  await expect(cellInput(page, 'qc24')).toHaveCount(0)
  await snap(page, 'survey-12-scan-matched')
})
