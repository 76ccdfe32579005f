import type { AttributeValue } from '@aws-sdk/client-dynamodb'

export { WireFake as FakeDynamoDB } from './wire-fake'

/** Shorthand for a low-level S value. */
export const S = (s: string): AttributeValue => ({ S: s })
/** Shorthand for a low-level N value. */
export const N = (n: string): AttributeValue => ({ N: n })
