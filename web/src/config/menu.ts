// The left menu, one table for all roles. Add a module by adding an entry here (and its
// route in src/router when it goes live): `status: 'soon'` shows it greyed out as 即将上线.
import type { Component } from 'vue'
import {
  Calendar,
  DocumentChecked,
  Key,
  Link,
  List,
  Setting,
  User,
  DataAnalysis,
  DataLine,
  Document,
  EditPen,
  FolderChecked,
  HomeFilled,
  Histogram,
  Medal,
  OfficeBuilding,
  Share,
  Stamp,
} from '@element-plus/icons-vue'
import type { Role, User as Account } from '@/api/types'

export const ALL_ROLES: readonly Role[] = ['filler', 'reviewer', 'center', 'registry', 'admin', 'person']

export interface MenuEntry {
  /** Route name and menu index. */
  key: string
  title: string
  path: string
  icon: Component
  roles: readonly Role[]
  status: 'live' | 'soon'
  /** The business module (docs/api.md "Registration and administration") the entry belongs to:
   *  shown only when the account's `modules` from `me` include it. */
  module?: string
  /** Only for a unit's administrator (a filler primary account). */
  unitAdmin?: boolean
  /** A group: shown as a sub-menu holding these entries. */
  children?: readonly MenuEntry[]
}

export const MENU: readonly MenuEntry[] = [
  { key: 'home', title: '首页', path: '/', icon: HomeFilled, roles: ALL_ROLES, status: 'live' },
  {
    key: 'org',
    title: '组织机构',
    path: '/org',
    icon: Share,
    roles: ['center', 'reviewer', 'admin', 'registry'],
    status: 'live',
  },
  { key: 'my-unit', title: '本单位信息', path: '/my-unit', icon: OfficeBuilding, roles: ['filler'], status: 'live' },
  {
    key: 'survey',
    title: '统计调查',
    path: '/survey',
    icon: DataAnalysis,
    roles: ['filler', 'reviewer', 'center'],
    status: 'live',
    module: 'survey',
    children: [
      { key: 'survey-tasks', title: '我的填报任务', path: '/survey/tasks', icon: EditPen, roles: ['filler'], status: 'live' },
      { key: 'survey-review', title: '报表审核', path: '/survey/review', icon: Stamp, roles: ['reviewer', 'center'], status: 'live' },
      {
        key: 'survey-progress',
        title: '上报进度',
        path: '/survey/progress',
        icon: DataLine,
        roles: ['reviewer', 'center'],
        status: 'live',
      },
      {
        key: 'survey-materials',
        title: '集中审核材料',
        path: '/survey/materials',
        icon: FolderChecked,
        roles: ['reviewer', 'center'],
        status: 'live',
      },
      {
        key: 'survey-summaries',
        title: '汇总分析',
        path: '/survey/summaries',
        icon: Histogram,
        roles: ['reviewer', 'center'],
        status: 'live',
      },
      { key: 'survey-periods', title: '报告期管理', path: '/survey/periods', icon: Calendar, roles: ['center'], status: 'live' },
    ],
  },
  {
    key: 'contract',
    title: '技术合同登记',
    path: '/contracts',
    icon: Document,
    roles: ['registry', 'center', 'filler'],
    status: 'soon',
    module: 'contract',
  },
  {
    key: 'achievement',
    title: '科技成果登记',
    path: '/achievements',
    icon: Medal,
    roles: ['filler', 'reviewer', 'center'],
    status: 'soon',
    module: 'achievement',
  },
  {
    key: 'registrations',
    title: '注册审核',
    path: '/admin/registrations',
    icon: DocumentChecked,
    roles: ['reviewer', 'center', 'admin'],
    status: 'live',
  },
  {
    key: 'unit-accounts',
    title: '子账号管理',
    path: '/unit/accounts',
    icon: User,
    roles: ['filler'],
    status: 'live',
    unitAdmin: true,
  },
  { key: 'person-links', title: '我的单位授权', path: '/person/links', icon: Link, roles: ['person'], status: 'live' },
  {
    key: 'admin',
    title: '系统管理',
    path: '/admin',
    icon: Setting,
    roles: ['admin'],
    status: 'live',
    children: [
      { key: 'admin-accounts', title: '账号管理', path: '/admin/accounts', icon: Key, roles: ['admin'], status: 'live' },
      { key: 'admin-org', title: '机构维护', path: '/admin/org', icon: Share, roles: ['admin'], status: 'live' },
      { key: 'admin-audit', title: '操作日志', path: '/admin/audit-log', icon: List, roles: ['admin'], status: 'live' },
    ],
  },
]

/** May this account see the entry? Role first, then module grant and unit administration. */
function allowed(m: MenuEntry, role: Role, user?: Account | null): boolean {
  if (!m.roles.includes(role)) return false
  if (m.unitAdmin && user && user.unit_admin !== true) return false
  // Servers before single sign-on send no `modules`: then the role alone decides.
  if (m.module && user?.modules && !user.modules.some((x) => x.code === m.module)) return false
  return true
}

export function menuFor(role: Role | null, user?: Account | null): MenuEntry[] {
  if (!role) return []
  return MENU.filter((m) => allowed(m, role, user)).map((m) =>
    m.children ? { ...m, children: m.children.filter((c) => allowed(c, role, user)) } : m,
  )
}

function flatten(entries: readonly MenuEntry[]): MenuEntry[] {
  return entries.flatMap((m) => [m, ...flatten(m.children ?? [])])
}

/** May this role open the page of this menu key? Pages not in the menu are open to all. */
export function canOpen(key: string, role: Role | null, user?: Account | null): boolean {
  const entry = flatten(MENU).find((m) => m.key === key)
  if (!entry) return true
  if (role === null || entry.status !== 'live' || !allowed(entry, role, user)) return false
  // A page inside a group (统计调查 → 我的填报任务) also needs the group's module.
  const group = MENU.find((m) => m.children?.some((c) => c.key === key))
  return !group || allowed(group, role, user)
}
