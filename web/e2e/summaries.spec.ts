// 汇总分析 for the Torch Center: GQ-002 2024 by province with 其中 rows by industry, the chart,
// drill-down from a cell to its units, a CSV export (background job), and year-on-year against 2023.
import { readFileSync } from 'node:fs'
import { expect, test } from '@playwright/test'
import { loginUi, snap } from './helpers'

test('火炬中心按省份和行业门类汇总 GQ-002，下钻到单位清单，导出，并做同比分析', async ({ page }) => {
  await loginUi(page, 'center')
  await page.getByTestId('menu-survey-summaries').click()
  await expect(page).toHaveURL(/\/survey\/summaries/)
  await expect(page.getByTestId('summary-period')).toContainText('GQ-002')

  const table = page.getByTestId('summary-table')
  const totalRow = table.locator('.el-table__body-wrapper tr.total-row').first()
  await expect(totalRow).toContainText('合计')
  await expect(page.getByTestId('summary-chart').locator('canvas')).toBeVisible()

  // 其中 rows: provinces, then their industry sections.
  await page.getByTestId('summary-by2').click()
  await page.getByRole('option', { name: '行业门类' }).click()
  await page.getByTestId('summary-run').click()
  await expect(table.locator('tr.sub-row').first()).toContainText('其中：')
  await snap(page, 'summaries-province-industry')
  await table.scrollIntoViewIfNeeded()
  await snap(page, 'summaries-province-industry-table')

  // The units of the total agree with the drill-down list's count.
  const totalUnits = (await totalRow.locator('td').nth(1).innerText()).replace(/[,\s]/g, '')
  await totalRow.locator('td').nth(1).locator('.el-link').click()
  const dialog = page.getByTestId('drill-dialog')
  await expect(dialog.getByTestId('drill-table').locator('tbody tr').first()).toBeVisible()
  await expect(dialog).toContainText(`共 ${totalUnits} 家单位`)
  await snap(page, 'summaries-drill')
  await dialog.getByRole('button', { name: 'Close' }).or(dialog.locator('.el-dialog__headerbtn')).first().click()

  // Exports run as background jobs of the same query; the file is offered when it is ready.
  const csvDownload = page.waitForEvent('download')
  await page.getByTestId('summary-export').click()
  await page.getByTestId('summary-export-csv').click()
  const csv = await csvDownload
  expect(csv.suggestedFilename()).toMatch(/^汇总表-GQ-002-2024\.csv$/)
  expect(readFileSync((await csv.path())!, 'utf8')).toContain('合计')
  await expect(page.getByTestId('summary-export-job').getByTestId('export-job-state')).toHaveText('已完成')

  // Year-on-year against 2023 on a comparable basis, with the large changes listed.
  await page.getByTestId('summary-mode').getByText('同比分析').click()
  const yoy = page.getByTestId('yoy-table')
  await expect(yoy.locator('tr.total-row').first()).toContainText('合计')
  await expect(yoy).toContainText('上年同期')
  await expect(page.getByTestId('yoy-changes')).toContainText('同比变化较大的单位')
  await snap(page, 'summaries-yoy')
})
