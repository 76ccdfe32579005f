import { PythonReference } from '../../src'

// Starting the interpreter and importing boto3 takes seconds on a loaded machine.
jest.setTimeout(60_000)

describe('PythonReference', () => {
  let py: PythonReference
  beforeAll(async () => {
    py = await PythonReference.start()
  })
  afterAll(async () => {
    await py.close()
  })

  it('answers with the Python exception type and message for a bad request, and keeps serving', async () => {
    await expect(py.request('no_such_op', {})).rejects.toThrow(/request "no_such_op" failed: HelperError: unknown op 'no_such_op'/)
    await expect(py.configure({ type: 'nope' } as never)).rejects.toThrow(/HelperError: unknown provider type 'nope'/)
    await expect(py.request('version', {})).resolves.toMatchObject({ library: '3.3.0' })
  })

  it('returns per-item errors in batches instead of failing the whole request', async () => {
    const provider = await py.configure({
      type: 'static',
      encryptionKey: { key: Buffer.alloc(32, 1).toString('base64'), algorithm: 'AES' },
      signingKey: { key: Buffer.alloc(32, 2).toString('base64'), algorithm: 'HmacSHA256' },
    })
    const results = await py.encryptItems(provider, { tableName: 't' }, [
      { item: { a: { S: 'x' } }, actions: {} },
      { item: { '*amzn-ddb-map-sig*': { B: '' } }, actions: {} },
      // More than 38 digits: boto3's decimal context traps the rounding.
      { item: { a: { N: '1' + '2'.repeat(40) } }, actions: { default: 'SIGN_ONLY' } },
      { item: { b: { S: 'y' } }, actions: {} },
    ])
    expect(results.map((r) => r.ok)).toEqual([true, false, false, true])
    expect(results[1]?.ok === false && results[1].error.type).toBe('EncryptionError')
    expect(results[2]?.ok === false && results[2].error.type).toBe('Inexact')
  })

  it('answers concurrent requests by id', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => py.request('version', {})))
    expect(answers).toHaveLength(20)
  })

  it('rejects requests once closed, with the reason', async () => {
    const other = await PythonReference.start()
    await other.close()
    await expect(other.request('version', {})).rejects.toThrow(/the Python helper exited/)
  })
})
