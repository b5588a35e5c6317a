// Background exports on 汇总分析 (the Torch Center): the drill-down unit list as Excel, the
// summary table as PDF and the large year-on-year changes as Excel are made by jobs with
// progress; the file is offered when ready; the 导出任务 list (from the page and from the user
// menu) shows the jobs, downloads one and deletes it.
import { readFileSync } from 'node:fs'
import { expect, test, type Download, type Page } from '@playwright/test'
import { loginUi, settle, snap } from './helpers'

async function bytesOf(download: Download): Promise<Buffer> {
  return readFileSync(await download.path())
}

async function openSummaries(page: Page): Promise<void> {
  await page.getByTestId('menu-survey-summaries').click()
  await expect(page).toHaveURL(/\/survey\/summaries/)
  await expect(page.getByTestId('summary-table').locator('tr.total-row').first()).toContainText('合计')
}

test('汇总分析：单位清单导出 Excel、汇总表导出 PDF、同比大幅变动导出 Excel（后台任务），在导出任务中下载和删除', async ({ page }) => {
  await loginUi(page, 'center')
  await openSummaries(page)

  // 1. The drill-down list of the total as Excel: a job with progress, then the file.
  const totalRow = page.getByTestId('summary-table').locator('.el-table__body-wrapper tr.total-row').first()
  await totalRow.locator('td').nth(1).locator('.el-link').click()
  const dialog = page.getByTestId('drill-dialog')
  await expect(dialog.getByTestId('drill-table').locator('tbody tr').first()).toBeVisible()
  const auto = page.waitForEvent('download')
  await dialog.getByTestId('drill-export-xlsx').click()
  const bar = dialog.getByTestId('drill-export-job')
  await expect(bar).toBeVisible()
  await expect(bar).toContainText('单位清单-GQ-002-2024.xlsx')
  await expect(bar.getByTestId('export-job-state')).toHaveText('已完成', { timeout: 30_000 })
  const first = await auto
  expect(first.suggestedFilename()).toBe('单位清单-GQ-002-2024.xlsx')
  expect((await bytesOf(first)).subarray(0, 2).toString()).toBe('PK')
  await expect(bar.getByTestId('job-stage')).toHaveText('已完成')
  await snap(page, 'exports-01-drill-xlsx-done')

  // 下载 offers the same file again.
  const again = page.waitForEvent('download')
  await bar.getByTestId('export-job-download').click()
  expect((await bytesOf(await again)).subarray(0, 2).toString()).toBe('PK')
  await dialog.locator('.el-dialog__headerbtn').first().click()
  await expect(dialog).toBeHidden()

  // 2. The summary table as PDF (打印/导出 PDF).
  const pdf = page.waitForEvent('download')
  await page.getByTestId('summary-export').click()
  await page.getByTestId('summary-export-pdf').click()
  const summaryBar = page.getByTestId('summary-export-job')
  await expect(summaryBar).toContainText('汇总表-GQ-002-2024.pdf')
  await expect(summaryBar.getByTestId('export-job-state')).toHaveText('已完成', { timeout: 30_000 })
  const pdfFile = await pdf
  expect(pdfFile.suggestedFilename()).toBe('汇总表-GQ-002-2024.pdf')
  expect((await bytesOf(pdfFile)).subarray(0, 5).toString()).toBe('%PDF-')
  await snap(page, 'exports-02-summary-pdf-done')

  // 3. Year-on-year: the list of large changes as Excel, from its own card.
  await page.getByTestId('summary-mode').getByText('同比分析').click()
  await expect(summaryBar).toBeHidden()
  const changesCard = page.getByTestId('yoy-changes')
  await expect(changesCard).toContainText('同比变化较大的单位')
  const changes = page.waitForEvent('download')
  await changesCard.getByTestId('changes-export').click()
  await page.getByTestId('changes-export-xlsx').click()
  const changesBar = changesCard.getByTestId('changes-export-job')
  await expect(changesBar.getByTestId('export-job-state')).toHaveText('已完成', { timeout: 30_000 })
  const changesFile = await changes
  expect(changesFile.suggestedFilename()).toBe('大幅变动-GQ-002-2024.xlsx')
  expect((await bytesOf(changesFile)).subarray(0, 2).toString()).toBe('PK')
  await changesCard.scrollIntoViewIfNeeded()
  await snap(page, 'exports-03-changes-xlsx-done')

  // 4. 导出任务: the jobs, newest first, finished, with their size and expiry.
  await page.getByTestId('summary-jobs').click()
  const drawer = page.getByTestId('jobs-drawer')
  await expect(drawer).toBeVisible()
  const rows = drawer.getByTestId('jobs-table').locator('tbody tr')
  await expect(rows.first()).toContainText('大幅变动-GQ-002-2024.xlsx')
  await expect(rows.nth(1)).toContainText('汇总表-GQ-002-2024.pdf')
  const listRow = rows.filter({ hasText: '单位清单-GQ-002-2024.xlsx' }).first()
  await expect(listRow).toBeVisible()
  await expect(listRow.getByTestId('job-state')).toHaveText('已完成')
  await expect(listRow).toContainText(/\d+(\.\d)? (B|KB|MB)/)
  await settle(page, { toasts: true })
  await snap(page, 'exports-04-jobs-drawer')

  // Download from the list, then delete the job: it leaves the list (and the server).
  const fromList = page.waitForEvent('download')
  await listRow.getByTestId('job-download').click()
  expect((await bytesOf(await fromList)).subarray(0, 2).toString()).toBe('PK')
  const before = await rows.count()
  const deleted = page.waitForResponse((r) => r.url().includes('/api/v1/jobs/') && r.request().method() === 'DELETE')
  await listRow.getByTestId('job-delete').click()
  expect((await deleted).status()).toBe(200)
  await expect(rows).toHaveCount(before - 1)
  await expect(drawer.getByTestId('jobs-table')).toContainText('汇总表-GQ-002-2024.pdf')
  await drawer.locator('.el-drawer__close-btn').click()
  await expect(drawer).toBeHidden()

  // The list is also reached from the user menu.
  await page.getByTestId('user-display-name').click()
  await page.getByTestId('menu-account-jobs').click()
  await expect(drawer).toBeVisible()
  await expect(drawer.getByTestId('jobs-table')).toContainText('汇总表-GQ-002-2024.pdf')
})
