import { dynamoDbEndpoint, kmsEndpoint, pythonExecutable, TestEnvironmentVariable } from '../../src/environment'

describe.each([
  ['dynamoDbEndpoint', dynamoDbEndpoint, TestEnvironmentVariable.dynamoDbEndpoint],
  ['kmsEndpoint', kmsEndpoint, TestEnvironmentVariable.kmsEndpoint],
  ['pythonExecutable', pythonExecutable, TestEnvironmentVariable.python],
] as const)('%s', (_name, read, variable) => {
  let saved: string | undefined
  beforeEach(() => {
    saved = process.env[variable]
  })
  afterEach(() => {
    if (saved === undefined) delete process.env[variable]
    else process.env[variable] = saved
  })

  it('returns the environment variable', () => {
    process.env[variable] = 'http://127.0.0.1:1234'
    expect(read()).toBe('http://127.0.0.1:1234')
  })

  it.each([undefined, ''])('throws a message saying where service tests belong when the variable is %p', (value) => {
    if (value === undefined) delete process.env[variable]
    else process.env[variable] = value
    expect(read).toThrow(new RegExp(`${variable} is not set.*test/integration/.*pnpm test`))
  })
})
