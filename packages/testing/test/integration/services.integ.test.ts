import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { DescribeTableCommand, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { DecryptCommand, DescribeKeyCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms'

import {
  createDynamoDBClient,
  createKMSClient,
  createKmsAlias,
  createKmsKey,
  createTestTable,
  deleteTestTable,
  disableKmsKey,
  dynamoDbEndpoint,
  kmsEndpoint,
  pythonExecutable,
  runPython,
} from '@ddb-encryption/testing'

jest.setTimeout(60_000)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    return (error as { name: string }).name
  }
  return 'no error'
}

describe('test environment', () => {
  it('exports loopback endpoints and the venv python to the workers', () => {
    expect(dynamoDbEndpoint()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(kmsEndpoint()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(pythonExecutable()).toMatch(/[/\\]\.venv[/\\]bin[/\\]python$/)
    expect(process.env.AWS_ACCESS_KEY_ID).toBe('fake')
    expect(process.env.AWS_REGION).toBe('us-west-2')
  })
})

describe('DynamoDB Local', () => {
  const ddb = createDynamoDBClient()
  afterAll(() => ddb.destroy())

  it('creates a table with a GSI and an LSI, stores and reads items, and deletes it', async () => {
    const tableName = await createTestTable(ddb, {
      partitionKey: { name: 'pk', type: 'S' },
      sortKey: { name: 'sk', type: 'N' },
      globalSecondaryIndexes: [{ indexName: 'by-owner', partitionKey: { name: 'owner', type: 'S' }, sortKey: { name: 'sk', type: 'N' } }],
      localSecondaryIndexes: [{ indexName: 'by-tag', sortKey: { name: 'tag', type: 'B' }, projection: 'KEYS_ONLY' }],
    })
    try {
      expect(tableName).toMatch(/^test-[0-9a-f]{16}$/)
      const { Table: table } = await ddb.send(new DescribeTableCommand({ TableName: tableName }))
      expect(table?.TableStatus).toBe('ACTIVE')
      expect(table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['by-owner'])
      expect(table?.LocalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['by-tag'])

      const item = {
        pk: { S: 'alice' },
        sk: { N: '7' },
        owner: { S: 'bob' },
        tag: { B: Uint8Array.from([0, 1, 2, 255]) },
        data: { M: { list: { L: [{ N: '1.50' }, { NULL: true }] } } },
      }
      await ddb.send(new PutItemCommand({ TableName: tableName, Item: item }))
      const { Item: read } = await ddb.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }),
      )
      expect(read).toEqual(item)

      const { Items: byOwner } = await ddb.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: 'by-owner',
          KeyConditionExpression: '#o = :o',
          ExpressionAttributeNames: { '#o': 'owner' },
          ExpressionAttributeValues: { ':o': { S: 'bob' } },
        }),
      )
      expect(byOwner).toEqual([item])
    } finally {
      await deleteTestTable(ddb, tableName)
    }
    expect(await errorName(ddb.send(new DescribeTableCommand({ TableName: tableName })))).toBe('ResourceNotFoundException')
    await expect(deleteTestTable(ddb, tableName)).resolves.toBeUndefined()
  })

  it('gives every table a different name unless one is given', async () => {
    const options = { partitionKey: { name: 'id', type: 'B' as const } }
    const [first, second] = await Promise.all([createTestTable(ddb, options), createTestTable(ddb, options)])
    const fixed = await createTestTable(ddb, { ...options, tableName: `${first}-fixed` })
    try {
      expect(first).not.toBe(second)
      expect(fixed).toBe(`${first}-fixed`)
    } finally {
      await Promise.all([first, second, fixed].map((name) => deleteTestTable(ddb, name)))
    }
  })
})

describe('moto KMS', () => {
  const kms = createKMSClient()
  afterAll(() => kms.destroy())
  const context = { table: 'orders', purpose: 'test' }

  it('creates keys whose KeyId is a UUID and whose ARN is in us-west-2', async () => {
    const { keyId, arn } = await createKmsKey(kms, { description: 'format check' })
    expect(keyId).toMatch(UUID)
    expect(arn).toMatch(new RegExp(`^arn:aws:kms:us-west-2:\\d{12}:key/${keyId}$`))
  })

  it('generates a 32-byte data key that decrypts only under the same encryption context', async () => {
    const { keyId, arn } = await createKmsKey(kms)
    const generated = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 32, EncryptionContext: context }))
    expect(generated.Plaintext).toHaveLength(32)
    expect(generated.KeyId).toBe(arn)

    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: context }))
    expect(Buffer.from(decrypted.Plaintext ?? [])).toEqual(Buffer.from(generated.Plaintext ?? []))
    expect(decrypted.KeyId).toBe(arn)

    const otherContext = { ...context, purpose: 'other' }
    expect(await errorName(kms.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: otherContext })))).toBe(
      'InvalidCiphertextException',
    )
    expect(await errorName(kms.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob })))).toBe(
      'InvalidCiphertextException',
    )
  })

  it('refuses Decrypt naming a different KeyId with AccessDeniedException (real KMS: IncorrectKeyException)', async () => {
    const [{ keyId }, other] = await Promise.all([createKmsKey(kms), createKmsKey(kms)])
    const generated = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 32, EncryptionContext: context }))
    expect(
      await errorName(
        kms.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: context, KeyId: other.keyId })),
      ),
    ).toBe('AccessDeniedException')
  })

  it('resolves aliases by name and by ARN', async () => {
    const { keyId, arn } = await createKmsKey(kms)
    const aliasName = `alias/test-${keyId.slice(0, 8)}`
    const alias = await createKmsAlias(kms, aliasName, keyId)
    expect(alias.aliasName).toBe(aliasName)
    expect(alias.aliasArn).toMatch(new RegExp(`^arn:aws:kms:us-west-2:\\d{12}:${aliasName}$`))
    for (const id of [aliasName, alias.aliasArn]) {
      const generated = await kms.send(new GenerateDataKeyCommand({ KeyId: id, NumberOfBytes: 32 }))
      expect(generated.KeyId).toBe(arn)
    }
    await expect(createKmsAlias(kms, 'no-prefix', keyId)).rejects.toThrow(TypeError)
  })

  // moto 5.2.5 records the state (DescribeKey says Disabled) but never checks it in Encrypt/GenerateDataKey/Decrypt.
  // Tests of DisabledException handling must use a hand-written `send` fake. If this test starts failing, moto
  // has started enforcing key state: turn it into "refuses a disabled key".
  it('does not refuse a disabled key (moto limitation: DisabledException needs a fake)', async () => {
    const { keyId } = await createKmsKey(kms)
    const generated = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 32, EncryptionContext: context }))
    await disableKmsKey(kms, keyId)
    const { KeyMetadata: metadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }))
    expect(metadata?.KeyState).toBe('Disabled')
    expect(metadata?.Enabled).toBe(false)
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob, EncryptionContext: context }))
    expect(decrypted.Plaintext).toHaveLength(32)
  })

  // moto stores the key id in a fixed 36-byte field of its ciphertext, so the 40-character id of a multi-Region key
  // is truncated and nothing encrypted under one can be decrypted, in any region. MRK round trips need a fake.
  it('creates multi-Region keys (mrk-<uuid>) but cannot decrypt what they encrypt (moto limitation)', async () => {
    const { keyId, arn } = await createKmsKey(kms, { multiRegion: true })
    expect(keyId).toMatch(/^mrk-[0-9a-f-]{36}$/)
    expect(arn).toMatch(new RegExp(`^arn:aws:kms:us-west-2:\\d{12}:key/${keyId}$`))
    const { KeyMetadata: metadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }))
    expect(metadata?.MultiRegion).toBe(true)
    expect(metadata?.MultiRegionConfiguration?.MultiRegionKeyType).toBe('PRIMARY')
    const generated = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 32 }))
    expect(generated.KeyId).toBe(arn)
    expect(await errorName(kms.send(new DecryptCommand({ CiphertextBlob: generated.CiphertextBlob })))).toBe('AccessDeniedException')
  })
})

describe('Python virtualenv', () => {
  it('imports the pinned dynamodb_encryption_sdk, boto3 and moto', async () => {
    const requirements = readFileSync(join(__dirname, '..', '..', 'python', 'requirements.txt'), 'utf8')
    const pinned = (name: string): string | undefined =>
      new RegExp(`^${name}(?:\\[[^\\]]*\\])?==(\\S+)`, 'm').exec(requirements)?.[1]
    const { stdout } = await runPython(
      'import json, boto3, moto, dynamodb_encryption_sdk\n' +
        'print(json.dumps({"boto3": boto3.__version__, "moto": moto.__version__, "sdk": dynamodb_encryption_sdk.__version__}))',
    )
    const versions = JSON.parse(stdout) as Record<string, string>
    expect(versions).toEqual({ boto3: pinned('boto3'), moto: pinned('moto'), sdk: pinned('dynamodb-encryption-sdk') })
  })

  it('reaches the same moto server through the exported environment', async () => {
    const kms = createKMSClient()
    try {
      const { keyId } = await createKmsKey(kms, { description: 'seen from python' })
      const { stdout } = await runPython(
        'import os, sys, boto3\n' +
          'kms = boto3.client("kms", endpoint_url=os.environ["DDB_ENCRYPTION_KMS_ENDPOINT"])\n' +
          'print(kms.describe_key(KeyId=sys.argv[1])["KeyMetadata"]["Description"])',
        { args: [keyId] },
      )
      expect(stdout.trim()).toBe('seen from python')
    } finally {
      kms.destroy()
    }
  })

  it('fails with the end of stderr when a script fails', async () => {
    await expect(runPython('import sys\nsys.stderr.write("boom-marker\\n")\nsys.exit(3)')).rejects.toThrow(
      /exited with 3[\s\S]*boom-marker/,
    )
  })
})
