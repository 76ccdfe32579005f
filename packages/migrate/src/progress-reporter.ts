import type { JobProgress } from './table-job'

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const pad = (n: number): string => String(n).padStart(2, '0')
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`
}

/** One human-readable progress line (items, items/s, ETA, errors). */
export function formatProgressLine(p: JobProgress): string {
  const c = p.counts
  const total = p.estimatedItems > 0 ? `/~${p.estimatedItems}` : ''
  const eta = p.etaSeconds !== undefined ? ` ETA ${duration(p.etaSeconds)}` : ''
  return `${p.command}: ${c.scanned}${total} items, ${Math.round(p.itemsPerSecond)} items/s${eta}, ` +
    `written ${c.written}, current ${c.current}, errors ${c.failed}, conflicts ${c.conflicts}, segments ${p.segmentsDone}/${p.segmentsTotal}` +
    (p.done ? ` (done in ${duration(p.elapsedMs / 1000)})` : '')
}

/** Options for {@link progressReporter}. */
export interface ProgressReporterOptions {
  /** One JSON object per line even on a terminal. Default `false` (a line rewritten in place on a terminal). */
  readonly json?: boolean
}

/**
 * A progress callback for a job: on a terminal, one line rewritten in place; otherwise one JSON object per line
 * (`{"type":"progress",...}`), for logs and machines (also on a terminal with `json: true`).
 */
export function progressReporter(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  options: ProgressReporterOptions = {},
): (progress: JobProgress) => void {
  if (stream.isTTY === true && options.json !== true) {
    return (p) => stream.write(`\r\x1b[2K${formatProgressLine(p)}${p.done ? '\n' : ''}`)
  }
  return (p) => stream.write(`${JSON.stringify({ type: 'progress', ...p, itemsPerSecond: Math.round(p.itemsPerSecond * 10) / 10 })}\n`)
}
