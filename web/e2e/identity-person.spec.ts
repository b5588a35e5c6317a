// Personal accounts (e.g. a technology manager): registration with a 居民身份证 (a wrong check
// character is refused in the page), a link request to a unit by its USCC, the unit
// administrator's grant of a module, and its withdrawal — the person's modules follow at once.
import { expect, test } from '@playwright/test'
import { loginUi, snap } from './helpers'
import { confirmBox, loginWith } from './identity-helpers'

/** A valid 18-character resident ID (GB 11643 check character) born on `birth` (YYYYMMDD). */
function residentId(birth: string, seq: number): string {
  const first17 = `110105${birth}${String(seq % 1000).padStart(3, '0')}`
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * weights[i], 0)
  return first17 + '10X98765432'[sum % 11]
}

test('个人注册 → 申请关联单位 → 单位授权模块 → 撤回授权', async ({ page, browser }) => {
  test.setTimeout(120_000)
  const run = Date.now() % 100_000_000
  const username = `tm${run}`
  const password = 'Peony-Lattice-3391'
  const id = residentId('19880214', run)
  const wrong = id.slice(0, 17) + (id[17] === '1' ? '2' : '1')

  // The unit to ask: the demo unit of unit_demo (its administrator).
  const unitPage = await (await browser.newContext()).newPage()
  await loginUi(unitPage, 'unit_demo')
  const unit = (await (await unitPage.request.get('/api/v1/org/scope')).json()) as { name: string; uscc: string }

  // ---- register
  await page.goto('/register?tab=person')
  const form = page.getByTestId('person-form')
  await page.getByTestId('person-username').fill(username)
  await page.getByTestId('person-name').fill('李经理')
  await page.getByTestId('person-id-number').fill(wrong)
  await page.getByTestId('person-phone').fill('13900139000')
  await page.getByTestId('person-email').fill('manager@example.com')
  await page.getByTestId('person-password').fill(password)
  await page.getByTestId('person-confirm').fill(password)
  await page.getByTestId('person-submit').click()
  await expect(form.locator('.el-form-item', { hasText: '证件号码' }).locator('.el-form-item__error')).toHaveText('身份证号码校验位错误')
  const refused = await page.request.post('/api/v1/registrations/persons', {
    data: { username, display_name: '李经理', password, id_type: 'resident_id', id_number: wrong, phone: '13900139000', email: 'manager@example.com' },
  })
  expect(refused.status()).toBe(422)
  expect((await refused.json()).error.details.field).toBe('id_number')
  await page.getByTestId('person-id-number').fill(id)
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/registrations/persons'))
  await page.getByTestId('person-submit').click()
  expect((await created).status()).toBe(201)
  await expect(page.getByTestId('person-done')).toContainText(username)

  // ---- the person asks the unit
  await loginWith(page, username, password)
  await page.getByTestId('menu-person-links').click()
  await expect(page).toHaveURL(/\/person\/links$/)
  await page.getByTestId('link-uscc').fill(unit.uscc.slice(0, 17) + (unit.uscc[17] === '1' ? '2' : '1'))
  await page.getByTestId('link-submit').click()
  await expect(page.locator('.el-form-item__error')).toHaveText('统一社会信用代码校验位错误')
  await page.getByTestId('link-uscc').fill(unit.uscc)
  await page.getByTestId('link-submit').click()
  const own = page.getByTestId('own-links-table').locator('tbody tr', { hasText: unit.name })
  await expect(own).toContainText('待授权')
  await expect(page.getByTestId('module-switcher')).toHaveCount(0)

  // ---- the unit's administrator grants 统计调查
  await unitPage.getByTestId('menu-unit-accounts').click()
  await unitPage.getByRole('tab', { name: /个人账号授权/ }).click()
  const link = unitPage.getByTestId('person-links-table').locator('tbody tr', { hasText: username })
  await expect(link).toContainText('待授权')
  // The ID number is shown masked.
  await expect(link).not.toContainText(id)
  await link.getByTestId('person-grant').click()
  await unitPage.getByTestId('grant-submit').click()
  await expect(link).toContainText('已授权')
  await expect(link).toContainText('统计调查')
  await snap(unitPage, 'identity-person-granted')

  // The person's next page load sees the module, reached with the same session.
  await page.reload()
  await expect(own).toContainText('已授权')
  await page.getByTestId('module-switcher').click()
  await page.getByTestId('module-survey').click()
  await expect(page.getByTestId('module-sso')).toContainText('统计调查')
  await expect(page.getByTestId('module-home')).toContainText(unit.name)
  await snap(page, 'identity-person-module')

  // ---- withdrawn: the module is gone at once
  await link.getByTestId('person-withdraw').click()
  await confirmBox(unitPage, '撤回')
  await expect(link).toContainText('已撤回')
  await page.reload()
  await expect(page.getByTestId('module-denied')).toBeVisible()
  const me = (await (await page.request.get('/api/v1/auth/me')).json()) as { user: { modules: unknown[] } }
  expect(me.user.modules).toEqual([])
  await unitPage.context().close()
})
