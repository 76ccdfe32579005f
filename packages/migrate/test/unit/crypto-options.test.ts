/**
 * migrate forwards core's `writeMode` and `acceptPythonRoundedNumbers` to every config it reads and writes with
 * (configuration module, TableJobOptions and CLI flags), as client-helpers does.
 */
import { Writable } from 'node:stream'
import { AttributeActions, CryptoAction, encryptItem, LocalDelegatedKey, NonPortableItemError } from '@ddb-encryption/core'
import { WrappedMaterialsProvider } from '@ddb-encryption/providers-wrapped'
import { checkConfiguration, type MigrationConfiguration } from '../../src/migration-configuration'
import { plannerConfigs } from '../../src/planner-configs'
import { encryptTable, runCli, ExitStatus } from '../../src/index'

const aes = LocalDelegatedKey.generate('AES', 256)
const provider = new WrappedMaterialsProvider({ wrappingKey: aes, unwrappingKey: aes, signingKey: LocalDelegatedKey.generate('HmacSHA256', 256) })
const actions = new AttributeActions({ attributeActions: { tags: CryptoAction.SIGN_ONLY } })
const schema = { tableName: 'orders', partitionKeyName: 'pk', keyAttributeNames: ['pk'], approximateItemCount: 0 }
const configuration = (extra: Partial<MigrationConfiguration> = {}): MigrationConfiguration => ({
  target: { materialsProvider: provider, attributeActions: actions },
  previous: [{ name: 'old', materialsProvider: provider, attributeActions: actions }],
  ...extra,
})
// A signed binary set whose order differs between Python and Java: 'portable' (core's default) refuses to write it.
const nonPortable = { pk: { S: 'o#1' }, tags: { BS: [Uint8Array.of(0x01), Uint8Array.of(0x80)] } }

describe('migrate: writeMode and acceptPythonRoundedNumbers', () => {
  it('are forwarded from the configuration to the target, source and previous configs', async () => {
    const configs = plannerConfigs(configuration({ writeMode: 'python', acceptPythonRoundedNumbers: true }), schema, 'orders')
    for (const config of [configs.target, configs.source, ...configs.previous]) {
      expect(config).toMatchObject({ writeMode: 'python', acceptPythonRoundedNumbers: true })
    }
    await expect(encryptItem(nonPortable, configs.target)).resolves.toHaveProperty('tags')
  })

  it('job options (and CLI flags) override the configuration; without either, core defaults apply', async () => {
    const overridden = plannerConfigs(configuration({ writeMode: 'python' }), schema, 'orders', { writeMode: 'java', acceptPythonRoundedNumbers: true })
    for (const config of [overridden.target, overridden.source, ...overridden.previous]) {
      expect(config).toMatchObject({ writeMode: 'java', acceptPythonRoundedNumbers: true })
    }
    const defaults = plannerConfigs(configuration(), schema, 'orders')
    expect(defaults.target.writeMode).toBeUndefined()
    expect(defaults.previous[0]?.acceptPythonRoundedNumbers).toBeUndefined()
    await expect(encryptItem(nonPortable, defaults.target)).rejects.toBeInstanceOf(NonPortableItemError)
  })

  it('bad values are refused with ERR_INVALID_ARGUMENT: in the configuration, in the job options (before any request) and as CLI flags', async () => {
    expect(() => checkConfiguration(configuration({ writeMode: 'utf8' as never }), 'config.js')).toThrow(expect.objectContaining({
      code: 'ERR_INVALID_ARGUMENT', message: 'config.js: "writeMode" option must be "portable", "python" or "java"',
    }))
    expect(() => checkConfiguration(configuration({ acceptPythonRoundedNumbers: 'yes' as never }))).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }))
    const send = jest.fn()
    await expect(encryptTable({ client: { send }, tableName: 'orders', configuration: configuration(), writeMode: 'utf8' as never }))
      .rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
    expect(send).not.toHaveBeenCalled()
    let stderr = ''
    const sink = (write: (text: string) => void) => new Writable({ write(chunk, _encoding, done) { write(String(chunk)); done() } })
    const status = await runCli(['verify', '--table', 'orders', '--config', 'config.js', '--write-mode', 'utf8'], {
      stdout: sink(() => {}), stderr: sink((text) => { stderr += text }),
    })
    expect(status).toBe(ExitStatus.Usage)
    expect(stderr).toContain('--write-mode must be portable, python or java')
    expect(stderr).toContain('--accept-python-rounded-numbers')
  })
})
