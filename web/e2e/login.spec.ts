import { expect, test } from '@playwright/test'
import { loginUi, snap } from './helpers'

test('火炬中心用户登录后首页显示用户、角色与管辖范围', async ({ page }) => {
  await loginUi(page, 'center')
  await expect(page).toHaveURL(/\/$/)
  await expect(page.locator('.brand-name')).toHaveText('火炬统计调查与登记服务平台')
  await expect(page.getByTestId('card-user')).toContainText('当前用户')
  await expect(page.getByTestId('card-role')).toContainText('角色')
  await expect(page.getByTestId('card-role')).toContainText('火炬中心')
  // The scope card and the header show the scope the server reports for this session.
  const me = (await (await page.request.get('/api/v1/auth/me')).json()) as {
    user: { display_name: string; scope: { name: string; path_names: string[] } }
  }
  await expect(page.getByTestId('card-user')).toContainText(me.user.display_name)
  await expect(page.getByTestId('card-scope')).toContainText(me.user.scope.name)
  await expect(page.getByTestId('card-scope')).toContainText(me.user.scope.path_names.join(' / '))
  await expect(page.getByTestId('user-scope')).toHaveText(me.user.scope.name)
  await expect(page.getByText('本角色可以办理')).toBeVisible()
  // Menu by role: the center sees 组织机构 and not 本单位信息.
  await expect(page.getByTestId('menu-org')).toBeVisible()
  await expect(page.getByTestId('menu-my-unit')).toHaveCount(0)
  await snap(page, 'home-center')
})

test('密码错误时显示服务器返回的中文错误信息', async ({ page }) => {
  await page.goto('/login')
  await expect(page.getByText('工业和信息化部火炬高技术产业开发中心').first()).toBeVisible()

  // Empty fields are refused before any request.
  await page.getByRole('button', { name: '登录' }).click()
  await expect(page.getByText('请输入用户名')).toBeVisible()
  await expect(page.getByText('请输入密码')).toBeVisible()

  await page.getByPlaceholder('用户名').fill('bj_reviewer')
  await page.getByPlaceholder('密码').fill('wrong-password')
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'))
  await page.getByRole('button', { name: '登录' }).click()
  const res = await answer
  expect(res.status()).toBe(401)
  const body = (await res.json()) as { error: { code: string; message: string } }
  expect(body.error.code).toBe('unauthenticated')
  expect(body.error.message).toMatch(/[\u4e00-\u9fff]/)
  await expect(page.getByTestId('login-error')).toContainText(body.error.message)
  await expect(page).toHaveURL(/\/login/)
  await snap(page, 'login-wrong-password')

  // The same account still logs in with the right password (and clears its failure count).
  await loginUi(page, 'bj_reviewer')
  await expect(page.getByTestId('user-scope')).toHaveText('北京市')
})

test('未登录访问受保护页面时转到登录页', async ({ page }) => {
  await page.goto('/org')
  await expect(page).toHaveURL(/\/login\?redirect=/)
  await expect(page.getByRole('heading', { name: '火炬统计调查与登记服务平台' })).toBeVisible()
})
