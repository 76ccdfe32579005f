/**
 * Entry point of an {@link EncryptorPool} worker thread: loads the pool's config module, builds each named config
 * once (its own providers, keys and clients) and runs the chunks of items it is sent, one item at a time.
 * @internal
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { Item } from '../attribute-value'
import type { CryptoConfig } from '../encryptor/crypto-config'
import { decryptItem } from '../encryptor/decrypt-item'
import { encryptItem } from '../encryptor/encrypt-item'
import { loadConfigFactory, type CryptoConfigFactory } from './config-module'
import { sendableError, type TaskMessage, type WorkerData, type WorkerMessage } from './pool-messages'

const port = parentPort
if (port === null) throw new Error('pool-worker runs only as a worker thread of an EncryptorPool')
const { configModule, configData } = workerData as WorkerData

const configs = new Map<string, Promise<CryptoConfig>>()

function post(message: WorkerMessage): void {
  port?.postMessage(message)
}

async function run(factory: CryptoConfigFactory, task: TaskMessage): Promise<void> {
  let config = configs.get(task.configName)
  if (config === undefined) {
    config = Promise.resolve(factory(task.configName, configData))
    configs.set(task.configName, config)
  }
  const operation = task.operation === 'encrypt' ? encryptItem : decryptItem
  const out: Item[] = new Array<Item>(task.items.length)
  let index = 0
  try {
    const resolved = await config
    for (; index < task.items.length; index++) out[index] = await operation(task.items[index] as Item, resolved)
  } catch (error) {
    post({ type: 'failed', id: task.id, index, error: sendableError(error) })
    return
  }
  post({ type: 'done', id: task.id, items: out })
}

loadConfigFactory(configModule).then(
  (factory) => {
    // Tasks arrive one at a time per worker (the pool waits for each answer), so they never overlap here.
    port.on('message', (task: TaskMessage) => void run(factory, task))
    post({ type: 'ready' })
  },
  (error: unknown) => post({ type: 'start-failed', error: sendableError(error) }),
)
