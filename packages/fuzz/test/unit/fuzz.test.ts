/**
 * The seeded smoke run of `pnpm fuzz` (the full run, at least 1,000,000 inputs, is not part of the tests): mutated
 * items through decryptItem for every provider kind, decryptDocument, the deserializers and the providers.
 */
import { formatReport, isClean, runFuzz } from '../../src/index'

describe('runFuzz (seeded smoke run)', () => {
  it('10,000 mutated inputs: only typed errors, no hang, nothing tampered decrypts, no value in a message', async () => {
    const report = await runFuzz({ iterations: 10_000, seed: 20261130 })
    expect({ clean: isClean(report), report: formatReport(report) }).toEqual({ clean: true, report: expect.any(String) })
    expect(report.untypedErrors).toBe(0)
    expect(report.hangs).toBe(0)
    expect(report.tamperedAndDecrypted).toBe(0)
    expect(report.valueInMessage).toBe(0)
    expect(report.malformedAccepted).toBe(0)
    // Every kind of target was reached, and the failures are the ones each mutation should cause.
    expect(Object.keys(report.targets)).toEqual(expect.arrayContaining([
      'decryptItem (static AES + HMAC)', 'decryptItem (wrapped AES)', 'decryptItem (wrapped RSA)', 'decryptItem (Direct KMS)',
      'decryptItem (most recent)', 'decryptDocument', 'deserializeAttribute', 'deserializeMaterialDescription', 'provider (Direct KMS)',
    ]))
    for (const code of ['ERR_SIGNATURE_VERIFICATION_FAILED', 'ERR_DESERIALIZATION', 'ERR_INVALID_MATERIAL_DESCRIPTION', 'ERR_UNWRAPPING_FAILED', 'ERR_DECRYPTION_FAILED', 'ERR_INVALID_ARGUMENT']) {
      expect(report.typedErrors[code]).toBeGreaterThan(0)
    }
    expect(report.succeeded).toBeGreaterThan(0)
  }, 180_000)

  it('is reproducible: the same seed gives the same inputs (targets and mutations), another seed others', async () => {
    const [a, b, c] = [await runFuzz({ iterations: 1500, seed: 7 }), await runFuzz({ iterations: 1500, seed: 7 }), await runFuzz({ iterations: 1500, seed: 8 })]
    expect(b.inputsDigest).toBe(a.inputsDigest)
    expect(b.targets).toEqual(a.targets)
    expect(c.inputsDigest).not.toBe(a.inputsDigest)
    for (const report of [a, b, c]) expect(isClean(report)).toBe(true)
  }, 180_000)
})
