// Two sessions of the same unit edit one filing: the second save is refused (409), its input
// stays on the page, and after reloading it shows the first one's data. Uses GQ-003.
import { expect, test } from '@playwright/test'
import { loginUi, snap } from './helpers'
import { cellInput, fillCell, openTaskFromList, saveNow, taskOf } from './survey-helpers'

test('两人同时修改同一报表：后保存者看到冲突提示且输入不丢失', async ({ browser }) => {
  const ctxA = await browser.newContext()
  const ctxB = await browser.newContext()
  const a = await ctxA.newPage()
  const b = await ctxB.newPage()
  await loginUi(a, 'unit_demo')
  await loginUi(b, 'unit_demo')
  const task = await taskOf(a, 'GQ-003')
  test.skip(!['not_started', 'draft', 'returned'].includes(task.state), `GQ-003 处于“${task.state}”状态，不可修改`)

  await openTaskFromList(a, 'GQ-003')
  await openTaskFromList(b, 'GQ-003')

  const total = 200 + (Date.now() % 5000)
  await fillCell(a, 'qd01', total)
  expect(await saveNow(a)).toBe(200)

  await fillCell(b, 'qd26', 17)
  expect(await saveNow(b)).toBe(409)
  const box = b.locator('.el-message-box')
  await expect(box).toContainText('数据已被他人修改')
  await expect(box).toContainText('报表已被他人修改')
  await expect(cellInput(b, 'qd26')).toHaveValue('17')
  await snap(b, 'concurrent-edit-conflict')

  // Keep the input first: the banner stays and the value is still there.
  await box.getByRole('button', { name: '暂不加载，保留我的输入' }).click()
  await expect(b.getByTestId('conflict-banner')).toBeVisible()
  await expect(cellInput(b, 'qd26')).toHaveValue('17')

  // Reload: A's value is shown.
  await b.getByTestId('conflict-banner').getByRole('button').click()
  await expect(cellInput(b, 'qd01')).toHaveValue(String(total))
  await expect(b.getByTestId('conflict-banner')).toHaveCount(0)
  await snap(b, 'concurrent-edit-reloaded')

  await ctxA.close()
  await ctxB.close()
})
