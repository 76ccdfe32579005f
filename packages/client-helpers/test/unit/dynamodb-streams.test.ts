/**
 * DynamoDBStreamDecryptor.decryptRecords decrypts a batch of records through core's batch API (one decryptItems call
 * per table for all images). Its contract: the same records, the same failures and the same thrown error as calling
 * decryptRecord record by record. Records are Lambda-shaped (base64 binaries): the fake stores items as wire JSON.
 */
import { PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb'
import { AttributeActions, CryptoAction } from '@ddb-encryption/core'
import { DynamoDBStreamDecryptor, EncryptedDynamoDBClient, ItemDecryptionError, type StreamRecordLike } from '@ddb-encryption/client-helpers'
import { aesHmacProvider, FakeDynamoDB, N, S } from '@ddb-encryption/testing'

type Item = Record<string, AttributeValue>
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>

const attributeActions = new AttributeActions({ attributeActions: { tag: CryptoAction.SIGN_ONLY } })
const arn = (table: string): string => `arn:aws:dynamodb:us-east-1:123456789012:table/${table}/stream/2026-12-01T00:00:00.000`

async function setup(options: { report?: boolean } = {}) {
  const fake = new FakeDynamoDB({ users: { pk: 'id' }, events: { pk: 'pk', sk: 'sk' } })
  const materialsProvider = aesHmacProvider()
  const client = EncryptedDynamoDBClient.from(fake.client, { materialsProvider, attributeActions })
  const stored = async (table: string, item: Item): Promise<Json> => {
    await client.send(new PutItemCommand({ TableName: table, Item: item }))
    const key = table === 'users' ? { id: item['id'] as AttributeValue } : { pk: item['pk'] as AttributeValue, sk: item['sk'] as AttributeValue }
    return structuredClone(fake.tables.get(table)?.get(fake.key(table, key))) as Json
  }
  const decryptor = new DynamoDBStreamDecryptor({
    materialsProvider,
    attributeActions,
    client: fake.client,
    ...(options.report === true && { onDecryptFailure: 'report' as const }),
  })
  // A stream of 12 records over both tables: inserts, modifies (both images) and removes (old image only).
  const records: StreamRecordLike[] = []
  for (let i = 0; i < 4; i += 1) {
    const first = await stored('users', { id: S(`u${i}`), secret: S(`s${i}`), tag: S('a'), list: { L: [N(String(i)), S('x')] } })
    const second = await stored('users', { id: S(`u${i}`), secret: S(`t${i}`), tag: S('b'), blob: { B: new Uint8Array([i, 1, 2]) } })
    const event = await stored('events', { pk: S(`p${i}`), sk: N(String(i)), body: { M: { n: N('1.5'), ss: { SS: ['a', 'b'] } } }, tag: S('c') })
    records.push(
      { eventID: `${i}-1`, eventName: 'MODIFY', eventSourceARN: arn('users'), dynamodb: { Keys: { id: { S: `u${i}` } }, OldImage: first, NewImage: second } },
      { eventID: `${i}-2`, eventName: 'INSERT', eventSourceARN: arn('events'), dynamodb: { NewImage: event } },
      { eventID: `${i}-3`, eventName: 'REMOVE', eventSourceARN: arn('users'), dynamodb: { OldImage: second } },
    )
  }
  return { decryptor, records }
}

/** `record` with the signed `tag` of one image changed in storage. */
function tampered(record: StreamRecordLike, which: 'NewImage' | 'OldImage'): StreamRecordLike {
  const images = record.dynamodb as Json
  return { ...record, dynamodb: { ...images, [which]: { ...images[which], tag: { S: 'forged' } } } }
}

/** The outcome of decryptRecord, record by record (the reference for decryptRecords). */
async function oneByOne(decryptor: DynamoDBStreamDecryptor, records: readonly StreamRecordLike[], report: boolean) {
  const out: StreamRecordLike[] = []
  const failed: { record: StreamRecordLike; error: ItemDecryptionError }[] = []
  for (const record of records) {
    try {
      out.push(await decryptor.decryptRecord(record))
    } catch (error) {
      if (!report || !(error instanceof ItemDecryptionError)) throw error
      failed.push({ record, error })
    }
  }
  return { records: out, failed }
}

const outcome = (promise: Promise<unknown>): Promise<unknown> => promise.then((value) => ({ value }), (error: unknown) => ({ error }))

describe('DynamoDBStreamDecryptor.decryptRecords (batch path)', () => {
  it('returns the same records as decryptRecord one by one, across tables and images', async () => {
    const { decryptor, records } = await setup()
    const batch = await decryptor.decryptRecords(records)
    expect(batch.failed).toEqual([])
    expect(batch.records).toEqual((await oneByOne(decryptor, records, false)).records)
    expect(batch.records.map((r) => r.eventID)).toEqual(records.map((r) => r.eventID))
    expect((batch.records[0]?.dynamodb as Json)['NewImage']['secret']).toEqual(S('t0'))
    expect((batch.records[1]?.dynamodb as Json)['NewImage']['body']).toEqual({ M: { n: N('1.5'), ss: { SS: ['a', 'b'] } } })
    expect((batch.records[0]?.dynamodb as Json)['Keys']).toEqual({ id: { S: 'u0' } })
  })

  it('with onDecryptFailure "report", lists the same failed records with the same errors as one by one', async () => {
    const { decryptor, records } = await setup({ report: true })
    const spoiled = records.map((r, i) => (i === 3 ? tampered(r, 'OldImage') : i === 7 ? tampered(r, 'NewImage') : i === 8 ? tampered(r, 'OldImage') : r))
    const batch = await decryptor.decryptRecords(spoiled)
    const reference = await oneByOne(decryptor, spoiled, true)
    expect(batch.records).toEqual(reference.records)
    expect(batch.failed.map((f) => f.record)).toEqual([spoiled[3], spoiled[7], spoiled[8]])
    expect(batch.failed.map((f) => f.error.key)).toEqual(reference.failed.map((f) => f.error.key))
    expect(batch.failed.map((f) => f.error.tableName)).toEqual(['users', 'events', 'users'])
    for (const { error } of batch.failed) expect(error).toBeInstanceOf(ItemDecryptionError)
  })

  it('a record whose second image fails is failed as a whole (its first image is not returned)', async () => {
    const { decryptor, records } = await setup({ report: true })
    const spoiled = [tampered(records[0] as StreamRecordLike, 'OldImage'), records[1] as StreamRecordLike]
    const batch = await decryptor.decryptRecords(spoiled)
    expect(batch.records.map((r) => r.eventID)).toEqual(['0-2'])
    expect(batch.failed.map((f) => f.record.eventID)).toEqual(['0-1'])
  })

  it('without "report", throws the error of the first failing record, as one by one', async () => {
    const { decryptor, records } = await setup()
    const spoiled = records.map((r, i) => (i === 4 ? tampered(r, 'NewImage') : i === 9 ? tampered(r, 'OldImage') : r))
    const batch = await outcome(decryptor.decryptRecords(spoiled))
    const reference = await outcome(oneByOne(decryptor, spoiled, false))
    expect(batch).toMatchObject({ error: expect.any(ItemDecryptionError) })
    expect((batch as { error: ItemDecryptionError }).error.key).toEqual({ pk: S('p1'), sk: N('1') })
    expect((batch as { error: ItemDecryptionError }).error.key).toEqual((reference as { error: ItemDecryptionError }).error.key)
  })

  it('an unreadable record ends the batch where it stands: errors of records before it come first', async () => {
    const { decryptor, records } = await setup()
    const noTable = { ...(records[2] as StreamRecordLike), eventSourceARN: undefined }
    const badBinary = { ...(records[0] as StreamRecordLike), dynamodb: { NewImage: { id: S('u9'), blob: { B: 'not base64!' } } } }
    // Integrity failure before the unreadable record: the integrity failure is thrown.
    const first = await outcome(decryptor.decryptRecords([records[0] as StreamRecordLike, tampered(records[1] as StreamRecordLike, 'NewImage'), noTable]))
    expect(first).toMatchObject({ error: expect.any(ItemDecryptionError) })
    // The unreadable record first: its typed error, naming the attribute and not the value.
    for (const bad of [noTable, badBinary]) {
      const both = await outcome(decryptor.decryptRecords([records[0] as StreamRecordLike, bad, tampered(records[1] as StreamRecordLike, 'NewImage')]))
      expect(both).toMatchObject({ error: { code: 'ERR_INVALID_ARGUMENT' } })
      expect(both).toEqual(await outcome(oneByOne(decryptor, [records[0] as StreamRecordLike, bad], false)))
    }
    // Under "report" too (it reports integrity failures, never unreadable records).
    const reporting = (await setup({ report: true })).decryptor
    await expect(reporting.decryptRecords([noTable])).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' })
  })

  it('a record whose NewImage fails its integrity check and whose OldImage is unreadable gets the NewImage error, as one by one', async () => {
    // decryptRecord decrypts NewImage before it reads OldImage: the integrity failure comes first (and is reported
    // under "report", the batch going on), not the OldImage's InvalidArgumentError.
    for (const report of [false, true]) {
      const { decryptor, records } = await setup({ report })
      const modify = tampered(records[0] as StreamRecordLike, 'NewImage')
      const mixed = { ...modify, dynamodb: { ...(modify.dynamodb as Json), OldImage: { id: S('u0'), blob: { B: 'not base64!' } } } }
      const batch = [mixed, records[1] as StreamRecordLike]
      const got = await outcome(decryptor.decryptRecords(batch))
      const reference = await outcome(oneByOne(decryptor, batch, report))
      if (report) {
        expect(got).toMatchObject({ value: { records: [{ eventID: '0-2' }], failed: [{ record: mixed }] } })
        expect(((got as { value: { failed: { error: unknown }[] } }).value.failed[0] as { error: unknown }).error).toBeInstanceOf(ItemDecryptionError)
        expect((got as { value: { records: unknown } }).value.records).toEqual((reference as { value: { records: unknown } }).value.records)
      } else {
        expect(got).toMatchObject({ error: expect.any(ItemDecryptionError) })
        expect(reference).toMatchObject({ error: expect.any(ItemDecryptionError) })
      }
    }
  })

  it('keeps records without images and an empty batch as they are', async () => {
    const { decryptor } = await setup()
    const bare: StreamRecordLike = { eventID: 'x', eventName: 'REMOVE', eventSourceARN: arn('users') }
    await expect(decryptor.decryptRecords([bare])).resolves.toEqual({ records: [bare], failed: [] })
    await expect(decryptor.decryptRecords([])).resolves.toEqual({ records: [], failed: [] })
  })
})
