import { createRouter, createWebHistory } from 'vue-router'
import { setPasswordChangeHandler, setUnauthorizedHandler } from '@/api/http'
import { canOpen } from '@/config/menu'
import { useAuthStore } from '@/stores/auth'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without a session. */
    public?: boolean
    title?: string
    /** The menu entry to highlight when it is not the route itself. */
    menu?: string
  }
}

const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    {
      path: '/login',
      name: 'login',
      component: () => import('@/views/LoginView.vue'),
      meta: { public: true, title: '登录' },
    },
    {
      path: '/register',
      name: 'register',
      component: () => import('@/views/RegisterView.vue'),
      meta: { public: true, title: '注册' },
    },
    {
      path: '/reset-password',
      name: 'reset-password',
      component: () => import('@/views/account/ResetPasswordView.vue'),
      meta: { public: true, title: '重置密码' },
    },
    {
      path: '/',
      component: () => import('@/layouts/MainLayout.vue'),
      children: [
        { path: '', name: 'home', component: () => import('@/views/HomeView.vue'), meta: { title: '首页' } },
        { path: 'org', name: 'org', component: () => import('@/views/OrgView.vue'), meta: { title: '组织机构' } },
        {
          path: 'my-unit',
          name: 'my-unit',
          component: () => import('@/views/MyUnitView.vue'),
          meta: { title: '本单位信息' },
        },
        {
          path: 'survey/tasks',
          name: 'survey-tasks',
          component: () => import('@/views/survey/TasksView.vue'),
          meta: { title: '我的填报任务' },
        },
        {
          path: 'survey/filings/:id',
          name: 'survey-filing',
          component: () => import('@/views/survey/FilingView.vue'),
          meta: { title: '报表填报', menu: 'survey-tasks' },
        },
        {
          path: 'survey/review',
          name: 'survey-review',
          component: () => import('@/views/survey/ReviewQueueView.vue'),
          meta: { title: '报表审核' },
        },
        {
          path: 'survey/review/:id',
          name: 'survey-review-filing',
          component: () => import('@/views/survey/ReviewFilingView.vue'),
          meta: { title: '审核报表', menu: 'survey-review' },
        },
        {
          path: 'survey/progress',
          name: 'survey-progress',
          component: () => import('@/views/survey/ProgressView.vue'),
          meta: { title: '上报进度' },
        },
        {
          path: 'survey/summaries',
          name: 'survey-summaries',
          component: () => import('@/views/survey/SummariesView.vue'),
          meta: { title: '汇总分析' },
        },
        {
          path: 'survey/materials',
          name: 'survey-materials',
          component: () => import('@/views/survey/MaterialsView.vue'),
          meta: { title: '集中审核材料' },
        },
        {
          path: 'survey/periods',
          name: 'survey-periods',
          component: () => import('@/views/survey/PeriodsView.vue'),
          meta: { title: '报告期管理' },
        },
        {
          path: 'account/password',
          name: 'account-password',
          component: () => import('@/views/account/ChangePasswordView.vue'),
          meta: { title: '修改密码' },
        },
        {
          path: 'account/sessions',
          name: 'account-sessions',
          component: () => import('@/views/account/SessionsView.vue'),
          meta: { title: '我的会话' },
        },
        {
          path: 'm/:module',
          name: 'module-home',
          component: () => import('@/views/account/ModuleHomeView.vue'),
          meta: { title: '业务模块' },
        },
        {
          path: 'admin/registrations',
          name: 'registrations',
          component: () => import('@/views/admin/RegistrationsView.vue'),
          meta: { title: '注册审核' },
        },
        {
          path: 'unit/accounts',
          name: 'unit-accounts',
          component: () => import('@/views/account/UnitAccountsView.vue'),
          meta: { title: '子账号管理' },
        },
        {
          path: 'person/links',
          name: 'person-links',
          component: () => import('@/views/account/PersonLinksView.vue'),
          meta: { title: '我的单位授权' },
        },
        {
          path: 'admin/accounts',
          name: 'admin-accounts',
          component: () => import('@/views/admin/AccountsView.vue'),
          meta: { title: '账号管理' },
        },
        {
          path: 'admin/org',
          name: 'admin-org',
          component: () => import('@/views/admin/OrgAdminView.vue'),
          meta: { title: '机构维护' },
        },
        {
          path: 'admin/audit-log',
          name: 'admin-audit',
          component: () => import('@/views/admin/AuditLogView.vue'),
          meta: { title: '操作日志' },
        },
        {
          path: ':pathMatch(.*)*',
          name: 'not-found',
          component: () => import('@/views/NotFoundView.vue'),
          meta: { title: '页面不存在' },
        },
      ],
    },
  ],
})

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  await auth.ensureChecked()
  if (to.meta.public) {
    return auth.isLoggedIn && to.name === 'login' ? { name: 'home' } : true
  }
  if (!auth.isLoggedIn) {
    return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  }
  // A session that must change its password stays on 修改密码 (the server refuses the rest).
  if (auth.mustChangePassword && to.name !== 'account-password') {
    return { name: 'account-password' }
  }
  if (typeof to.name === 'string' && !canOpen(to.name, auth.role, auth.user)) {
    return { name: 'home' }
  }
  return true
})

router.afterEach((to) => {
  const base = '火炬统计调查与登记服务平台'
  document.title = to.meta.title ? `${to.meta.title} - ${base}` : base
})

// Any 401 from the server (session expired, logged out elsewhere) sends the user to /login.
setUnauthorizedHandler(() => {
  useAuthStore().clear()
  const current = router.currentRoute.value
  if (current.name !== 'login') {
    void router.replace({ name: 'login', query: { redirect: current.fullPath } })
  }
})

setPasswordChangeHandler(() => {
  const auth = useAuthStore()
  // The server says the password must change first: read the account again, then go there.
  void auth.refresh().finally(() => router.replace({ name: 'account-password' }))
})

export default router
