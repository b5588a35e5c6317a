// 汇总分析 for the Torch Center: GQ-002 2024 by province with 其中 rows by industry, the chart,
// drill-down from a cell to its units, a CSV export (background job), and year-on-year against 2023;
// a 汇总表式 (the catalog's summary layout 按地区: provinces with their cities) chosen by name.
import { readFileSync } from 'node:fs'
import { expect, test } from '@playwright/test'
import { loginUi, settle, snap } from './helpers'

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

test('汇总表式：选择“高新技术企业主要经济指标汇总表（按地区）”，按省份、其中地市汇总，下钻、导出、同比，改维度后回到自定义', async ({ page }) => {
  const TITLE = '高新技术企业主要经济指标汇总表（按地区）'
  await loginUi(page, 'center')
  await page.getByTestId('menu-survey-summaries').click()
  const table = page.getByTestId('summary-table')
  await expect(table.locator('.el-table__body-wrapper tr.total-row').first()).toContainText('合计')

  // The form's layouts, each with its dimensions and number of indicators.
  const picker = page.getByTestId('summary-layout')
  await expect(picker).toContainText('自定义（按所选维度和指标）')
  await picker.click()
  await expect(page.getByRole('option', { name: /企业减免税情况汇总表（按园区）/ })).toBeVisible()
  const option = page.getByRole('option', { name: new RegExp(TITLE.replace(/[（）]/g, '.')) })
  await expect(option).toContainText('省份 › 地市 · 11 项指标')
  await snap(page, 'summaries-layout-picker')
  await option.click()

  // The pickers show what the layout holds; the answer's title heads the table and the chart.
  await expect(page).toHaveURL(/layout=economy_by_region/)
  await expect(page.getByTestId('summary-by1')).toContainText('省份')
  await expect(page.getByTestId('summary-by2')).toContainText('地市')
  await expect(page.getByTestId('summary-indicators')).toContainText('qc02 工业总产值')
  await expect(page.getByTestId('summary-caption')).toContainText(TITLE)
  await expect(page.getByTestId('summary-chart-caption')).toContainText(`${TITLE}：按省份分布`)
  await expect(table.locator('thead')).toContainText('资产总计（千元）')
  const body = table.locator('.el-table__body-wrapper')
  const gd = body.locator('tr', { hasText: '广东省' }).first()
  await expect(gd).not.toHaveClass(/sub-row/)
  await expect(body.locator('tr.sub-row', { hasText: '其中：深圳市' })).toBeVisible()
  await snap(page, 'summaries-layout-region')
  await table.scrollIntoViewIfNeeded()
  await snap(page, 'summaries-layout-region-table')

  // Drill-down from a 其中 row (the units route takes the table's indicators, not the layout).
  const sz = body.locator('tr.sub-row', { hasText: '其中：深圳市' }).first()
  const szUnits = (await sz.locator('td').nth(1).innerText()).replace(/[,\s]/g, '')
  await sz.locator('td').nth(1).locator('.el-link').click()
  const dialog = page.getByTestId('drill-dialog')
  await expect(dialog).toContainText('单位清单：深圳市')
  await expect(dialog).toContainText(`共 ${szUnits} 家单位`)
  await expect(dialog.getByTestId('drill-table').locator('thead')).toContainText('资产总计（千元）')
  await dialog.locator('.el-dialog__headerbtn').first().click()
  await expect(dialog).toBeHidden()

  // The export makes the layout's table: provinces and their cities.
  const download = page.waitForEvent('download')
  await page.getByTestId('summary-export').click()
  await page.getByTestId('summary-export-csv').click()
  const csv = readFileSync((await (await download).path())!, 'utf8')
  expect(csv.split('\n')[0]).toContain('地市')
  expect(csv).toContain('其中：深圳市')
  await expect(page.getByTestId('summary-export-job').getByTestId('export-job-state')).toHaveText('已完成')

  // Year-on-year of the same layout.
  await page.getByTestId('summary-mode').getByText('同比分析').click()
  await expect(page.getByTestId('yoy-caption')).toContainText(TITLE)
  await expect(page.getByTestId('yoy-table').locator('tr.sub-row').first()).toContainText('其中：')
  await settle(page, { toasts: true })
  await snap(page, 'summaries-layout-region-yoy')
  await page.getByTestId('summary-mode').getByText('汇总表').click()

  // The address keeps the layout: a reload shows the same table.
  await page.reload()
  await expect(picker).toContainText(TITLE)
  await expect(page.getByTestId('summary-caption')).toContainText(TITLE)
  await expect(table.locator('.el-table__body-wrapper tr.sub-row', { hasText: '其中：深圳市' })).toBeVisible()

  // Another dimension is no longer the layout: back to 自定义, and the table says so once run.
  await page.getByTestId('summary-by2').click()
  await page.getByRole('option', { name: '园区', exact: true }).click()
  await expect(picker).toContainText('自定义（按所选维度和指标）')
  await expect(page).not.toHaveURL(/layout=/)
  await page.getByTestId('summary-run').click()
  await expect(page.getByTestId('summary-caption')).toContainText('汇总表（GQ-002')
  await expect(page.getByTestId('summary-caption')).not.toContainText(TITLE)
  await expect(table.locator('tr.sub-row').first()).toContainText('其中：')
})
