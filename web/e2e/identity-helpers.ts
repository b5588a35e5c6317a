import { expect, type Browser, type Page } from '@playwright/test'

const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'

/** A valid 统一社会信用代码 (GB 32100 check character, GB 11714 organisation code check) in `region`. */
export function makeUscc(seed: number, region = '440305'): string {
  const org8 = String(seed).padStart(8, '0').slice(-8)
  const orgWeights = [3, 7, 9, 10, 5, 8, 4, 2]
  const orgSum = [...org8].reduce((s, c, i) => s + Number(c) * orgWeights[i], 0)
  const oc = 11 - (orgSum % 11)
  const orgCheck = oc === 10 ? 'X' : oc === 11 ? '0' : String(oc)
  const first17 = `91${region}${org8}${orgCheck}`
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  const sum = [...first17].reduce((s, c, i) => s + USCC_ALPHABET.indexOf(c) * weights[i], 0)
  return first17 + USCC_ALPHABET[(31 - (sum % 31)) % 31]
}

/** The same code with a wrong last (check) character. */
export function breakCheck(uscc: string): string {
  return uscc.slice(0, 17) + (uscc[17] === '1' ? '2' : '1')
}

/** A new browser context (its own cookies), logged in through the login page. */
export async function loginAs(browser: Browser, username: string, password: string): Promise<Page> {
  const context = await browser.newContext()
  const page = await context.newPage()
  await loginWith(page, username, password)
  return page
}

export async function loginWith(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login')
  await page.getByPlaceholder('用户名').fill(username)
  await page.getByPlaceholder('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await expect(page.getByTestId('user-box')).toBeVisible()
}

/** Confirms the open ElMessageBox with the button named `button`. */
export async function confirmBox(page: Page, button: string): Promise<void> {
  const box = page.locator('.el-message-box')
  await expect(box).toBeVisible()
  await box.getByRole('button', { name: button }).click()
  await expect(box).toBeHidden()
}

/** Types into a remote el-select and picks the first option containing `option`. */
export async function pickRemote(page: Page, testId: string, query: string, option: string): Promise<void> {
  await page.getByTestId(testId).click()
  await page.getByTestId(testId).locator('input').fill(query)
  await page.locator('.el-select-dropdown__item:visible', { hasText: option }).first().click()
}
