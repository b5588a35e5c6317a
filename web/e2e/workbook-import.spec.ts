// Excel 离线填报: a unit downloads its GQ-004 template with the current data, changes the page,
// and imports the workbook back (saved as a new version, the audit's problems listed at their
// cells); a zone reviewer downloads the batch template of its scope and checks it (仅检查):
// counts and the problems, paged. Uses GQ-004, which no other spec fills.
import { readFileSync } from 'node:fs'
import { expect, test, type Download, type Page } from '@playwright/test'
import { loginUi, settle, snap } from './helpers'
import { confirmBox, openTaskFromList, saveNow, taskOf } from './survey-helpers'

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

async function xlsxOf(download: Download): Promise<Buffer> {
  const bytes = readFileSync(await download.path())
  expect(bytes.subarray(0, 2).toString()).toBe('PK')
  return bytes
}

function tableCell(page: Page, cell: string) {
  return page.locator(`[data-row="${cell}"] input`).first()
}

test('填报单位：下载 GQ-004 Excel 模板，修改页面后导回，结果中列出审核问题并重新加载报表', async ({ page }) => {
  await loginUi(page, 'unit_demo')
  const task = await taskOf(page, 'GQ-004')
  test.skip(!['not_started', 'draft', 'returned'].includes(task.state), `GQ-004 处于“${task.state}”状态，不可修改`)
  await openTaskFromList(page, 'GQ-004')
  await expect(page.getByTestId('btn-excel')).toBeVisible()

  // A project whose 政府资金 exceeds its 经费支出 (GQ004-R01), 来源 and 开展形式 left empty.
  const table = page.getByTestId('table-projects')
  const n = (await table.locator('.el-table__body-wrapper tbody tr').count()) + 1
  await page.getByTestId('add-row-projects').click()
  await tableCell(page, `projects[${n}].name`).fill('Excel 导入测试项目')
  await tableCell(page, `projects[${n}].expense`).fill('10')
  await tableCell(page, `projects[${n}].expense_gov`).fill('20')
  expect(await saveNow(page)).toBe(200)
  await expect(page.getByTestId('audit-GQ004-R01')).toBeVisible()

  // The template carries the current data (with the error).
  const tpl = page.waitForEvent('download')
  await page.getByTestId('btn-excel').click()
  await page.getByTestId('btn-template').click()
  const template = await tpl
  expect(template.suggestedFilename()).toMatch(/^GQ-004_2024_.*\.xlsx$/)
  const bytes = await xlsxOf(template)

  // The page moves on: the error is fixed and saved.
  await tableCell(page, `projects[${n}].expense`).fill('30')
  expect(await saveNow(page)).toBe(200)
  await expect(page.getByTestId('audit-GQ004-R01')).toBeHidden()
  const fixed = (await taskOf(page, 'GQ-004')).version

  // Importing the workbook brings its data back as a new version, audited.
  const answer = page.waitForResponse((r) => r.url().includes('/api/v1/workbooks/import') && r.request().method() === 'POST')
  await page.getByTestId('workbook-file').setInputFiles({ name: template.suggestedFilename(), mimeType: XLSX, buffer: bytes })
  await confirmBox(page, '确定导入')
  const res = await answer
  expect(res.status()).toBe(200)
  expect(res.request().headers()['content-type']).toBe(XLSX)
  const dialog = page.getByTestId('workbook-dialog')
  await expect(dialog).toBeVisible()
  await expect(dialog.getByTestId('workbook-headline')).toContainText(`已导入，保存为第 ${fixed + 1} 版`)
  const problems = dialog.getByTestId('workbook-problems')
  await expect(problems).toContainText('GQ004-R01')
  await expect(problems).toContainText('研究开发项目')
  await expect(problems).toContainText('项目经费支出')
  await settle(page, { toasts: true })
  await snap(page, 'workbook-01-unit-import-result')
  await dialog.getByTestId('workbook-dialog-close').click()
  await expect(dialog).toBeHidden()

  // The page shows the imported version: the workbook's value and the audit error again.
  await expect(page.getByTestId('save-status')).toContainText(`第${fixed + 1}版`)
  await expect(tableCell(page, `projects[${n}].expense`)).toHaveValue(/^10(\.0)?$/)
  await expect(page.getByTestId('audit-GQ004-R01')).toBeVisible()
  await settle(page)
  await snap(page, 'workbook-02-unit-after-import')

  // The same workbook again: nothing changed, no new version.
  const again = page.waitForResponse((r) => r.url().includes('/api/v1/workbooks/import'))
  await page.getByTestId('workbook-file').setInputFiles({ name: template.suggestedFilename(), mimeType: XLSX, buffer: bytes })
  await confirmBox(page, '确定导入')
  expect((await again).status()).toBe(200)
  await expect(dialog.getByTestId('workbook-headline')).toContainText('没有产生新版本')
  await dialog.getByTestId('workbook-dialog-close').click()
})

test('园区审核员：下载 GQ-002 批量模板并“仅检查”导入，显示单位数和分页的问题清单', async ({ page }) => {
  await loginUi(page, 'sz_zone_reviewer')
  await page.getByTestId('menu-survey-progress').click()
  await expect(page).toHaveURL(/\/survey\/progress/)
  await expect(page.getByTestId('progress-period')).toContainText('GQ-002')
  await expect(page.getByTestId('progress-totals')).toContainText('应报单位')

  const tpl = page.waitForEvent('download')
  await page.getByTestId('batch-template').click()
  await page.getByTestId('batch-template-blank').click()
  const template = await tpl
  expect(template.suggestedFilename()).toMatch(/^GQ-002_2024_.*\.xlsx$/)
  const bytes = await xlsxOf(template)

  await page.getByTestId('batch-import').click()
  const dialog = page.getByTestId('batch-dialog')
  await expect(dialog).toBeVisible()
  await expect(dialog.getByTestId('opt-check-only').locator('input')).toBeChecked()
  await expect(dialog.getByTestId('opt-clean-only').locator('input')).toBeDisabled()
  const answer = page.waitForResponse((r) => r.url().includes('/api/v1/workbooks/import'))
  await dialog.getByTestId('batch-upload').locator('input[type=file]').setInputFiles({ name: template.suggestedFilename(), mimeType: XLSX, buffer: bytes })
  const res = await answer
  expect(res.status()).toBe(200)
  expect(res.url()).toContain('check_only=1')
  const body = (await res.json()) as { units: number; rejected: number; would_save: number; problems: unknown[] }
  expect(body.units).toBeGreaterThan(0)

  await expect(dialog.getByTestId('workbook-headline')).toContainText('检查完成，未写入任何数据')
  await expect(dialog.getByTestId('workbook-headline')).toContainText(`共 ${body.units} 家单位`)
  const counts = dialog.getByTestId('workbook-counts')
  await expect(counts).toContainText('单位数')
  await expect(counts).toContainText(String(body.units))
  await expect(counts).toContainText('可导入')
  const problems = dialog.getByTestId('workbook-problems')
  await expect(problems.locator('tbody tr')).toHaveCount(Math.min(20, body.problems.length))
  await expect(problems).toContainText('批量填报')
  await expect(problems).toContainText('营业收入')
  await settle(page, { toasts: true })
  await snap(page, 'workbook-03-batch-check')
  if (body.problems.length > 20) {
    await dialog.locator('.el-pagination .number', { hasText: /^2$/ }).click()
    await expect(problems.locator('tbody tr').first()).toContainText('21')
  }
})
