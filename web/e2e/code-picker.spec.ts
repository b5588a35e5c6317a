// The code picker of a hierarchical code list (GQ-001 行业代码, GB/T 4754): search by name, and
// browse the tree level by level (children load when a branch opens); only a leaf can be chosen.
// Uses GQ-001, which no other spec fills.
import { expect, test } from '@playwright/test'
import { loginUi, snap } from './helpers'
import { openTaskFromList } from './survey-helpers'

test('行业代码：按名称搜索，按门类/大类/中类逐级展开并选择小类', async ({ page }) => {
  await loginUi(page, 'unit_demo')
  await openTaskFromList(page, 'GQ-001')
  const row = page.getByTestId('row-qb03_1')
  await expect(row).toBeVisible()

  // Browse: 门类 C → 大类 39 → 中类 391 → 小类 3911.
  await row.getByTestId('code-browse').click()
  const tree = page.getByTestId('code-tree')
  await expect(tree).toBeVisible()
  const nodeOf = (code: string) =>
    tree.locator('.el-tree-node__content').filter({ has: page.locator('.code', { hasText: new RegExp(`^${code}$`) }) }).first()
  for (const code of ['C', '39', '391']) await nodeOf(code).locator('.el-tree-node__expand-icon').click()
  const leaf = nodeOf('3911')
  await expect(leaf).toBeVisible()
  await snap(page, 'code-picker-tree')
  await leaf.click()
  await expect(tree).toBeHidden()
  await expect(row.locator('.el-select')).toContainText('3911')

  // Search: a branch code cannot be chosen, a leaf can.
  const select = row.locator('.el-select').first()
  await select.click()
  await page.keyboard.type('软件开发')
  const branch = page.locator('.el-select-dropdown__item').filter({ has: page.locator('.code', { hasText: /^651$/ }) }).first()
  await expect(branch).toHaveClass(/is-disabled/)
  const option = page.locator('.el-select-dropdown__item', { hasText: '基础软件开发' }).first()
  await option.click()
  await expect(select).toContainText('基础软件开发')
})
