// Acceptance of issue 7 in a browser: a unit registers with its 统一社会信用代码 (an invalid code is
// refused with a clear message, in the page and by the server), the zone reviewer approves it,
// the unit's administrator creates a 填报人 sub-account with two modules, the sub-account logs in
// once and reaches both modules without logging in again, logs out, and the other module's page
// then asks for a login.
import { expect, test } from '@playwright/test'
import { PASSWORD, snap } from './helpers'
import { breakCheck, confirmBox, loginAs, loginWith, makeUscc } from './identity-helpers'


test('单位注册 → 园区审核通过 → 子账号 → 一次登录进入两个模块 → 退出后需重新登录', async ({ page, browser }) => {
  test.setTimeout(120_000)
  const run = Date.now() % 100_000_000
  const uscc = makeUscc(run)
  const unitName = `深圳市火炬验收测试科技有限公司${run}`
  const adminUser = `acc${run}`
  const adminPassword = 'Lychee-Harbour-7306'
  const subUser = `${adminUser}.fill`
  const subPassword = 'Banyan-Ridge-5521'

  // ---- 1. register; an invalid code is refused by the page and by the server
  await page.goto('/register')
  const form = page.getByTestId('unit-form')
  const errorOf = (label: string) => form.locator('.el-form-item', { hasText: label }).first().locator('.el-form-item__error')
  await page.getByTestId('reg-uscc').fill(breakCheck(uscc))
  await page.getByTestId('reg-name').click()
  await expect(errorOf('统一社会信用代码')).toHaveText('统一社会信用代码校验位错误')
  await page.getByTestId('reg-uscc').fill(uscc.slice(0, 10))
  await page.getByTestId('reg-name').click()
  await expect(errorOf('统一社会信用代码')).toHaveText('统一社会信用代码应为18位，当前为10位')

  const body = {
    uscc: breakCheck(uscc),
    name: unitName,
    region_code: '440305',
    zone_id: null,
    contact_name: '王验收',
    contact_phone: '13800138000',
    contact_email: 'acceptance@example.com',
    admin_username: adminUser,
    admin_display_name: '验收单位管理员',
    admin_password: adminPassword,
  }
  const refused = await page.request.post('/api/v1/registrations/units', { data: body })
  expect(refused.status()).toBe(422)
  const err = (await refused.json()).error
  expect(err.details.field).toBe('uscc')
  expect(err.message).toContain('校验位')

  await page.getByTestId('reg-uscc').fill(uscc)
  await page.getByTestId('reg-name').fill(unitName)
  await expect(errorOf('统一社会信用代码')).toHaveCount(0)
  // The region code comes from characters 3–8 of the code; its zones are offered.
  await expect(page.getByTestId('reg-region')).toHaveValue('440305')
  await page.getByTestId('reg-zone').click()
  await page.locator('.el-select-dropdown__item', { hasText: '深圳市高新技术产业园区' }).click()
  await page.getByTestId('reg-contact-name').fill(body.contact_name)
  await page.getByTestId('reg-contact-phone').fill(body.contact_phone)
  await page.getByTestId('reg-contact-email').fill(body.contact_email)
  await page.getByTestId('reg-admin-username').fill(adminUser)
  await page.getByTestId('reg-admin-display').fill(body.admin_display_name)
  await page.getByTestId('reg-admin-password').fill(adminPassword)
  await page.getByTestId('reg-admin-confirm').fill(adminPassword)
  await snap(page, 'identity-register-form')
  const submitted = page.waitForResponse((r) => r.url().endsWith('/api/v1/registrations/units') && r.request().method() === 'POST')
  await page.getByTestId('reg-submit').click()
  expect((await submitted).status()).toBe(201)
  await expect(page.getByTestId('unit-submitted')).toBeVisible()
  await expect(page.getByTestId('reg-token')).not.toBeEmpty()
  await snap(page, 'identity-register-submitted')

  // Not approved yet: the administrator cannot log in.
  const early = await page.request.post('/api/v1/auth/login', { data: { username: adminUser, password: adminPassword } })
  expect(early.status()).toBe(401)

  // ---- 2. the zone reviewer approves
  const zone = await loginAs(browser, 'sz_zone_reviewer', PASSWORD)
  await zone.getByTestId('menu-registrations').click()
  await expect(zone).toHaveURL(/\/admin\/registrations$/)
  const row = zone.getByTestId('registrations-table').locator('tbody tr', { hasText: unitName })
  await expect(row).toBeVisible()
  await expect(row).toContainText(uscc)
  await snap(zone, 'identity-registrations')
  await row.getByTestId('reg-approve').click()
  await confirmBox(zone, '通过')
  await expect(zone.locator('.el-message--success')).toContainText('已通过')
  await expect(zone.getByTestId('registrations-table').locator('tbody tr', { hasText: unitName })).toHaveCount(0)
  await zone.context().close()

  // ---- 3. the unit's administrator creates a sub-account with two modules
  const admin = await loginAs(browser, adminUser, adminPassword)
  await expect(admin.getByTestId('user-display-name')).toContainText('验收单位管理员')
  await admin.getByTestId('menu-unit-accounts').click()
  await expect(admin).toHaveURL(/\/unit\/accounts$/)
  await admin.getByTestId('sub-create').click()
  await admin.getByTestId('sub-username').fill(subUser)
  await admin.getByTestId('sub-display').fill('验收填报人')
  // A weak password is named inline and nothing is created.
  await admin.getByTestId('sub-password').fill('12345')
  await admin.getByTestId('sub-confirm').fill('12345')
  await admin.getByTestId('sub-submit').click()
  await expect(admin.getByTestId('sub-form').locator('.el-form-item__error', { hasText: '至少 10 位' })).toBeVisible()
  await admin.getByTestId('sub-password').fill(subPassword)
  await admin.getByTestId('sub-confirm').fill(subPassword)
  const modules = admin.getByTestId('sub-modules-new')
  await modules.getByText('技术合同登记').click()
  await snap(admin, 'identity-sub-account-form')
  const created = admin.waitForResponse((r) => r.url().endsWith('/api/v1/unit/accounts') && r.request().method() === 'POST')
  await admin.getByTestId('sub-submit').click()
  expect((await created).status()).toBe(201)
  const subRow = admin.getByTestId('sub-accounts-table').locator('tbody tr', { hasText: subUser })
  await expect(subRow).toContainText('统计调查')
  await expect(subRow).toContainText('技术合同登记')
  await snap(admin, 'identity-sub-accounts')
  await admin.context().close()

  // ---- 4. the sub-account logs in once and reaches both modules
  const sub = await loginAs(browser, subUser, subPassword)
  const logins: string[] = []
  sub.on('request', (r) => {
    if (r.url().includes('/api/v1/auth/login')) logins.push(r.url())
  })
  await sub.getByTestId('module-switcher').click()
  await expect(sub.getByTestId('module-survey')).toBeVisible()
  await expect(sub.getByTestId('module-contract')).toBeVisible()
  await expect(sub.getByTestId('module-achievement')).toHaveCount(0)
  await sub.getByTestId('module-survey').click()
  await expect(sub).toHaveURL(/\/survey\/tasks$/)
  await expect(sub.getByTestId('tasks-table')).toBeVisible()
  await snap(sub, 'identity-sub-survey')

  await sub.getByTestId('module-switcher').click()
  await sub.getByTestId('module-contract').click()
  await expect(sub).toHaveURL(/\/m\/contract$/)
  await expect(sub.getByTestId('module-sso')).toContainText('技术合同登记')
  await expect(sub.getByTestId('module-switcher')).toContainText('技术合同登记')
  await snap(sub, 'identity-sub-contract')
  expect(logins, 'no second login between the modules').toEqual([])
  // A module not granted is refused by the page.
  await sub.goto('/m/achievement')
  await expect(sub.getByTestId('module-denied')).toBeVisible()

  // ---- 5. logout in the contract module ends the session for every module
  await sub.goto('/m/contract')
  await expect(sub.getByTestId('module-home')).toBeVisible()
  await sub.getByRole('button', { name: '退出登录' }).click()
  await confirmBox(sub, '退出')
  await expect(sub).toHaveURL(/\/login/)
  await sub.goto('/survey/tasks')
  await expect(sub).toHaveURL(/\/login\?redirect=/)
  await expect(sub.getByRole('button', { name: '登录' })).toBeVisible()
  expect((await sub.request.get('/api/v1/auth/me')).status()).toBe(401)
  await snap(sub, 'identity-after-logout')
  await sub.context().close()
})

test('注册审核驳回须填写原因，申请单位按编号与查询码看到驳回原因', async ({ page, browser }) => {
  const run = (Date.now() % 100_000_000) + 1
  const uscc = makeUscc(run)
  const unitName = `深圳市驳回验收科技有限公司${run}`
  const res = await page.request.post('/api/v1/registrations/units', {
    data: {
      uscc,
      name: unitName,
      region_code: '440305',
      zone_id: null,
      contact_name: '赵申请',
      contact_phone: '0755-86001234',
      contact_email: 'apply@example.com',
      admin_username: `rej${run}`,
      admin_display_name: '驳回验收管理员',
      admin_password: 'Loquat-Meadow-6620',
    },
  })
  expect(res.status()).toBe(201)
  const { id, status_token } = (await res.json()) as { id: number; status_token: string }

  // Without a zone the city reviews it: 深圳市审核员.
  const city = await loginAs(browser, 'sz_city_reviewer', PASSWORD)
  await city.getByTestId('menu-registrations').click()
  const row = city.getByTestId('registrations-table').locator('tbody tr', { hasText: unitName })
  await row.getByTestId('reg-reject').click()
  await city.getByTestId('reject-submit').click()
  await expect(city.locator('.el-dialog .el-form-item__error')).toHaveText('请填写驳回原因，申请单位将看到此原因')
  await city.getByTestId('reject-reason').fill('营业执照名称与填写不符，请核实后重新申请')
  await city.getByTestId('reject-submit').click()
  await expect(city.locator('.el-message--success')).toContainText('已驳回')
  await city.getByTestId('reg-status').getByText('已驳回').click()
  await expect(city.getByTestId('registrations-table').locator('tbody tr', { hasText: unitName })).toContainText('已驳回')
  await city.context().close()

  await page.goto('/register?tab=status')
  await page.getByTestId('status-id').fill(String(id))
  await page.getByTestId('status-token').fill('wrong-token')
  await page.getByTestId('status-submit').click()
  await expect(page.locator('.el-form-item__error')).toBeVisible()
  await page.getByTestId('status-token').fill(status_token)
  await page.getByTestId('status-submit').click()
  const result = page.getByTestId('status-result')
  await expect(result).toContainText('已驳回')
  await expect(result).toContainText('营业执照名称与填写不符')
  await snap(page, 'identity-registration-rejected')
})

test('子账号：调整模块授权即时生效，停用后其登录立即结束，启用后可再登录', async ({ page, browser }) => {
  const run = (Date.now() % 100_000_000) + 2
  const subUser = `demo${run}.fill`
  const subPassword = 'Ginkgo-Terrace-9035'
  // The unit administrator (unit_demo) works in `page`.
  await loginWith(page, 'unit_demo', PASSWORD)
  await page.getByTestId('menu-unit-accounts').click()
  await page.getByTestId('sub-create').click()
  await page.getByTestId('sub-username').fill(subUser)
  await page.getByTestId('sub-display').fill('演示填报人')
  await page.getByTestId('sub-password').fill(subPassword)
  await page.getByTestId('sub-confirm').fill(subPassword)
  await page.getByTestId('sub-submit').click()
  const row = page.getByTestId('sub-accounts-table').locator('tbody tr', { hasText: subUser })
  await expect(row).toContainText('统计调查')

  const sub = await loginAs(browser, subUser, subPassword)
  const modulesOf = async () =>
    ((await (await sub.request.get('/api/v1/auth/me')).json()) as { user: { modules: { code: string }[] } }).user.modules.map((m) => m.code)
  expect(await modulesOf()).toEqual(['survey'])

  // Grant 科技成果登记 as well, from the 模块授权 dialog.
  await row.getByTestId('sub-modules').click()
  await page.getByTestId('grant-modules').getByText('科技成果登记').click()
  await page.getByTestId('grant-submit').click()
  await expect(row).toContainText('科技成果登记')
  expect((await modulesOf()).sort()).toEqual(['achievement', 'survey'])

  // Disable: confirmed first; the sub-account's session ends at once and it cannot log in.
  await row.getByTestId('sub-toggle').click()
  await confirmBox(page, '停用')
  await expect(row).toContainText('已停用')
  expect((await sub.request.get('/api/v1/auth/me')).status()).toBe(401)
  const again = await sub.request.post('/api/v1/auth/login', { data: { username: subUser, password: subPassword } })
  expect(again.status()).toBe(401)
  await snap(page, 'identity-sub-disabled')

  await row.getByTestId('sub-toggle').click()
  await confirmBox(page, '启用')
  await expect(row).toContainText('正常')
  const back = await sub.request.post('/api/v1/auth/login', { data: { username: subUser, password: subPassword } })
  expect(back.status()).toBe(200)
  await sub.context().close()
})
