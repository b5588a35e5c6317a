// 账号管理, the forced password change, reset by a one-time token, 机构维护 and 操作日志
// against a real server, as the system administrator (admin) and the accounts it makes.
import { expect, test, type Browser, type Page } from '@playwright/test'
import { loginUi, snap } from './helpers'
import { breakCheck, confirmBox, loginWith, makeUscc, pickRemote } from './identity-helpers'

async function freshPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext()
  return context.newPage()
}

test('账号管理：新建账号须首次改密且无法离开改密页；重置令牌只用一次', async ({ page, browser }) => {
  test.setTimeout(120_000)
  const run = Date.now() % 100_000_000
  const username = `rev${run}`
  const initial = 'Camellia-Dawn-4410'
  const changed = 'Osmanthus-Tide-8823'
  const afterReset = 'Magnolia-Quay-6072'

  await loginUi(page, 'admin')
  await page.getByTestId('menu-admin-accounts').click()
  await expect(page).toHaveURL(/\/admin\/accounts$/)
  await expect(page.getByTestId('accounts-table').locator('tbody tr').first()).toBeVisible()

  // Create: missing fields are named, then a reviewer for 深圳市.
  await page.getByTestId('acct-create').click()
  await page.getByTestId('acct-submit').click()
  const form = page.getByTestId('account-form')
  await expect(form.locator('.el-form-item__error', { hasText: '用户名为3至32位' })).toBeVisible()
  await expect(form.locator('.el-form-item__error', { hasText: '请选择管辖范围' })).toBeVisible()
  await page.getByTestId('acct-username').fill(username)
  await page.getByTestId('acct-display').fill('验收深圳市审核员')
  await pickRemote(page, 'acct-scope', '深圳市', '深圳市')
  await page.getByTestId('acct-password').fill(initial)
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/accounts') && r.request().method() === 'POST')
  await page.getByTestId('acct-submit').click()
  expect((await created).status()).toBe(201)

  await page.getByTestId('acct-q').fill(username)
  await page.getByTestId('acct-search').click()
  const row = page.getByTestId('accounts-table').locator('tbody tr', { hasText: username })
  await expect(row).toHaveCount(1)
  await expect(row).toContainText('待改密')
  await snap(page, 'identity-admin-accounts')

  // The new account logs in and is held on 修改密码 until it changes the password.
  const user = await freshPage(browser)
  await loginWith(user, username, initial)
  await expect(user).toHaveURL(/\/account\/password$/)
  await expect(user.getByTestId('forced-change')).toBeVisible()
  // Nothing else to go to: no menu, no module switcher.
  await expect(user.getByTestId('menu-org')).toHaveCount(0)
  await expect(user.getByTestId('module-switcher')).toHaveCount(0)
  await user.goto('/org')
  await expect(user).toHaveURL(/\/account\/password$/)
  expect((await user.request.get('/api/v1/org/scope')).status()).toBe(403)
  await snap(user, 'identity-forced-change')
  await user.getByTestId('pw-current').fill(initial)
  await user.getByTestId('pw-new').fill(changed)
  await user.getByTestId('pw-confirm').fill(changed)
  await user.getByTestId('pw-submit').click()
  await expect(user).toHaveURL(/\/$/)
  await user.getByTestId('menu-org').click()
  await expect(user).toHaveURL(/\/org$/)

  // Reset by token: shown once to the administrator, used once by the holder.
  await row.getByTestId('acct-reset').click()
  await confirmBox(page, '生成令牌')
  const token = (await page.getByTestId('reset-token-value').textContent())?.trim() ?? ''
  expect(token).toMatch(/^[0-9a-f]{64}$/)
  await page.waitForTimeout(400) // let the dialog finish fading in before the screenshot
  await snap(page, 'identity-reset-token')
  await page.getByRole('button', { name: '我已转交' }).click()

  const holder = await freshPage(browser)
  await holder.goto('/login')
  await holder.getByTestId('link-reset').click()
  await expect(holder).toHaveURL(/\/reset-password$/)
  await holder.getByTestId('reset-token').fill('abc')
  await holder.getByTestId('reset-new').fill(afterReset)
  await holder.getByTestId('reset-confirm').fill(afterReset)
  await holder.getByTestId('reset-submit').click()
  await expect(holder.getByTestId('reset-form').locator('.el-form-item__error', { hasText: '64 位' })).toBeVisible()
  await holder.getByTestId('reset-token').fill(token)
  await holder.getByTestId('reset-submit').click()
  await expect(holder).toHaveURL(/\/login/)
  // The reset ended every session of the account, and the token is spent.
  expect((await user.request.get('/api/v1/auth/me')).status()).toBe(401)
  await holder.goto(`/reset-password?token=${token}`)
  await holder.getByTestId('reset-new').fill('Wisteria-Bay-1234')
  await holder.getByTestId('reset-confirm').fill('Wisteria-Bay-1234')
  await holder.getByTestId('reset-submit').click()
  await expect(holder.getByTestId('reset-form').locator('.el-form-item__error').first()).toBeVisible()
  expect(holder.url()).toContain('/reset-password')
  await loginWith(holder, username, afterReset)

  // The administrator sees that login in the account's sessions and ends it.
  await row.getByTestId('acct-sessions').click()
  const sessions = page.getByTestId('account-sessions-table').locator('tbody tr')
  await expect(sessions).toHaveCount(1)
  await page.getByTestId('acct-end-sessions').click()
  await confirmBox(page, '全部结束')
  await expect(sessions).toHaveCount(0)
  expect((await holder.request.get('/api/v1/auth/me')).status()).toBe(401)
  await user.context().close()
  await holder.context().close()
})

test('机构维护：新增、关闭、恢复、调整上级、合并带历史；操作日志按操作筛选并导出', async ({ page }) => {
  test.setTimeout(120_000)
  const run = Date.now() % 100_000_000
  const name = `验收测试登记点${run}`
  await loginUi(page, 'admin')
  await page.getByTestId('menu-admin-org').click()
  await expect(page).toHaveURL(/\/admin\/org$/)
  await page.getByTestId('orgadm-q').fill('深圳市高新技术产业园区')
  await page.getByTestId('orgadm-search').click()
  await page.getByTestId('orgadm-found').locator('tbody tr', { hasText: '深圳市高新技术产业园区' }).first().click()
  await expect(page.getByTestId('orgadm-node')).toContainText('深圳市高新技术产业园区')

  // Add a unit under the zone: a missing or wrong USCC is named inline and nothing is sent.
  await page.getByTestId('orgadm-add').click()
  await page.getByTestId('orgadm-name').fill(name)
  const formErrors = page.getByTestId('orgadm-form').locator('.el-form-item__error')
  await page.getByTestId('orgadm-submit').click()
  await expect(formErrors).toHaveText(['请填写统一社会信用代码'])
  const uscc = makeUscc(run + 7, '440300')
  await page.getByTestId('orgadm-uscc').fill(breakCheck(uscc))
  await page.getByTestId('orgadm-submit').click()
  await expect(formErrors).toHaveText(['统一社会信用代码校验位错误'])
  await page.getByTestId('orgadm-uscc').fill(uscc)
  const added = page.waitForResponse((r) => r.url().endsWith('/api/v1/org/nodes') && r.request().method() === 'POST')
  await page.getByTestId('orgadm-submit').click()
  expect((await added).status()).toBe(201)
  await expect(page.locator('.el-message--success')).toContainText(name)

  // Close and reopen the new unit, with reasons kept in its history.
  await page.getByTestId('orgadm-q').fill(uscc)
  await page.getByTestId('orgadm-search').click()
  await page.getByTestId('orgadm-found').locator('tbody tr', { hasText: name }).click()
  await expect(page.getByTestId('orgadm-node')).toContainText(uscc)
  await expect(page.getByTestId('orgadm-status')).toHaveText('正常')
  await page.getByTestId('orgadm-close').click()
  await page.getByTestId('orgadm-submit').click()
  await expect(page.getByTestId('orgadm-form').locator('.el-form-item__error', { hasText: '请填写原因' })).toBeVisible()
  await page.getByTestId('orgadm-reason').fill(`验收测试关闭 ${run}`)
  await page.getByTestId('orgadm-submit').click()
  await expect(page.getByTestId('orgadm-status')).toHaveText('已关闭')
  await page.getByTestId('orgadm-reopen').click()
  await page.getByTestId('orgadm-reason').fill(`验收测试恢复 ${run}`)
  await page.getByTestId('orgadm-submit').click()
  await expect(page.getByTestId('orgadm-status')).toHaveText('正常')
  const history = page.getByTestId('orgadm-history')
  await expect(history.locator('tbody tr', { hasText: `验收测试关闭 ${run}` })).toContainText('关闭机构')
  await expect(history.locator('tbody tr', { hasText: `验收测试关闭 ${run}` })).toContainText('状态：正常 → 已关闭')
  await expect(history.locator('tbody tr', { hasText: `验收测试恢复 ${run}` })).toContainText('恢复机构')
  await snap(page, 'identity-org-history')

  // Move the unit from the zone to 深圳市 itself; then merge it into a second new unit.
  await page.getByTestId('orgadm-move').click()
  await pickRemote(page, 'orgadm-target', '深圳市', '深圳市地市') // the option reads name + kind
  await page.getByTestId('orgadm-reason').fill(`验收测试调整 ${run}`)
  await page.getByTestId('orgadm-submit').click()
  await expect(history.locator('tbody tr', { hasText: `验收测试调整 ${run}` })).toContainText('调整上级')
  await expect(page.locator('.el-breadcrumb')).not.toContainText('深圳市高新技术产业园区')
  await expect(page.locator('.el-breadcrumb')).toContainText('深圳市')

  const intoName = `验收测试合并目标${run}`
  const intoUscc = makeUscc(run + 11, '440300')
  await page.getByRole('button', { name: '返回上级' }).click()
  await expect(page.getByTestId('orgadm-node')).toContainText('深圳市')
  await page.getByTestId('orgadm-add').click()
  await page.getByTestId('orgadm-name').fill(intoName)
  await page.getByTestId('orgadm-uscc').fill(intoUscc)
  await page.getByTestId('orgadm-submit').click()
  await expect(page.locator('.el-message--success', { hasText: intoName })).toBeVisible()
  await page.getByTestId('orgadm-q').fill(uscc)
  await page.getByTestId('orgadm-search').click()
  await page.getByTestId('orgadm-found').locator('tbody tr', { hasText: name }).click()
  await page.getByTestId('orgadm-merge').click()
  await pickRemote(page, 'orgadm-target', intoUscc, intoName)
  await page.getByTestId('orgadm-reason').fill(`验收测试合并 ${run}`)
  await page.getByTestId('orgadm-submit').click()
  await expect(page.getByTestId('orgadm-status')).toHaveText('已合并')
  await expect(history.locator('tbody tr', { hasText: `验收测试合并 ${run}` })).toContainText('合并单位')
  await expect(page.getByTestId('orgadm-merge')).toBeDisabled()

  // 操作日志: filter by the org group, find both changes, export as CSV.
  await page.getByTestId('menu-admin-audit').click()
  await expect(page).toHaveURL(/\/admin\/audit-log$/)
  await page.getByTestId('audit-action').click()
  await page.locator('.el-select-dropdown__item:visible', { hasText: '机构维护（全部）' }).click()
  await page.getByTestId('audit-search').click()
  const rows = page.getByTestId('audit-table').locator('tbody tr')
  await expect(rows.filter({ hasText: `原因：验收测试关闭 ${run}` })).toHaveCount(1)
  await expect(rows.filter({ hasText: `验收测试关闭 ${run}` })).toContainText('状态：正常 → 已关闭')
  await expect(rows.filter({ hasText: '登录' })).toHaveCount(0)
  await snap(page, 'identity-audit-log')
  const download = page.waitForEvent('download')
  await page.getByTestId('audit-csv').click()
  const file = await download
  const text = await (await file.createReadStream()).toArray()
  const csv = Buffer.concat(text.map((c) => Buffer.from(c))).toString('utf8')
  expect(csv).toContain(`验收测试关闭 ${run}`)
})
