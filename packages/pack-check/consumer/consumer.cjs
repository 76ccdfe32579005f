// CommonJS consumer run against the packed tarballs installed by npm (see ../check-packages.js).
// Plain Node + assert: it must work with nothing but what a user installs.
'use strict'
const assert = require('node:assert/strict')
const path = require('node:path')

const core = require('@ddb-encryption/core')
const wrapped = require('@ddb-encryption/providers-wrapped')
const kms = require('@ddb-encryption/providers-kms')
const storeMeta = require('@ddb-encryption/store-meta')
const helpers = require('@ddb-encryption/client-helpers')
const migrate = require('@ddb-encryption/migrate')
const { DynamoDBClient, PutItemCommand, GetItemCommand } = require('@aws-sdk/client-dynamodb')
const { KMSClient } = require('@aws-sdk/client-kms')

const PACKAGES = {
  '@ddb-encryption/core': core,
  '@ddb-encryption/providers-wrapped': wrapped,
  '@ddb-encryption/providers-kms': kms,
  '@ddb-encryption/store-meta': storeMeta,
  '@ddb-encryption/client-helpers': helpers,
  '@ddb-encryption/migrate': migrate,
}

/** Run-time exports each entry point must offer (types are checked by consumer.ts). */
const EXPECTED_EXPORTS = {
  '@ddb-encryption/core': [
    'encryptItem', 'decryptItem', 'encryptDocument', 'decryptDocument', 'AttributeActions', 'CryptoAction',
    'cryptoActionName', 'LocalDelegatedKey', 'createEncryptionMaterials', 'createDecryptionMaterials',
    'randomKeyBytes', 'hkdfSha256', 'normalizeNumber', 'serializeAttribute', 'deserializeAttribute',
    'serializeMaterialDescription', 'deserializeMaterialDescription', 'stringToSign', 'DynamoDBEncryptionError',
    'InvalidArgumentError', 'SignatureVerificationError', 'ReservedAttribute', 'MaterialDescriptionKey', 'JceName',
    'mapWithConcurrency', 'retry',
  ],
  '@ddb-encryption/providers-wrapped': ['WrappedMaterialsProvider', 'StaticMaterialsProvider'],
  '@ddb-encryption/providers-kms': ['DirectKMSMaterialsProvider', 'kmsEncryptionContextFor'],
  '@ddb-encryption/store-meta': ['MetaStore', 'MostRecentProvider', 'MOST_RECENT_GRACE_PERIOD_MS', 'versionFromMaterialDescription'],
  '@ddb-encryption/client-helpers': [
    'EncryptedDynamoDBClient', 'EncryptedDynamoDBDocumentClient', 'EncryptedTable', 'TableInfo', 'ItemDecryptionError',
  ],
  '@ddb-encryption/migrate': [
    'encryptTable', 'reEncryptTable', 'verifyTable', 'explainItem', 'FileCheckpointStore',
    'DynamoDBCheckpointStore', 'CapacityLimiter', 'loadConfigurationModule', 'runCli',
  ],
}

function checkEntryPoints() {
  for (const [name, mod] of Object.entries(PACKAGES)) {
    for (const symbol of EXPECTED_EXPORTS[name]) {
      assert.ok(mod[symbol] !== undefined, `${name} does not export ${symbol}`)
    }
    const pkg = require(`${name}/package.json`)
    assert.equal(pkg.name, name)
    // The installed copy must be the packed tarball, not something from the monorepo.
    const resolved = require.resolve(name)
    assert.ok(resolved.startsWith(path.join(__dirname, 'node_modules')), `${name} resolved outside the consumer: ${resolved}`)
  }
}

/** Deep imports must be refused by every package's exports map, whatever the spelling. */
function checkDeepImportsRefused() {
  const deep = [
    '@ddb-encryption/core/dist/serialize/attribute',
    '@ddb-encryption/core/dist/serialize/attribute.js',
    '@ddb-encryption/core/dist/index.js',
    '@ddb-encryption/core/dist/crypto/local-delegated-key',
    '@ddb-encryption/core/src/index.ts',
    '@ddb-encryption/providers-wrapped/dist/wrapped-materials-provider',
    '@ddb-encryption/providers-kms/dist/direct-kms-materials-provider.js',
    '@ddb-encryption/store-meta/dist/meta-store',
    '@ddb-encryption/client-helpers/dist/encrypted-table',
  ]
  for (const specifier of deep) {
    assert.throws(() => require(specifier), (error) => error.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED',
      `deep import ${specifier} was not refused by the exports map`)
  }
}

function wrappedProvider(aesKey, hmacKey) {
  return new wrapped.WrappedMaterialsProvider({ wrappingKey: aesKey, unwrappingKey: aesKey, signingKey: hmacKey })
}

async function checkRoundTrip() {
  const { AttributeActions, CryptoAction, LocalDelegatedKey, encryptItem, decryptItem, ReservedAttribute } = core
  const aes = LocalDelegatedKey.generate('AES', 256)
  const hmac = LocalDelegatedKey.generate('HmacSHA256', 256)
  const config = {
    materialsProvider: wrappedProvider(aes, hmac),
    encryptionContext: { tableName: 'pack-check', partitionKeyName: 'id' },
    attributeActions: new AttributeActions({ attributeActions: { id: core.CryptoAction.SIGN_ONLY, ttl: CryptoAction.DO_NOTHING } }),
  }
  const item = { id: { S: 'user#1' }, secret: { S: 'top secret' }, n: { N: '42' }, ttl: { N: '1700000000' } }
  const snapshot = structuredClone(item)
  const stored = await encryptItem(item, config)
  assert.deepEqual(item, snapshot, 'encryptItem modified its input')
  assert.ok(stored.secret.B instanceof Uint8Array, 'ENCRYPT_AND_SIGN attribute is not binary ciphertext')
  assert.ok(stored[ReservedAttribute.Signature] && stored[ReservedAttribute.MaterialDescription], 'reserved attributes missing')
  assert.deepEqual(stored.id, item.id)
  assert.deepEqual(await decryptItem(stored, config), item)

  // A tampered item is refused with a typed core error.
  const tampered = { ...stored, n: { S: 'changed' } }
  await assert.rejects(decryptItem(tampered, config), (error) =>
    error instanceof core.SignatureVerificationError && core.DynamoDBEncryptionError.isInstance(error))

  // The document API on native objects.
  const doc = await core.decryptDocument(await core.encryptDocument({ id: 'd', secret: 'x', list: [1, 'a'] }, config), config)
  assert.deepEqual(doc, { id: 'd', secret: 'x', list: [1, 'a'] })
  return { aes, hmac, config, item }
}

/** store-meta's MostRecentProvider over an in-memory ProviderStore. */
async function checkMostRecentProvider({ aes, hmac, config, item }) {
  const providers = new Map()
  const store = {
    async getOrCreateProvider(name, version) {
      if (!providers.has(version)) {
        providers.set(version, new wrapped.WrappedMaterialsProvider({
          wrappingKey: aes, unwrappingKey: aes, signingKey: hmac,
          materialDescription: { [core.MaterialDescriptionKey.MetaId]: `${name}#${version}` },
        }))
      }
      return providers.get(version)
    },
    async provider(name, version) {
      return this.getOrCreateProvider(name, version ?? 0)
    },
    async maxVersion() {
      return providers.size === 0 ? undefined : providers.size - 1
    },
    versionFromMaterialDescription: storeMeta.versionFromMaterialDescription,
  }
  const mostRecent = new storeMeta.MostRecentProvider({ store, materialName: 'pack-check', ttlMs: 60_000 })
  const mrConfig = { ...config, materialsProvider: mostRecent }
  const stored = await core.encryptItem(item, mrConfig)
  assert.equal(storeMeta.versionFromMaterialDescription(
    core.deserializeMaterialDescription(stored[core.ReservedAttribute.MaterialDescription].B)), 0)
  assert.deepEqual(await core.decryptItem(stored, mrConfig), item)
}

/**
 * client-helpers over a DynamoDB client whose HTTP handler is a Map (no network; the encryption runs as middleware,
 * so the fake sits below the whole SDK stack): what it stores is encrypted, reads decrypt.
 */
async function checkEncryptedClient({ config, item }) {
  const table = new Map()
  const respond = (operation, body) => {
    if (operation === 'PutItem') { table.set(body.Item.id.S, body.Item); return {} }
    if (operation === 'GetItem') return { Item: table.get(body.Key.id.S) }
    throw new Error(`unexpected operation ${operation}`)
  }
  const fake = new DynamoDBClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request) => {
        const operation = String(request.headers['x-amz-target']).split('.').pop()
        const text = typeof request.body === 'string' ? request.body : Buffer.from(request.body).toString('utf8')
        const json = JSON.stringify(respond(operation, JSON.parse(text)))
        return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from(json) } }
      },
    },
  })
  const tableInfo = new helpers.TableInfo({ tableName: 'pack-check', partitionKey: { name: 'id', type: 'S' } })
  const client = helpers.EncryptedDynamoDBClient.from(fake, {
    materialsProvider: config.materialsProvider,
    attributeActions: config.attributeActions,
    tables: { 'pack-check': { tableInfo } },
  })
  await client.send(new PutItemCommand({ TableName: 'pack-check', Item: item }))
  const raw = table.get('user#1')
  // Wire JSON: binary values are base64 text.
  assert.ok(typeof raw.secret.B === 'string' && raw[core.ReservedAttribute.Signature], 'the client stored plaintext')
  const { Item } = await client.send(new GetItemCommand({ TableName: 'pack-check', Key: { id: { S: 'user#1' } } }))
  assert.deepEqual(Item, item)
}

/** Errors thrown from every package are recognised by core's DynamoDBEncryptionError, by isInstance and instanceof. */
async function checkErrorsAcrossPackages({ hmac }) {
  const isOurs = (label) => (error) => {
    assert.ok(core.DynamoDBEncryptionError.isInstance(error), `${label}: isInstance is false for ${error && error.name}`)
    assert.ok(error instanceof core.DynamoDBEncryptionError, `${label}: instanceof is false (two copies of core?)`)
    assert.match(error.code, /^ERR_/)
    return true
  }
  // providers-wrapped: unwrapping with the wrong key.
  const writer = wrappedProvider(core.LocalDelegatedKey.generate('AES', 256), hmac)
  const reader = wrappedProvider(core.LocalDelegatedKey.generate('AES', 256), hmac)
  const context = { tableName: 't', attributes: {}, materialDescription: {} }
  const materials = await writer.getEncryptionMaterials(context)
  await assert.rejects(reader.getDecryptionMaterials({ ...context, materialDescription: materials.materialDescription }),
    isOurs('providers-wrapped'))
  // providers-kms: a bad option.
  assert.throws(() => new kms.DirectKMSMaterialsProvider({ keyId: '', kmsClient: new KMSClient({ region: 'us-east-1' }) }),
    isOurs('providers-kms'))
  // store-meta: a description without a meta id.
  assert.throws(() => storeMeta.versionFromMaterialDescription({}), isOurs('store-meta'))
  // client-helpers: a bad table name.
  assert.throws(() => new helpers.TableInfo({ tableName: '', partitionKey: { name: 'id' } }), isOurs('client-helpers'))

  // A second, separate copy of core (as when two versions are installed): isInstance still recognises its errors.
  assert.ok(process.env.PACK_CHECK_CORE_COPY, 'PACK_CHECK_CORE_COPY (path of a second copy of core) is not set: run ../check-packages.js')
  const copy = require(process.env.PACK_CHECK_CORE_COPY)
  assert.notEqual(copy.DynamoDBEncryptionError, core.DynamoDBEncryptionError, 'the copy of core is the same module')
  const foreign = new copy.InvalidArgumentError('from another copy')
  assert.ok(core.DynamoDBEncryptionError.isInstance(foreign), 'isInstance fails across copies of core')
  assert.ok(!(foreign instanceof core.DynamoDBEncryptionError))
  assert.ok(!core.DynamoDBEncryptionError.isInstance(new Error('plain')))
}

/** The migration window reads plaintext and current items; the installed `ddb-encryption` bin runs. */
async function checkMigrate(state) {
  const { config, item } = state
  const plain = await core.decryptItemInWindow(item, config, { allowPlaintext: true })
  assert.equal(plain.outcome, 'plaintext')
  const current = await core.decryptItemInWindow(await core.encryptItem(item, config), config)
  assert.equal(current.outcome, 'current')
  assert.deepEqual(current.item, item)
  const { execFileSync } = require('node:child_process')
  const bin = path.join(__dirname, 'node_modules', '.bin', 'ddb-encryption')
  assert.match(execFileSync(bin, ['--help'], { encoding: 'utf8' }), /Usage: ddb-encryption <command>/)
}

async function main() {
  checkEntryPoints()
  checkDeepImportsRefused()
  const state = await checkRoundTrip()
  await checkMostRecentProvider(state)
  await checkEncryptedClient(state)
  await checkErrorsAcrossPackages(state)
  await checkMigrate(state)
  console.log('consumer.cjs: ok')
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
