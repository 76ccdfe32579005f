/** What a job did, per item outcome. Counts only: never keys or values. */
export interface JobCounts {
  /** Items read by the scan. */
  scanned: number
  /** Already current (verified under the target and written with its materials): skipped. */
  current: number
  /** Written (or, with `dryRun`, that would be written). */
  written: number
  /** Of `written`: items that were plaintext. */
  fromPlaintext: number
  /** Of `written`: items that matched a previous configuration. */
  fromPrevious: number
  /** Items no configuration reads (verify: items that do not verify). */
  failed: number
  /** Items deleted by the application between read and write (nothing to migrate). */
  deleted: number
  /** Writes that lost a race with a concurrent application write and were redone from the re-read item. */
  conflicts: number
}

/** All-zero counts. */
export function emptyCounts(): JobCounts {
  return { scanned: 0, current: 0, written: 0, fromPlaintext: 0, fromPrevious: 0, failed: 0, deleted: 0, conflicts: 0 }
}

/** Adds `b` into `a`. */
export function addCounts(a: JobCounts, b: Readonly<JobCounts>): JobCounts {
  for (const key of Object.keys(a) as (keyof JobCounts)[]) a[key] += b[key] ?? 0
  return a
}
