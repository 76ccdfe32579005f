#!/usr/bin/env node
// Creates the project-local Python virtualenv (<repo>/.venv) and installs packages/testing/python/requirements.txt
// into it: moto's KMS server and the Python reference client. Idempotent and cheap when nothing changed: a stamp file
// inside the venv holds the hash of requirements.txt, and pip only runs when it differs.
//
// Several test runs may start at once in the same checkout, so the work happens under a lock directory
// (<repo>/.cache/ensure-python.lock, see install-lock.js).
//
// Usage: node packages/testing/scripts/ensure-python.js   (exit code 0 when the venv is ready)
// From code: require('.../ensure-python.js').ensurePython() -> { python, venvDir, installed }
'use strict'

const { spawnSync } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')

const { acquireLock, releaseLock } = require('./install-lock.js')

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..')
const REQUIREMENTS = path.resolve(__dirname, '..', 'python', 'requirements.txt')
const STAMP_NAME = '.ddb-encryption-requirements.sha256'

/** Raised for every setup failure; the message says what to install or fix. */
class EnsurePythonError extends Error {
  constructor(message, options) {
    super(message, options)
    this.name = 'EnsurePythonError'
  }
}

function log(message) {
  process.stderr.write(`[ensure-python] ${message}\n`)
}

function venvPython(venvDir) {
  return process.platform === 'win32' ? path.join(venvDir, 'Scripts', 'python.exe') : path.join(venvDir, 'bin', 'python')
}

function requirementsHash() {
  return crypto.createHash('sha256').update(fs.readFileSync(REQUIREMENTS)).digest('hex')
}

function readStamp(venvDir) {
  try {
    return fs.readFileSync(path.join(venvDir, STAMP_NAME), 'utf8').trim()
  } catch {
    return undefined
  }
}

function isReady(venvDir, hash) {
  return fs.existsSync(venvPython(venvDir)) && readStamp(venvDir) === hash
}

function run(command, args, what) {
  log(`$ ${[command, ...args].join(' ')}`)
  const result = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: REPO_ROOT })
  if (result.error) {
    throw new EnsurePythonError(`${what} failed to start: ${result.error.message}`, { cause: result.error })
  }
  if (result.status !== 0) {
    throw new EnsurePythonError(`${what} failed (exit ${result.status ?? result.signal}); see the output above.`)
  }
}

function findBasePython() {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', 'python']
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import sys, venv; print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf8',
    })
    if (probe.error || probe.status !== 0) continue
    const [major, minor] = probe.stdout.trim().split('.').map(Number)
    if (major === 3 && minor >= 8) return candidate
  }
  throw new EnsurePythonError(
    'Python 3.8+ with the venv module is required for the test services (moto KMS server, Python reference client). ' +
      'Install it (Debian/Ubuntu: apt-get install python3 python3-venv) or point the PYTHON environment variable at one.',
  )
}

/**
 * Makes sure `<repo>/.venv` exists and holds the pinned packages of packages/testing/python/requirements.txt.
 * @param {{ repoRoot?: string, quiet?: boolean }} [options]
 * @returns {{ python: string, venvDir: string, installed: boolean }} `installed` is true when pip ran.
 */
function ensurePython(options = {}) {
  const repoRoot = options.repoRoot ?? REPO_ROOT
  const venvDir = path.join(repoRoot, '.venv')
  const python = venvPython(venvDir)
  const hash = requirementsHash()
  if (isReady(venvDir, hash)) {
    if (!options.quiet) log(`${venvDir} is up to date`)
    return { python, venvDir, installed: false }
  }

  const lockDir = path.join(repoRoot, '.cache', 'ensure-python.lock')
  const lockOptions = {
    isDone: () => isReady(venvDir, hash),
    log,
    what: 'preparing the virtualenv',
    makeError: (message) => new EnsurePythonError(message),
  }
  if (!acquireLock(lockDir, lockOptions)) {
    log(`${venvDir} was prepared by another run`)
    return { python, venvDir, installed: false }
  }
  try {
    if (isReady(venvDir, hash)) return { python, venvDir, installed: false }
    const startedAt = Date.now()
    const healthy = fs.existsSync(python) && spawnSync(python, ['-c', 'import sys'], { stdio: 'ignore' }).status === 0
    if (!healthy) {
      const base = findBasePython()
      if (fs.existsSync(venvDir)) {
        log(`${venvDir} is broken (its python does not run); recreating it`)
        fs.rmSync(venvDir, { recursive: true, force: true })
      }
      log(`creating virtualenv ${venvDir}`)
      run(base, ['-m', 'venv', venvDir], `"${base} -m venv" (Debian/Ubuntu need: apt-get install python3-venv)`)
    }
    log(`installing ${path.relative(repoRoot, REQUIREMENTS)} (requirements changed or first run)`)
    run(
      python,
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', REQUIREMENTS],
      'pip install (needs access to the Python package index)',
    )
    fs.writeFileSync(path.join(venvDir, STAMP_NAME), `${hash}\n`)
    log(`virtualenv ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`)
    return { python, venvDir, installed: true }
  } finally {
    releaseLock(lockDir)
  }
}

module.exports = { ensurePython, EnsurePythonError, REPO_ROOT, REQUIREMENTS }

if (require.main === module) {
  try {
    const { python } = ensurePython()
    log(`python: ${python}`)
  } catch (error) {
    process.stderr.write(`[ensure-python] ERROR: ${error.message}\n`)
    process.exit(1)
  }
}
