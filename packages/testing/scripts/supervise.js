#!/usr/bin/env node
// A tiny supervisor that ties a service's life to its parent's:
//
//   node supervise.js <command> [args...]
//
// It spawns <command> (same stdout/stderr), and stops it (SIGTERM, then SIGKILL after a grace period) when
//   - its own stdin closes: the parent held the write end of that pipe, and the kernel closes it when the parent dies
//     for any reason (Ctrl-C, SIGTERM, SIGKILL, a crash), so a test run can never orphan DynamoDB Local or moto;
//   - it is re-parented (the parent died but something else still held the pipe open);
//   - it receives SIGTERM, SIGINT or SIGHUP.
// It exits with the child's exit code (128 + signal number when the child was killed by a signal).
'use strict'

const { spawn } = require('node:child_process')
const os = require('node:os')

const GRACE_MS = 5000
const [command, ...args] = process.argv.slice(2)
if (!command) {
  process.stderr.write('usage: supervise.js <command> [args...]\n')
  process.exit(2)
}

const originalParent = process.ppid
let stopping = false
let exited = false

const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] })

child.on('error', (error) => {
  process.stderr.write(`[supervise] cannot start ${command}: ${error.message}\n`)
  process.exit(error.code === 'ENOENT' ? 127 : 126)
})

child.on('exit', (code, signal) => {
  exited = true
  if (!stopping) process.stderr.write(`[supervise] ${command} exited on its own (${code ?? signal})\n`)
  process.exit(code ?? 128 + (os.constants.signals[signal] ?? 0))
})

function stop(reason) {
  if (stopping) return
  stopping = true
  process.stderr.write(`[supervise] stopping ${command} (${reason})\n`)
  if (exited) return
  try {
    child.kill('SIGTERM')
  } catch {
    // Already gone.
  }
  setTimeout(() => {
    try {
      child.kill('SIGKILL')
    } catch {
      // Already gone.
    }
  }, GRACE_MS).unref()
}

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => stop(signal))

process.stdin.on('data', () => {})
process.stdin.on('end', () => stop('parent closed the pipe'))
process.stdin.on('close', () => stop('parent closed the pipe'))
process.stdin.on('error', () => stop('parent pipe error'))
process.stdin.resume()

setInterval(() => {
  if (process.ppid !== originalParent) stop('parent process is gone')
}, 1000).unref()
