import type { BatchWriteItemCommandInput, BatchWriteItemCommandOutput, WriteRequest } from '@aws-sdk/client-dynamodb'
import { InvalidArgumentError, type Item, retry, setOwn } from '@ddb-encryption/core'
import { encryptAll } from '../item-crypto'
import { checkKey } from '../policy'
import type { ResolvedTable } from '../table-registry'
import { entriesOf, type Operation } from './operation'
import { keyString } from './shared'

type Requests = Record<string, WriteRequest[]>

function hasRemaining(requests: Requests | undefined): boolean {
  return requests !== undefined && Object.values(requests).some((r) => r.length > 0)
}

/**
 * BatchWriteItem: every put encrypted and every delete key checked before anything is sent (a batch never leaves
 * half-encrypted); unprocessed items are retried as configured (`batchWriteRetry`) with the already encrypted
 * requests, and what remains is returned as the caller's own plaintext requests.
 */
export const batchWriteItem: Operation<BatchWriteItemCommandInput, BatchWriteItemCommandOutput> = {
  name: 'BatchWriteItem',
  *writtenItems(input) {
    for (const [tableName, requests] of entriesOf(input.RequestItems)) {
      for (const request of requests) if (request.PutRequest !== undefined) yield { tableName, item: request.PutRequest.Item }
    }
  },
  returnedItems: () => [],
  async prepare(input, env) {
    const requests = input.RequestItems ?? {}
    const tables = await env.tables.resolveAll(Object.keys(requests))
    const jobs: { name: string; table: ResolvedTable; request: WriteRequest }[] = []
    for (const [name, list] of entriesOf(requests)) {
      const table = tables.get(name) as ResolvedTable
      for (const request of list) {
        if (request.PutRequest === undefined && request.DeleteRequest === undefined) {
          throw new InvalidArgumentError(`A write request for table "${name}" has neither PutRequest nor DeleteRequest`)
        }
        if (request.DeleteRequest !== undefined) checkKey(table, request.DeleteRequest.Key, 'DeleteRequest.Key')
        jobs.push({ name, table, request })
      }
    }
    // Every put of the request through core's batch API, one call per table (encryptAll).
    const puts = jobs.flatMap((job) => (job.request.PutRequest !== undefined ? [{ table: job.table, item: job.request.PutRequest.Item }] : []))
    const items = await encryptAll(puts, env.settings.concurrency)
    let put = 0
    const encrypted = jobs.map(({ request }): WriteRequest =>
      request.PutRequest === undefined ? request : { ...request, PutRequest: { ...request.PutRequest, Item: items[put++] as Item } })
    // Unprocessed puts are matched back by primary key (never encrypted) to our encrypted and the caller's requests.
    const byKey = new Map<string, { sent: WriteRequest; original: WriteRequest }>()
    const sent: Requests = {}
    jobs.forEach((job, i) => {
      const request = encrypted[i] as WriteRequest
      if (!Object.prototype.hasOwnProperty.call(sent, job.name)) setOwn<WriteRequest[]>(sent, job.name, [])
      sent[job.name]?.push(request)
      if (request.PutRequest?.Item !== undefined) byKey.set(keyString(job.table, request.PutRequest.Item as Item), { sent: request, original: job.request })
    })
    let pending: Requests | undefined
    const match = (name: string, request: WriteRequest): { sent: WriteRequest; original: WriteRequest } => {
      const table = tables.get(name)
      if (request.PutRequest?.Item === undefined || table === undefined) return { sent: request, original: request }
      const found = byKey.get(keyString(table, request.PutRequest.Item as Item))
      if (found === undefined) throw new InvalidArgumentError(`DynamoDB returned an unprocessed put for table "${name}" that matches no request; retry the whole batch`)
      return found
    }
    return {
      input: { ...input, RequestItems: sent },
      async output(output) {
        pending = undefined
        if (!hasRemaining(output.UnprocessedItems)) return output
        const retry: Requests = {}
        const caller: Requests = {}
        for (const [name, list] of entriesOf(output.UnprocessedItems)) {
          const matched = list.map((request) => match(name, request))
          setOwn(retry, name, matched.map((m) => m.sent))
          setOwn(caller, name, matched.map((m) => m.original))
        }
        pending = retry
        return { ...output, UnprocessedItems: caller }
      },
      send: (sendOnce) => retry(env.settings.batchWriteRetry,
        (previous) => sendOnce(previous === undefined ? { ...input, RequestItems: sent } : { ...input, RequestItems: pending ?? {} }),
        () => hasRemaining(pending)),
    }
  },
}
