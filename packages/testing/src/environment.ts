import { ENV } from '../lib/services.js'

/** Names of the environment variables through which the services globalSetup (jest/global-setup.js) hands the services to the workers. */
export const TestEnvironmentVariable = ENV

function required(name: string, what: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') {
    throw new Error(
      `${name} is not set, so ${what} is unknown. A test that needs the services belongs under test/integration/ ` +
        '(or in a package whose jest projects all start them, see jest.projects.js): its project\'s globalSetup starts ' +
        'them when you run pnpm test, pnpm jest or pnpm --filter <package> test; outside jest call startServices() first.',
    )
  }
  return value
}

/**
 * The DynamoDB Local endpoint of this test run, e.g. `http://127.0.0.1:41235`.
 * @throws Error when `DDB_ENCRYPTION_DYNAMODB_ENDPOINT` is unset (the test's jest project does not start the services).
 */
export function dynamoDbEndpoint(): string {
  return required(ENV.dynamoDbEndpoint, 'the DynamoDB Local endpoint')
}

/**
 * The moto KMS endpoint of this test run, e.g. `http://127.0.0.1:41236`.
 * @throws Error when `DDB_ENCRYPTION_KMS_ENDPOINT` is unset (the test's jest project does not start the services).
 */
export function kmsEndpoint(): string {
  return required(ENV.kmsEndpoint, 'the moto KMS endpoint')
}

/**
 * The Python interpreter of the project virtualenv (`<repo>/.venv/bin/python`), which has moto, boto3 and
 * `dynamodb-encryption-sdk` installed.
 * @throws Error when `DDB_ENCRYPTION_PYTHON` is unset (the test's jest project does not start the services).
 */
export function pythonExecutable(): string {
  return required(ENV.python, 'the virtualenv python')
}
