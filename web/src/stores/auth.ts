import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { authApi } from '@/api/auth'
import { ApiError, setCsrfToken } from '@/api/http'
import type { SessionInfo, User } from '@/api/types'

export const useAuthStore = defineStore('auth', () => {
  const user = ref<User | null>(null)
  /** True once the session probe (GET /auth/me) has answered. */
  const checked = ref(false)
  let probe: Promise<void> | null = null

  const isLoggedIn = computed(() => user.value !== null)
  const role = computed(() => user.value?.role ?? null)
  /** The account must change its password before anything else (server: password_change_required). */
  const mustChangePassword = computed(() => user.value?.must_change_password === true)

  function apply(session: SessionInfo): void {
    user.value = session.user
    setCsrfToken(session.csrf_token)
  }

  function clear(): void {
    user.value = null
    setCsrfToken(null)
  }

  /** Ask the server once who is logged in (at app start). */
  function ensureChecked(): Promise<void> {
    if (checked.value) return Promise.resolve()
    probe ??= authApi
      .me()
      .then(apply)
      .catch((e: unknown) => {
        clear()
        // 401 means nobody is logged in; anything else is reported by the login page later.
        if (!(e instanceof ApiError)) throw e
      })
      .finally(() => {
        checked.value = true
        probe = null
      })
    return probe
  }

  async function login(username: string, password: string): Promise<void> {
    apply(await authApi.login(username, password))
    checked.value = true
  }

  /** Read the session again (after a password change clears must_change_password). */
  async function refresh(): Promise<void> {
    apply(await authApi.me())
  }

  async function logout(): Promise<void> {
    try {
      await authApi.logout()
    } finally {
      clear()
    }
  }

  return { user, checked, isLoggedIn, role, mustChangePassword, ensureChecked, login, refresh, logout, clear }
})
