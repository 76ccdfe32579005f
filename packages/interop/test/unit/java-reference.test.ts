import { JavaReference } from '../../src'

// Building the bridge (when its sources changed) and starting the JVM take seconds on a loaded machine.
jest.setTimeout(300_000)

describe('JavaReference', () => {
  let java: JavaReference
  beforeAll(async () => {
    java = await JavaReference.start()
  })
  afterAll(async () => {
    await java.close()
  })

  it('runs aws-dynamodb-encryption-java 2.0.3 and answers a bad request with the Java exception type and message, then keeps serving', async () => {
    await expect(java.request('version', {})).resolves.toMatchObject({ library: '2.0.3' })
    await expect(java.request('no_such_op', {})).rejects.toThrow(/Java bridge request "no_such_op" failed: BridgeException: unknown op 'no_such_op'/)
    await expect(java.configure({ type: 'nope' } as never)).rejects.toThrow(/BridgeException: unknown provider type 'nope'/)
    await expect(java.request('version', {})).resolves.toMatchObject({ library: '2.0.3' })
  })

  it('returns per-item errors in batches instead of failing the whole request', async () => {
    const provider = await java.configure({
      type: 'static',
      encryptionKey: { key: Buffer.alloc(32, 1).toString('base64'), algorithm: 'AES' },
      signingKey: { key: Buffer.alloc(32, 2).toString('base64'), algorithm: 'HmacSHA256' },
    })
    const results = await java.encryptItems(provider, { tableName: 't' }, [
      { item: { a: { S: 'x' } }, actions: {} },
      { item: { a: { N: 'not a number' } }, actions: { default: 'SIGN_ONLY' } },
      { item: { b: { S: 'y' } }, actions: {} },
    ])
    expect(results.map((r) => r.ok)).toEqual([true, false, true])
    expect(results[1]?.ok === false && results[1].error.type).toBe('NumberFormatException')
    const decrypted = await java.decryptItems(provider, { tableName: 't' }, [{ item: results[0]?.ok ? results[0].item : {}, actions: {} }])
    expect(decrypted).toEqual([{ ok: true, item: { a: { S: 'x' } } }])
  })

  it('answers concurrent requests by id', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => java.request('version', {})))
    expect(answers).toHaveLength(20)
  })

  it('rejects requests once closed, with the reason', async () => {
    const other = await JavaReference.start()
    await other.close()
    await expect(other.request('version', {})).rejects.toThrow(/the Java bridge exited/)
  })
})
