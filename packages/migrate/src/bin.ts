#!/usr/bin/env node
/** The `ddb-encryption` command (see `ddb-encryption --help`). */
import { runCli } from './cli'

const controller = new AbortController()
let interrupts = 0
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // First signal: finish the pages in flight and save their checkpoints. Second: stop now (still safe to resume).
    if (++interrupts > 1) process.exit(130)
    process.stderr.write(`\n${signal}: finishing the pages in flight and saving checkpoints (again to stop at once)\n`)
    controller.abort()
  })
}
runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal }).then(
  (status) => process.exit(status),
  (error: unknown) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(4)
  },
)
