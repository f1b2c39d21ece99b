import { FieldError } from '../errors/app.exception';

/** How deeply objects and arrays may nest in a body (the top-level object is depth 1). */
export const MAX_INPUT_DEPTH = 32;

/**
 * NUL (PostgreSQL text cannot hold it) and unpaired UTF-16 surrogates (no valid UTF-8 exists for
 * them: PostgreSQL refuses them in json, and a text column would get U+FFFD instead).
 */
const UNSTORABLE = /[\0\p{Cs}]/u;

/**
 * The first part of a parsed body or query that Argus refuses before validation: a string (or
 * object key) PostgreSQL cannot store, or containers nested deeper than `maxDepth`. Walked with an
 * explicit stack, so hostile nesting cannot overflow the call stack here, and stops at the first
 * problem. `undefined` when the input is fine.
 */
export function findUnstorableInput(input: unknown, maxDepth = MAX_INPUT_DEPTH): FieldError | undefined {
  const pending: Entry[] = [{ value: input, key: '', parent: undefined, depth: 0 }];
  while (pending.length > 0) {
    const entry = pending.pop()!;
    const { value } = entry;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) return unstorable(pathOf(entry));
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (entry.depth >= maxDepth) {
      const field = pathOf(entry)[0];
      return { field, messages: [`${field} is nested deeper than ${maxDepth} levels`] };
    }
    const depth = entry.depth + 1;
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--)
        pending.push({ value: value[index], key: String(index), parent: entry, depth });
      continue;
    }
    const keys = Object.keys(value);
    for (const key of keys) if (UNSTORABLE.test(key)) return unstorable([...pathOf(entry), escaped(key)]);
    for (let index = keys.length - 1; index >= 0; index--) {
      pending.push({ value: (value as Record<string, unknown>)[keys[index]], key: keys[index], parent: entry, depth });
    }
  }
  return undefined;
}

/** A value still to look at; its path is rebuilt from the parents only when it is reported. */
interface Entry {
  value: unknown;
  key: string;
  parent: Entry | undefined;
  depth: number;
}

function pathOf(entry: Entry): string[] {
  const path: string[] = [];
  for (let at: Entry | undefined = entry; at?.parent !== undefined; at = at.parent) path.unshift(at.key);
  return path;
}

function unstorable(path: string[]): FieldError {
  const field = path.length > 0 ? path.join('.') : 'body';
  return { field, messages: [`${field} must not contain NUL characters or unpaired surrogates`] };
}

/** A key as it can be shown back: its unstorable characters written as `\uXXXX`. */
function escaped(key: string): string {
  return key.replace(/[\0\p{Cs}]/gu, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
