import path from 'node:path'
import { mkdirSync } from 'node:fs'
import { expect, request as pwRequest, type APIRequestContext, type Page } from '@playwright/test'

export const PASSWORD = 'Huoju@2024'

/** Folder for the screenshots: $HUOJU_ARTIFACTS, else web/test-results/screenshots. */
export function artifactDir(): string {
  const dir = process.env.HUOJU_ARTIFACTS ?? path.resolve(import.meta.dirname, '..', 'test-results', 'screenshots')
  mkdirSync(dir, { recursive: true })
  return dir
}

export async function snap(page: Page, name: string): Promise<string> {
  const file = path.join(artifactDir(), `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/** Log in through the login page and wait for the shell. */
export async function loginUi(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto('/login')
  await page.getByPlaceholder('用户名').fill(username)
  await page.getByPlaceholder('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await expect(page.getByTestId('user-box')).toBeVisible()
}

/** A separate API session (its own cookie jar), logged in as `username`. */
export async function apiSession(baseURL: string, username: string): Promise<APIRequestContext> {
  const ctx = await pwRequest.newContext({ baseURL })
  const res = await ctx.post('/api/v1/auth/login', { data: { username, password: PASSWORD } })
  expect(res.status(), `login ${username}`).toBe(200)
  return ctx
}

export interface OrgNodeJson {
  id: number
  kind: string
  name: string
  [key: string]: unknown
}

/** Waits until no dialog or drawer is still fading in or out (and, if asked, the toasts have gone). */
export async function settle(page: Page, options: { toasts?: boolean } = {}): Promise<void> {
  await page.waitForFunction(() => !document.querySelector('[class*="-enter-active"], [class*="-leave-active"]'))
  if (options.toasts) await expect(page.locator('.el-message')).toHaveCount(0, { timeout: 8_000 })
}
