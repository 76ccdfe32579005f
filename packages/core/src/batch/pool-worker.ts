/**
 * Entry point of an {@link EncryptorPool} worker thread: loads the pool's config module, builds each named config
 * once (its own providers, keys and clients) and runs the chunks of items it is sent, one chunk and one item at a
 * time, answering each chunk with its results encoded in one transferred buffer.
 * @internal
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { Item } from '../attribute-value'
import type { CryptoConfig } from '../encryptor/crypto-config'
import { decryptItemWith } from '../encryptor/decrypt-item'
import { encryptItem } from '../encryptor/encrypt-item'
import { DecryptionError, EncryptionError } from '../errors'
import { loadConfigFactory, type CryptoConfigFactory } from './config-module'
import { PlaintextStash, TransportReader, TransportWriter, type TopLevel } from './item-transport'
import { sendableError, type TaskMessage, type WorkerData, type WorkerMessage } from './pool-messages'

const port = parentPort
if (port === null) throw new Error('pool-worker runs only as a worker thread of an EncryptorPool')
const { configModule, configData } = workerData as WorkerData

const configs = new Map<string, Promise<CryptoConfig>>()
/** Decrypted plaintexts travel as bytes, parsed by the thread that owns the pool (item-transport.ts). */
const stash = new PlaintextStash()
const decryptSending = (item: Item, config: CryptoConfig): Promise<Item> => decryptItemWith(item, config, stash.keep)

async function run(factory: CryptoConfigFactory, task: TaskMessage): Promise<void> {
  let config = configs.get(task.configName)
  if (config === undefined) {
    // Built inside a promise: a factory that throws fails the chunk's first item instead of the thread.
    config = Promise.resolve().then(() => factory(task.configName, configData))
    configs.set(task.configName, config)
  }
  const encrypt = task.operation === 'encrypt'
  const operation = encrypt ? encryptItem : decryptSending
  // Each item's attributes as read, so that its result is written as its difference from it.
  const input: TopLevel = { names: [], values: [] }
  const reader = new TransportReader(task.buffer, task.length, input)
  // Results are about the size of the items (encryption adds ~130 bytes per item: IVs, padding, signature, description).
  const writer = new TransportWriter(task.length + task.count * 192)
  let index = 0
  try {
    const resolved = await config
    for (; index < task.count; index++) {
      let result: Item
      stash.item = index
      try {
        result = await operation(reader.item(), resolved)
      } catch (error) {
        // The stash holds the plaintexts of the chunk's items so far (kept until the chunk is done): an earlier
        // item whose plaintext does not parse fails first, as in-thread (lowest index), and so does an earlier
        // attribute of this item.
        const earlier = encrypt ? undefined : stash.earlierFailure()
        if (earlier === undefined) throw error
        index = earlier.item
        throw earlier.error
      }
      if (!writer.tryResult(result, input)) {
        // Our encryptor's results are always plain items; this would be a bug, reported as the item's failure.
        const message = 'The EncryptorPool worker could not send back an item it processed'
        throw encrypt ? new EncryptionError(message) : new DecryptionError(message)
      }
    }
  } catch (error) {
    writer.wipe()
    port?.postMessage({ type: 'failed', id: task.id, index, error: sendableError(error) } satisfies WorkerMessage)
    return
  } finally {
    // The request held plaintext (encrypt) or signed-only attributes next to ciphertext (decrypt); the stash the
    // chunk's decrypted plaintexts.
    stash.reset()
    reader.wipe()
  }
  const buffer = writer.transfer()
  port?.postMessage({ type: 'done', id: task.id, buffer, length: writer.position } satisfies WorkerMessage, [buffer])
}

loadConfigFactory(configModule).then(
  (factory) => {
    // The pool keeps up to two chunks in flight per worker so the thread never waits for the next one; they run one
    // after the other here.
    let previous = Promise.resolve()
    port.on('message', (task: TaskMessage) => {
      previous = previous.then(() => run(factory, task))
    })
    port.postMessage({ type: 'ready' } satisfies WorkerMessage)
  },
  (error: unknown) => port.postMessage({ type: 'start-failed', error: sendableError(error) } satisfies WorkerMessage),
)
