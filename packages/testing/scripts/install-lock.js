// One lock directory per installation step (ensure-python.js, ensure-java.js): several test runs may start at once in
// the same checkout. A lock whose owner is dead, or that is older than 20 minutes, is taken over.
'use strict'

const fs = require('node:fs')
const path = require('node:path')

const LOCK_STALE_MS = 20 * 60 * 1000
const LOCK_WAIT_MS = 30 * 60 * 1000

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

function isAlive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return error.code === 'EPERM'
  }
}

function safeMtime(file) {
  try {
    return fs.statSync(file).mtimeMs
  } catch {
    return Date.now()
  }
}

/**
 * Takes `lockDir`, waiting while a live owner holds it.
 * @param {string} lockDir
 * @param {{ isDone: () => boolean, log: (message: string) => void, what: string, makeError: (message: string) => Error }} options
 *   `isDone`: whether another run already finished the work (then the lock is not taken and false is returned).
 * @returns {boolean} true when the lock was taken (release it with releaseLock), false when the work is done.
 */
function acquireLock(lockDir, { isDone, log, what, makeError }) {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true })
  const started = Date.now()
  let announced = false
  for (;;) {
    try {
      fs.mkdirSync(lockDir)
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid))
      return true
    } catch (error) {
      if (error.code !== 'EEXIST') throw error
    }
    // Another run holds the lock. It may have finished the work we were about to do.
    if (isDone()) return false
    let stale = false
    try {
      const pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'))
      const age = Date.now() - fs.statSync(lockDir).mtimeMs
      stale = (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) || age > LOCK_STALE_MS
    } catch {
      // The pid file is written right after mkdir; give its owner a moment before calling it stale.
      stale = Date.now() - safeMtime(lockDir) > 10_000
    }
    if (stale) {
      log(`removing stale lock ${lockDir}`)
      fs.rmSync(lockDir, { recursive: true, force: true })
      continue
    }
    if (Date.now() - started > LOCK_WAIT_MS) {
      throw makeError(`Timed out waiting for ${lockDir}; remove it if no other test run is ${what}.`)
    }
    if (!announced) {
      log(`another test run is ${what}; waiting for it`)
      announced = true
    }
    sleepSync(500)
  }
}

function releaseLock(lockDir) {
  fs.rmSync(lockDir, { recursive: true, force: true })
}

module.exports = { acquireLock, releaseLock }
