import { expect, test } from '@playwright/test'
import { loginUi } from './helpers'

test('退出登录后回到登录页，会话失效', async ({ page }) => {
  await loginUi(page, 'center')
  const me = await page.request.get('/api/v1/auth/me')
  expect(me.status()).toBe(200)

  // After a reload the CSRF token comes from GET /api/v1/auth/me; logout must still work.
  await page.reload()
  await expect(page.getByTestId('user-box')).toBeVisible()
  await page.getByRole('button', { name: '退出登录' }).click()
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/logout'))
  await page.getByRole('button', { name: '退出', exact: true }).click()
  const res = await answer
  expect(res.status()).toBe(200)
  expect(res.request().headers()['x-csrf-token']).toBeTruthy()
  await expect(page).toHaveURL(/\/login/)

  const after = await page.request.get('/api/v1/auth/me')
  expect(after.status()).toBe(401)

  // The app itself also sends the user back to the login page.
  await page.goto('/org')
  await expect(page).toHaveURL(/\/login/)
})

test('会话失效后任一接口返回 401 即转到登录页', async ({ page, context }) => {
  await loginUi(page, 'gd_reviewer')
  await context.clearCookies()
  await page.getByTestId('menu-org').click()
  await expect(page).toHaveURL(/\/login\?redirect=/)
  await expect(page.getByRole('button', { name: '登录' })).toBeVisible()
})
