import { expect, test, type APIRequestContext } from '@playwright/test'
import { apiSession, loginUi, snap, type OrgNodeJson } from './helpers'

/** As `center`, find a unit whose path does not pass through 广东省. */
async function unitOutsideGuangdong(api: APIRequestContext): Promise<OrgNodeJson> {
  for (const q of ['北京', '上海', '浙江', '江苏', '科技', '有限公司']) {
    const res = await api.get('/api/v1/org/search', { params: { q, kind: 'unit', limit: 50 } })
    expect(res.status()).toBe(200)
    const page = (await res.json()) as { items: OrgNodeJson[] }
    for (const node of page.items.filter((n) => n.kind === 'unit')) {
      const p = await api.get(`/api/v1/org/nodes/${node.id}/path`)
      expect(p.status()).toBe(200)
      const names = ((await p.json()) as { items: OrgNodeJson[] }).items.map((n) => n.name)
      if (!names.includes('广东省')) return node
    }
  }
  throw new Error('no unit outside 广东省 found in the demo data')
}

test('省级审核员只能看到本省的组织机构', async ({ page, baseURL }) => {
  const center = await apiSession(baseURL!, 'center')
  const foreign = await unitOutsideGuangdong(center)
  await center.dispose()

  await loginUi(page, 'gd_reviewer')
  await expect(page.getByTestId('user-scope')).toHaveText('广东省')
  await page.getByTestId('menu-org').click()
  await expect(page).toHaveURL(/\/org$/)

  // The tree is rooted at the reviewer's scope and loads its children lazily.
  const tree = page.getByTestId('org-tree')
  const root = tree.locator(':scope > .el-tree-node').first()
  await expect(root.locator('.tree-label').first()).toHaveText('广东省')
  await expect(root.locator('.el-tree-node__children .tree-label').first()).toBeVisible()
  await expect(tree.locator(':scope > .el-tree-node')).toHaveCount(1)

  // The details panel shows the selected node with its path.
  await root.locator('.tree-label').first().click()
  await expect(page.getByTestId('node-detail')).toContainText('广东省')

  // Searching a unit of another province finds nothing in this scope.
  await page.getByPlaceholder('名称或统一社会信用代码').fill(foreign.name)
  const answer = page.waitForResponse((r) => r.url().includes('/api/v1/org/search'))
  await page.getByTestId('org-search-btn').click()
  const res = await answer
  expect(res.status()).toBe(200)
  expect(((await res.json()) as { total: number }).total).toBe(0)
  await expect(page.getByTestId('org-search-summary')).toContainText('共找到 0 条记录')
  await expect(page.getByTestId('org-search-table')).toContainText('管辖范围内没有符合条件的机构或单位')

  // Direct access with the reviewer's cookie: 404, no existence leak.
  const direct = await page.request.get(`/api/v1/org/nodes/${foreign.id}`)
  expect(direct.status()).toBe(404)
  const body = (await direct.json()) as { error: { code: string } }
  expect(body.error.code).toBe('not_found')

  await snap(page, 'org-gd-reviewer')
})

test('组织机构查询：结果表格、分页与详情路径', async ({ page }) => {
  await loginUi(page, 'gd_reviewer')
  await page.goto('/org')
  await page.getByPlaceholder('名称或统一社会信用代码').fill('深圳')
  await page.getByTestId('org-search-btn').click()
  const table = page.getByTestId('org-search-table')
  await expect(table.locator('tbody tr').first()).toBeVisible()
  await expect(table.locator('thead')).toContainText('统一社会信用代码')

  await table.locator('tbody tr').first().click()
  const detail = page.getByTestId('node-detail')
  await expect(detail.getByTestId('node-path')).toContainText('广东省')
  await snap(page, 'org-gd-reviewer-search')
})

test('填报单位看到本单位信息而不是组织机构', async ({ page }) => {
  await loginUi(page, 'unit_demo')
  await expect(page.getByTestId('menu-org')).toHaveCount(0)
  await page.getByTestId('menu-my-unit').click()
  await expect(page).toHaveURL(/\/my-unit$/)
  await expect(page.getByTestId('node-detail')).toContainText('统一社会信用代码')
  await snap(page, 'my-unit-filler')
})

/** Breadth-first over the reviewer's scope: the path (ids, root first) to a node with > 200 children. */
async function pathToBigNode(api: APIRequestContext, rootId: number): Promise<number[] | null> {
  let frontier: number[][] = [[rootId]]
  for (let depth = 0; depth < 4 && frontier.length > 0; depth++) {
    const next: number[][] = []
    for (const p of frontier.slice(0, 60)) {
      const res = await api.get(`/api/v1/org/nodes/${p[p.length - 1]}/children`, { params: { limit: 200 } })
      expect(res.status()).toBe(200)
      const page = (await res.json()) as { items: (OrgNodeJson & { child_count: number })[] }
      for (const c of page.items) {
        if (c.child_count > 200) return [...p, c.id]
        if (c.child_count > 0 && c.kind !== 'unit') next.push([...p, c.id])
      }
    }
    frontier = next
  }
  return null
}

test('组织机构树按页加载下级（加载更多）', async ({ page }) => {
  await loginUi(page, 'gd_reviewer')
  const scope = (await (await page.request.get('/api/v1/org/scope')).json()) as OrgNodeJson
  const path = await pathToBigNode(page.request, scope.id)
  test.skip(path === null, '演示数据中没有下级超过 200 个的节点')

  await page.goto('/org')
  const tree = page.getByTestId('org-tree')
  const content = (id: number) =>
    tree.locator('.el-tree-node__content', { has: page.locator(`[data-node-id="${id}"]`) })
  await expect(content(path![0]!)).toBeVisible()
  for (const id of path!.slice(1)) {
    // Expand each level; retry the click if the tree was still rendering the level above.
    const node = tree.locator('.el-tree-node', { has: page.locator(`[data-node-id="${id}"]`) }).last()
    await expect(async () => {
      if ((await node.getAttribute('aria-expanded')) !== 'true') {
        await content(id).locator('.el-tree-node__expand-icon').click()
      }
      await expect(node).toHaveAttribute('aria-expanded', 'true', { timeout: 2000 })
    }).toPass({ timeout: 20_000 })
  }
  const big = tree.locator('.el-tree-node', { has: page.locator(`[data-node-id="${path!.at(-1)}"]`) }).last()
  const more = big.getByTestId('tree-load-more')
  await expect(more).toContainText('已加载 200')
  const kids = big.locator(':scope > .el-tree-node__children > .el-tree-node')
  await expect(kids).toHaveCount(201)
  await more.click()
  await expect.poll(() => kids.count()).toBeGreaterThan(201)
  await snap(page, 'org-tree-load-more')
})
