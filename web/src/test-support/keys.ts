/**
 * A key-shaped value for the tests, built when they run: `argus_` and 43 characters, the length of a
 * real key, so the pages lay it out as they would one. It is not a key and never matches one.
 */
export function fakeKey(tag: string): string {
  return `argus_${tag}`.padEnd(49, 'x');
}
