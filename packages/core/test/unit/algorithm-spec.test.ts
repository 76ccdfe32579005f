import { parseAlgorithmSpec } from '../../src/index'

describe('parseAlgorithmSpec', () => {
  it.each([
    ['AES', { algorithm: 'AES', bits: undefined }],
    ['AES/256', { algorithm: 'AES', bits: 256 }],
    ['AES/128', { algorithm: 'AES', bits: 128 }],
    ['HmacSHA256/8', { algorithm: 'HmacSHA256', bits: 8 }],
    ['HmacSHA512/999999', { algorithm: 'HmacSHA512', bits: 999999 }],
  ])('parses %p', (text, expected) => {
    expect(parseAlgorithmSpec(text)).toEqual(expected)
  })

  it.each(['', '/256', 'AES/', 'AES/0128', 'AES/0', 'AES/+128', 'AES/ 128', 'AES/128 ', 'AES/12.8', 'AES/1e3', 'AES/128/x', 'AES/1000000'])(
    'refuses %p (odd spellings are not guessed)',
    (text) => {
      expect(parseAlgorithmSpec(text)).toBeUndefined()
    },
  )

  it('refuses a value that is not a string', () => {
    expect(parseAlgorithmSpec(256 as unknown as string)).toBeUndefined()
  })
})
