// 集中审核材料 for the province reviewer: the yoy list, the large-revenue covers and the downloads.
import { expect, test } from '@playwright/test'
import { loginUi, snap } from './helpers'

test('省级审核员查看 GQ-002 2024 集中审核材料并导出 Excel、PDF', async ({ page }) => {
  await loginUi(page, 'gd_reviewer')
  await page.getByTestId('menu-survey-materials').click()
  await expect(page).toHaveURL(/\/survey\/materials/)
  await expect(page.getByTestId('materials-note')).toContainText('集中审核')
  await expect(page.getByTestId('materials-period')).toContainText('GQ-002')

  // The default material is 与上年比较清单.
  await expect(page.getByTestId('material-yoy')).toHaveClass(/active/)
  await expect(page.getByTestId('materials-title')).toContainText('与上年比较清单')
  await expect(page.getByTestId('materials-subtitles')).toContainText('广东省')
  const table = page.getByTestId('materials-table')
  await expect(table.locator('tbody tr').first()).toBeVisible()
  await expect(table).toContainText('上年营业收入')
  await expect(page.getByTestId('materials-count')).toContainText(/共 [1-9]\d* 条/)
  await snap(page, 'materials-gd-yoy')

  const xlsxHref = await page.getByTestId('materials-xlsx').getAttribute('href')
  expect(xlsxHref).toContain('/review/materials/yoy')
  expect(xlsxHref).toContain('format=xlsx')
  const xlsx = await page.request.get(xlsxHref!)
  expect(xlsx.status()).toBe(200)
  expect(xlsx.headers()['content-type']).toContain('spreadsheetml')

  // Narrow the scope to one city through the org search.
  await page.getByTestId('materials-node').locator('input').fill('江门')
  await page.locator('.el-select-dropdown__item', { hasText: '江门市' }).first().click()
  await expect(page).toHaveURL(/node=\d+/)
  await expect(page.getByTestId('materials-subtitles')).toContainText('江门市')
  await expect(page.getByTestId('materials-table').or(page.getByTestId('materials-empty'))).toBeVisible()
  await page.getByTestId('materials-node').locator('.el-select__clear, .el-input__clear').first().click({ force: true })
  await expect(page.getByTestId('materials-subtitles')).toContainText('广东省')

  // 营业收入2亿元以上企业封面.
  const tab = page.getByTestId('material-large_revenue')
  await expect(tab).toContainText('营业收入2亿元以上企业封面')
  await tab.click()
  await expect(page).toHaveURL(/kind=large_revenue/)
  await expect(page.getByTestId('materials-title')).toContainText('营业收入2亿元以上')
  await expect(page.getByTestId('materials-table').or(page.getByTestId('materials-empty'))).toBeVisible()
  await page.waitForTimeout(400) // the tab underline slides over
  await snap(page, 'materials-gd-large-revenue')

  const pdfHref = await page.getByTestId('materials-pdf').getAttribute('href')
  expect(pdfHref).toContain('/review/materials/large_revenue')
  expect(pdfHref).toContain('format=pdf')
  const pdf = await page.request.get(pdfHref!)
  expect(pdf.status()).toBe(200)
  expect(pdf.headers()['content-type']).toContain('application/pdf')
  expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-')

  // 上市（挂牌）企业清单 reads GQ-001; the demo may have none: then the empty state shows.
  await page.getByTestId('material-listed').click()
  await expect(page.getByTestId('materials-title')).toContainText('上市（挂牌）企业清单')
  await expect(page.getByTestId('materials-table').or(page.getByTestId('materials-empty'))).toBeVisible()
  await page.waitForTimeout(400)
  await snap(page, 'materials-gd-listed')
})
