/**
 * How error messages name a place inside an item: `attribute "a" at ["b"][0]` (names only, never values).
 * @internal
 */
export function describeAttributePath(root: string | undefined, path: readonly (string | number)[]): string {
  let text = root === undefined ? 'attribute value' : `attribute "${root}"`
  if (path.length > 0) {
    text += ' at '
    for (const segment of path) text += typeof segment === 'number' ? `[${segment}]` : `["${segment}"]`
  }
  return text
}
