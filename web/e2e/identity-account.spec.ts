// 修改密码 and 我的会话 against a real server. Uses demo accounts no other spec logs in with
// (registry_gd, sz_city_reviewer): the password change here is permanent for the run.
import { expect, request as pwRequest, test } from '@playwright/test'
import { apiSession, loginUi, PASSWORD, snap } from './helpers'

const NEW_PASSWORD = 'Kapok-Harbour-2031'

test('修改密码：显示密码要求，逐项提示错误，修改后其他登录失效', async ({ page, baseURL }) => {
  const other = await apiSession(baseURL!, 'registry_gd')
  await loginUi(page, 'registry_gd')

  await page.getByTestId('user-display-name').click()
  await page.getByTestId('menu-account-password').click()
  await expect(page).toHaveURL(/\/account\/password$/)
  const policy = page.getByTestId('password-policy')
  await expect(policy).toContainText('长度至少 10 位')
  await expect(policy).toContainText('最近 5 次')

  const form = page.getByTestId('password-form')
  const errorOf = (label: string) => form.locator('.el-form-item', { hasText: label }).locator('.el-form-item__error')

  // Nothing filled: every field names itself, nothing is sent.
  await page.getByTestId('pw-submit').click()
  await expect(errorOf('当前密码')).toHaveText('请输入当前密码')
  await expect(errorOf('确认新密码')).toHaveText('请再次输入新密码')

  // Checked in the browser: too short, too few kinds of characters, confirmation differs.
  await page.getByTestId('pw-current').fill(PASSWORD)
  await page.getByTestId('pw-new').fill('Ab1!')
  await page.getByTestId('pw-confirm').fill('Ab1!')
  await page.getByTestId('pw-submit').click()
  await expect(form.locator('.el-form-item__error').first()).toContainText('至少 10 位')
  await page.getByTestId('pw-new').fill('abcdefghijkl')
  await page.getByTestId('pw-confirm').fill('abcdefghijk')
  await page.getByTestId('pw-submit').click()
  await expect(form.locator('.el-form-item__error', { hasText: '三类' })).toBeVisible()
  await expect(errorOf('确认新密码')).toHaveText('两次输入的新密码不一致')

  // Judged by the server: a common password, then a wrong current password.
  await page.getByTestId('pw-new').fill('P@ssw0rd123')
  await page.getByTestId('pw-confirm').fill('P@ssw0rd123')
  let answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/password'))
  await page.getByTestId('pw-submit').click()
  expect((await answer).status()).toBe(422)
  await expect(form.locator('.el-form-item__error', { hasText: '常见' })).toBeVisible()
  await snap(page, 'identity-password-common')

  await page.getByTestId('pw-current').fill('Wrong-Password-1')
  await page.getByTestId('pw-new').fill(NEW_PASSWORD)
  await page.getByTestId('pw-confirm').fill(NEW_PASSWORD)
  answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/password'))
  await page.getByTestId('pw-submit').click()
  expect((await answer).status()).toBe(422)
  await expect(errorOf('当前密码')).toHaveText('当前密码不正确')
  // Refused attempts changed nothing: the other session still works.
  expect((await other.get('/api/v1/auth/me')).status()).toBe(200)

  await page.getByTestId('pw-current').fill(PASSWORD)
  answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/password'))
  await page.getByTestId('pw-submit').click()
  expect((await answer).status()).toBe(200)
  await expect(page.locator('.el-message--success')).toContainText('密码已修改')
  await expect(page.getByTestId('pw-current')).toHaveValue('')
  await snap(page, 'identity-password-changed')

  // This browser stays logged in; the other session has ended; the new password works.
  expect((await page.request.get('/api/v1/auth/me')).status()).toBe(200)
  expect((await other.get('/api/v1/auth/me')).status()).toBe(401)
  const fresh = await pwRequest.newContext({ baseURL })
  expect((await fresh.post('/api/v1/auth/login', { data: { username: 'registry_gd', password: PASSWORD } })).status()).toBe(401)
  expect((await fresh.post('/api/v1/auth/login', { data: { username: 'registry_gd', password: NEW_PASSWORD } })).status()).toBe(200)
  await fresh.dispose()
  await other.dispose()
})

test('我的会话：列出登录，结束一个、结束其他设备、全部退出', async ({ page, baseURL }) => {
  const a = await apiSession(baseURL!, 'sz_city_reviewer')
  const b = await apiSession(baseURL!, 'sz_city_reviewer')
  await loginUi(page, 'sz_city_reviewer')

  await page.getByTestId('user-display-name').click()
  await page.getByTestId('menu-account-sessions').click()
  await expect(page).toHaveURL(/\/account\/sessions$/)
  const rows = page.getByTestId('sessions-table').locator('tbody tr')
  await expect(rows).toHaveCount(3)
  // The current browser is marked and listed first, and cannot be ended from its own row.
  await expect(rows.first()).toContainText('当前浏览器')
  await expect(rows.first().getByTestId('end-session')).toHaveCount(0)
  await expect(page.getByTestId('end-others')).toContainText('2')
  await snap(page, 'identity-sessions')

  // End one: a confirmation first; cancelling changes nothing.
  await rows.nth(1).getByTestId('end-session').click()
  await page.locator('.el-message-box').getByRole('button', { name: '取消' }).click()
  await expect(rows).toHaveCount(3)
  await rows.nth(1).getByTestId('end-session').click()
  await page.locator('.el-message-box').getByRole('button', { name: '结束' }).click()
  await expect(rows).toHaveCount(2)
  const alive = [(await a.get('/api/v1/auth/me')).status(), (await b.get('/api/v1/auth/me')).status()].sort()
  expect(alive).toEqual([200, 401])

  await page.getByTestId('end-others').click()
  await page.locator('.el-message-box').getByRole('button', { name: '全部结束' }).click()
  await expect(rows).toHaveCount(1)
  expect((await a.get('/api/v1/auth/me')).status()).toBe(401)
  expect((await b.get('/api/v1/auth/me')).status()).toBe(401)
  expect((await page.request.get('/api/v1/auth/me')).status()).toBe(200)

  // 全部退出 ends this browser's session too and goes to the login page.
  await page.getByTestId('end-all').click()
  await page.locator('.el-message-box').getByRole('button', { name: '全部退出' }).click()
  await expect(page).toHaveURL(/\/login/)
  expect((await page.request.get('/api/v1/auth/me')).status()).toBe(401)
  await a.dispose()
  await b.dispose()
})
