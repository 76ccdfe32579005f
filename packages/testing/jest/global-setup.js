// jest globalSetup of every project whose tests need services (jest.preset.js packageProjects): makes DynamoDB
// Local, moto's KMS server and the Python virtualenv available to every test file, once per run. Jest calls it once
// per selected project that has a test to run, in the main process: the first call starts the services, later calls
// of the same run reuse them. Endpoints already given through DDB_ENCRYPTION_DYNAMODB_ENDPOINT /
// DDB_ENCRYPTION_KMS_ENDPOINT (and DDB_ENCRYPTION_PYTHON) are reused; anything missing is started here.
// The variables set on process.env are inherited by the jest workers. A missing Java or Python fails the run
// with a message saying what to install: integration tests never skip.
'use strict'

const { startServices } = require('../lib/services.js')

const STATE_KEY = Symbol.for('ddb-encryption.testing.services')

module.exports = async function globalSetup() {
  if (globalThis[STATE_KEY]) return
  const log = (message) => process.stderr.write(`[testing] ${message}\n`)
  const startedAt = Date.now()
  // The SDK warns once per process (every worker) that future versions need Node 22; that is noise in test output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const services = await startServices({ log, timeoutMs: Number(process.env.DDB_ENCRYPTION_SERVICE_TIMEOUT_MS) || 60_000 })
  globalThis[STATE_KEY] = services
  log(
    `services ready in ${Date.now() - startedAt} ms: DynamoDB ${services.dynamoDbEndpoint}, KMS ${services.kmsEndpoint}` +
      (services.services.length < 2 ? ' (endpoints reused from the environment)' : ''),
  )
}

module.exports.STATE_KEY = STATE_KEY
