#!/usr/bin/env node
// Builds the Java bridge of the interop suite and benchmark (packages/interop/java: a Maven project against
// com.amazonaws:aws-dynamodb-encryption-java 2.0.3 from Maven Central) with `mvn -q -B package`. Idempotent and cheap
// when nothing changed: a stamp file next to the jar holds the hash of pom.xml and every source file, and Maven only
// runs when it differs or the jar is missing. The build output (target/) is git-ignored; the dependencies go to the
// user's Maven repository (~/.m2), so the first build on a fresh machine downloads them (needs Maven Central).
//
// Several test runs may start at once in the same checkout: the build happens under a lock directory
// (<repo>/.cache/ensure-java.lock, see install-lock.js).
//
// Usage: node packages/testing/scripts/ensure-java.js   (exit code 0 when the bridge is built)
// From code: require('.../ensure-java.js').ensureJava() -> { jar, java, built }
'use strict'

const { spawnSync } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')

const { acquireLock, releaseLock } = require('./install-lock.js')

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..')
const STAMP_NAME = '.ddb-encryption-sources.sha256'
const JAR_NAME = 'ddb-encryption-java-bridge.jar'

/** Raised for every setup failure; the message says what to install or fix. */
class EnsureJavaError extends Error {
  constructor(message, options) {
    super(message, options)
    this.name = 'EnsureJavaError'
  }
}

function log(message) {
  process.stderr.write(`[ensure-java] ${message}\n`)
}

function listFiles(dir) {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? listFiles(full) : [full]
  })
}

/** Hash of pom.xml and src/** (paths and contents), in a stable order. */
function sourcesHash(projectDir) {
  const hash = crypto.createHash('sha256')
  const files = [path.join(projectDir, 'pom.xml'), ...listFiles(path.join(projectDir, 'src'))].sort()
  for (const file of files) {
    hash.update(path.relative(projectDir, file).split(path.sep).join('/'))
    hash.update('\0')
    hash.update(fs.readFileSync(file))
    hash.update('\0')
  }
  return hash.digest('hex')
}

function readStamp(targetDir) {
  try {
    return fs.readFileSync(path.join(targetDir, STAMP_NAME), 'utf8').trim()
  } catch {
    return undefined
  }
}

function isReady(targetDir, hash) {
  return fs.existsSync(path.join(targetDir, JAR_NAME)) && readStamp(targetDir) === hash
}

function requireTool(command, args, advice) {
  const probe = spawnSync(command, args, { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) throw new EnsureJavaError(`${command} is required for the Java interop suite: ${advice}`)
}

/**
 * Makes sure the bridge jar is built from the current sources.
 * @param {{ repoRoot?: string, quiet?: boolean }} [options]
 * @returns {{ jar: string, java: string, built: boolean }} `built` is true when Maven ran; `java` is the command to run it with.
 */
function ensureJava(options = {}) {
  const repoRoot = options.repoRoot ?? REPO_ROOT
  const projectDir = path.join(repoRoot, 'packages', 'interop', 'java')
  const targetDir = path.join(projectDir, 'target')
  const jar = path.join(targetDir, JAR_NAME)
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java'
  const hash = sourcesHash(projectDir)
  if (isReady(targetDir, hash)) {
    if (!options.quiet) log(`${path.relative(repoRoot, jar)} is up to date`)
    return { jar, java, built: false }
  }
  const lockDir = path.join(repoRoot, '.cache', 'ensure-java.lock')
  const lockOptions = { isDone: () => isReady(targetDir, hash), log, what: 'building the Java bridge', makeError: (message) => new EnsureJavaError(message) }
  if (!acquireLock(lockDir, lockOptions)) return { jar, java, built: false }
  try {
    if (isReady(targetDir, hash)) return { jar, java, built: false }
    requireTool(java, ['-version'], 'install a JDK 17 or newer (Debian/Ubuntu: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME.')
    requireTool('mvn', ['-v'], 'install Apache Maven 3.8+ (Debian/Ubuntu: apt-get install maven).')
    const startedAt = Date.now()
    log(`building ${path.relative(repoRoot, projectDir)} (sources changed or first run): mvn -q -B package`)
    const result = spawnSync('mvn', ['-q', '-B', '-Dstyle.color=never', 'package'], { cwd: projectDir, stdio: ['ignore', 'inherit', 'inherit'] })
    if (result.error) throw new EnsureJavaError(`mvn failed to start: ${result.error.message}`, { cause: result.error })
    if (result.status !== 0) {
      throw new EnsureJavaError(`mvn package failed (exit ${result.status ?? result.signal}); see the output above (the first build needs Maven Central).`)
    }
    if (!fs.existsSync(jar)) throw new EnsureJavaError(`mvn package did not produce ${jar}`)
    fs.writeFileSync(path.join(targetDir, STAMP_NAME), `${hash}\n`)
    log(`Java bridge built in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`)
    return { jar, java, built: true }
  } finally {
    releaseLock(lockDir)
  }
}

module.exports = { ensureJava, EnsureJavaError, REPO_ROOT }

if (require.main === module) {
  try {
    const { jar } = ensureJava()
    log(`jar: ${jar}`)
  } catch (error) {
    process.stderr.write(`[ensure-java] ERROR: ${error.message}\n`)
    process.exit(1)
  }
}
