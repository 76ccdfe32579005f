/**
 * Region of a KMS key or alias ARN: the 4th `:`-separated field (`arn:aws:kms:us-west-2:...`), as the Python
 * client reads it. Bare key ids (`1234abcd-...`, `mrk-...`) and alias names (`alias/x`) carry no region.
 * @internal
 */
export function regionFromKeyId(keyId: string): string | undefined {
  if (!keyId.startsWith('arn:')) return undefined
  const region = keyId.split(':')[3]
  return region === undefined || region === '' ? undefined : region
}

/** True for a key ARN (`arn:<partition>:kms:<region>:<account>:key/<id>`), not an alias ARN. @internal */
export function isKeyArn(keyId: string): boolean {
  return /^arn:[a-z0-9-]+:kms:[a-z0-9-]+:[0-9]*:key\/[^:/]+$/.test(keyId)
}
