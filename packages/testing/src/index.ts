/**
 * @ddb-encryption/testing: private test infrastructure. The globalSetup of every jest project that needs them starts DynamoDB Local and moto's
 * KMS server once per run and hands their endpoints to the workers through environment variables; these helpers
 * build clients, tables and keys against them.
 */
export { TestEnvironmentVariable, dynamoDbEndpoint, kmsEndpoint, pythonExecutable } from './environment'
export { javaBridgeJar, type JavaBridgeJar } from './java-bridge'
export { FAKE_CREDENTIALS, DEFAULT_REGION, type TestClientOptions } from './fake-credentials'
export { createDynamoDBClient } from './create-dynamodb-client'
export { createKMSClient } from './create-kms-client'
export {
  createTestTable,
  deleteTestTable,
  buildCreateTableInput,
  type CreateTestTableOptions,
  type TestKeyAttribute,
  type TestGlobalSecondaryIndex,
  type TestLocalSecondaryIndex,
  type TestIndexProjection,
} from './create-test-table'
export {
  createKmsKey,
  createKmsAlias,
  disableKmsKey,
  type CreateKmsKeyOptions,
  type TestKmsKey,
  type TestKmsAlias,
} from './create-kms-key'
export {
  startDynamoDbLocal,
  startMotoServer,
  startServices,
  type StartServiceOptions,
  type StartServicesOptions,
  type RunningService,
  type StartedServices,
} from './services'
export { runPython, type RunPythonOptions, type RunPythonResult } from './run-python'
export { FakeDynamoDB, userAgentOf, S, N, type FakeDynamoDBOptions, type WireRequest, type WireAnswer } from './fake-dynamodb'
export { deepFreeze, deepCopy } from './deep-freeze'
export { TestStaticProvider, aesHmacProvider, aesRsaProvider, sharedRsaKeys, type TestStaticProviderOptions } from './static-provider'
export { storedBody, descriptionOf, withDescription, forwardingKey } from './stored-items'
