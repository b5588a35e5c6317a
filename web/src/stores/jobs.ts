// The account's background jobs (导出任务), shared by the pages that start exports and the
// download-center drawer. The list is polled every second while someone looks at it (a page
// or the open drawer called watch()) and a job is queued or running; polling stops as soon as
// nothing runs or nobody looks.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { saveHref } from '@/api/http'
import { isActive, jobsApi, type ExportFormat, type ExportWhat, type Job } from '@/api/jobs'

const POLL_MS = 1000
const FIRST_POLL_MS = 300

export const useJobsStore = defineStore('jobs', () => {
  const jobs = ref<Job[]>([])
  const loaded = ref(false)
  const drawerOpen = ref(false)
  const watchers = ref(0)
  /** Jobs whose file was already offered automatically (once per job). */
  const autoSaved = new Set<string>()
  let timer: number | undefined
  /** Bumped by every local change, so that an older list answer does not undo it. */
  let mutation = 0

  const active = computed(() => jobs.value.filter(isActive))
  const polling = ref(false)

  function byId(id: string | null | undefined): Job | undefined {
    return id ? jobs.value.find((j) => j.id === id) : undefined
  }

  function upsert(job: Job): void {
    mutation += 1
    const i = jobs.value.findIndex((j) => j.id === job.id)
    if (i >= 0) jobs.value[i] = job
    else jobs.value.unshift(job)
  }

  async function refresh(): Promise<void> {
    const seen = mutation
    const r = await jobsApi.list()
    if (seen !== mutation) return // a job was started or removed meanwhile: the next poll has it
    jobs.value = r.items
    loaded.value = true
  }

  function schedule(delay = POLL_MS): void {
    window.clearTimeout(timer)
    timer = undefined
    polling.value = watchers.value > 0 && active.value.length > 0
    if (polling.value) timer = window.setTimeout(() => void tick(), delay)
  }

  async function tick(): Promise<void> {
    timer = undefined
    try {
      await refresh()
    } catch {
      // a failed poll is retried at the next tick
    }
    schedule()
  }

  /** Keeps the list fresh while the caller looks at it; call the answer to stop looking. */
  function watch(): () => void {
    watchers.value += 1
    void tick()
    let released = false
    return () => {
      if (released) return
      released = true
      watchers.value = Math.max(0, watchers.value - 1)
      schedule()
    }
  }

  /** Starts an export; the server's message (e.g. 429: at most 2 at a time) is shown by the wrapper. */
  async function startExport(what: ExportWhat, format: ExportFormat, query: Record<string, string | number | undefined>): Promise<Job> {
    const job = await jobsApi.startExport(what, format, query)
    upsert(job)
    schedule(FIRST_POLL_MS) // a small export is done by then
    return job
  }

  /** Cancels a queued or running job; removes an ended one with its file. */
  async function remove(id: string): Promise<void> {
    const job = byId(id)
    await jobsApi.remove(id)
    mutation += 1
    if (job && isActive(job)) {
      // queued: cancelled at once; running: ends cancelled within a second
      try {
        upsert(await jobsApi.get(id))
      } catch {
        // already gone
      }
      schedule()
    } else {
      jobs.value = jobs.value.filter((j) => j.id !== id)
    }
  }

  function download(job: Job): void {
    saveHref(jobsApi.fileUrl(job.id), job.file?.name ?? job.title)
  }

  /** Offers the file of a finished job once (the page that started it is still open). */
  function autoDownload(job: Job): boolean {
    if (job.state !== 'done' || autoSaved.has(job.id)) return false
    autoSaved.add(job.id)
    download(job)
    return true
  }

  function openDrawer(): void {
    drawerOpen.value = true
  }

  /** Logout: another account must not see these. */
  function reset(): void {
    window.clearTimeout(timer)
    timer = undefined
    jobs.value = []
    loaded.value = false
    drawerOpen.value = false
    polling.value = false
    autoSaved.clear()
    mutation += 1
  }

  return { jobs, loaded, drawerOpen, watchers, active, polling, byId, refresh, watch, startExport, remove, download, autoDownload, openDrawer, reset }
})
