import { expect, test } from '@playwright/test'
import { loginUi } from './helpers'

test('退出登录后回到登录页，会话失效', async ({ page }) => {
  await loginUi(page, 'center')
  const me = await page.request.get('/api/v1/auth/me')
  expect(me.status()).toBe(200)

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
