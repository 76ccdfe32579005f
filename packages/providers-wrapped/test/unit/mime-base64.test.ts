/**
 * Issue 9: older Java clients wrote `amzn-ddb-env-key` as MIME base64 and both references read it leniently
 * (Java's MIME decoder, Python's b64decode skip CR, LF and every other character outside the alphabet). Items whose
 * wrapped key is spelled that way must decrypt with the wrapped provider, for AES and RSA wrapping keys.
 */
import { decryptItem, encryptItem, MaterialDescriptionKey, type Item } from '@ddb-encryption/core'
import { WrappedMaterialsProvider } from '../../src/wrapped-materials-provider'
import { aesKey, hmacKey, rsaKeys } from '../support/keys'
import { descriptionOf, withDescription } from '@ddb-encryption/testing'
import { configFor } from '../support/items'

const ENV_KEY = MaterialDescriptionKey.WrappedDataKey

const PLAINTEXT: Item = Object.freeze({ pk: { S: 'customer#1' }, sk: { N: '7' }, card: { S: '4111 1111 1111 1111' }, tags: { SS: ['a', 'b'] } })

const lines = (text: string, width: number): string[] => text.match(new RegExp(`.{1,${width}}`, 'g')) ?? []
/** The spellings old writers produced for the same bytes. */
const SPELLINGS: ReadonlyArray<readonly [string, (canonical: string) => string]> = [
  // java.util.Base64.getMimeEncoder(): 76-character lines separated by CRLF, none after the last.
  ['MIME (76-character lines, CRLF between)', (t) => lines(t, 76).join('\r\n')],
  // Apache commons-codec 1.4 encodeBase64String (chunked): CRLF after every line, the last one included.
  ['chunked (CRLF after every 76-character line)', (t) => lines(t, 76).map((l) => `${l}\r\n`).join('')],
  ['32-character lines separated by LF', (t) => lines(t, 32).join('\n')],
  ['CRLF every 4 characters and around the text', (t) => `\r\n${lines(t, 4).join('\r\n')}\r\n`],
]

describe.each([
  ['AES-256 KEK (AESWrap)', () => { const kek = aesKey(256); return new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey: hmacKey() }) }],
  ['AES-128 KEK (AESWrap)', () => { const kek = aesKey(128); return new WrappedMaterialsProvider({ wrappingKey: kek, unwrappingKey: kek, signingKey: hmacKey() }) }],
  ['RSA-2048 (OAEP)', () => { const rsa = rsaKeys('RSA'); return new WrappedMaterialsProvider({ wrappingKey: rsa.publicKey, unwrappingKey: rsa.privateKey, signingKey: hmacKey() }) }],
] as const)('WrappedMaterialsProvider, %s: items whose env-key is MIME base64 decrypt', (_label, makeProvider) => {
  const provider = makeProvider()
  let stored: Item
  let canonical: string

  beforeAll(async () => {
    stored = await encryptItem(PLAINTEXT, configFor(provider))
    canonical = descriptionOf(stored)[ENV_KEY] as string
  })

  // A 40-byte AESWrap key is 56 characters: Java's MIME encoder writes it on one line, exactly as canonical base64
  // (every other test reads that); the other spellings break it.
  it.each(SPELLINGS)('%s', async (spelling, spell) => {
    const text = spell(canonical)
    if (canonical.length <= 76 && spelling.startsWith('MIME')) {
      expect(text).toBe(canonical)
      return
    }
    expect(text).toMatch(/[\r\n]/)
    // RSA-2048: 256 bytes, 344 characters, five MIME lines.
    if (spelling.startsWith('MIME')) expect(text.split('\r\n')).toHaveLength(5)
    const item = withDescription(stored, { ...descriptionOf(stored), [ENV_KEY]: text })
    expect(await decryptItem(item, configFor(provider))).toEqual(PLAINTEXT)
  })
})
