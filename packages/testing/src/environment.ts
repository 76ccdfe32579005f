import { ENV } from '../lib/services.js'

/** Names of the environment variables through which the root jest globalSetup hands the services to the workers. */
export const TestEnvironmentVariable = ENV

function required(name: string, what: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') {
    throw new Error(
      `${name} is not set, so ${what} is unknown. Run the tests through the root jest config (pnpm test, or npx jest ` +
        'at the repository root), whose globalSetup starts the services; outside jest call startServices() first.',
    )
  }
  return value
}

/**
 * The DynamoDB Local endpoint of this test run, e.g. `http://127.0.0.1:41235`.
 * @throws Error when `DDB_ENCRYPTION_DYNAMODB_ENDPOINT` is unset (tests not run through the root jest config).
 */
export function dynamoDbEndpoint(): string {
  return required(ENV.dynamoDbEndpoint, 'the DynamoDB Local endpoint')
}

/**
 * The moto KMS endpoint of this test run, e.g. `http://127.0.0.1:41236`.
 * @throws Error when `DDB_ENCRYPTION_KMS_ENDPOINT` is unset (tests not run through the root jest config).
 */
export function kmsEndpoint(): string {
  return required(ENV.kmsEndpoint, 'the moto KMS endpoint')
}

/**
 * The Python interpreter of the project virtualenv (`<repo>/.venv/bin/python`), which has moto, boto3 and
 * `dynamodb-encryption-sdk` installed.
 * @throws Error when `DDB_ENCRYPTION_PYTHON` is unset (tests not run through the root jest config).
 */
export function pythonExecutable(): string {
  return required(ENV.python, 'the virtualenv python')
}
