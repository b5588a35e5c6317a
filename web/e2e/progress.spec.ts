// 上报进度 for the province reviewer: totals, the chart by city, the non-filers and the export.
import { expect, test } from '@playwright/test'
import { loginUi, snap } from './helpers'

test('省级审核员查看 GQ-002 2024 上报进度、未上报单位并导出', async ({ page }) => {
  await loginUi(page, 'gd_reviewer')
  await page.getByTestId('menu-survey-progress').click()
  await expect(page).toHaveURL(/\/survey\/progress/)
  await expect(page.getByTestId('progress-period')).toContainText('GQ-002')
  await expect(page.getByTestId('progress-crumbs')).toContainText('广东省')
  await expect(page.getByTestId('progress-totals')).toContainText('上报率')
  await expect(page.getByTestId('rate-chart').locator('canvas')).toBeVisible()
  await expect(page.getByTestId('progress-children').locator('tbody tr').first()).toBeVisible()
  const nonFilers = page.getByTestId('non-filers')
  await expect(nonFilers.locator('tbody tr').first()).toBeVisible()
  await expect(nonFilers).toContainText('联系电话')
  await snap(page, 'progress-gd')

  const href = await page.getByTestId('export-csv').getAttribute('href')
  expect(href).toContain('format=csv')
  const csv = await page.request.get(href!)
  expect(csv.status()).toBe(200)
  expect(csv.headers()['content-type']).toContain('text/csv')
  expect(await csv.text()).toContain('统一社会信用代码')

  // Drill down into the first child region.
  const first = page.getByTestId('progress-children').locator('tbody tr').first().locator('a, .el-link').first()
  const name = (await first.innerText()).trim()
  await first.click()
  await expect(page.getByTestId('progress-crumbs')).toContainText(name)
  await snap(page, 'progress-gd-drill')
})
