import { MAX_INPUT_DEPTH, findUnstorableInput } from './storable-input';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

describe('findUnstorableInput', () => {
  it('accepts ordinary input, including paired surrogates (emoji) and other control characters', () => {
    expect(findUnstorableInput({ name: 'Ada 😀 \t\n\u0001', tags: ['a', { b: [1, true, null] }] })).toBeUndefined();
    expect(findUnstorableInput(undefined)).toBeUndefined();
    expect(findUnstorableInput('plain')).toBeUndefined();
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', '\udc00'],
    ['a high surrogate at the end', 'x\ud83d'],
  ])('refuses %s and names the field path', (_label, bad) => {
    expect(findUnstorableInput({ ok: 'fine', rotationPolicy: { list: ['x', bad] } })).toEqual({
      field: 'rotationPolicy.list.1',
      messages: ['rotationPolicy.list.1 must not contain NUL characters or unpaired surrogates'],
    });
  });

  it('refuses an unstorable object key, shown escaped', () => {
    expect(findUnstorableInput({ outer: { 'a\u0000b': 1 } })?.field).toBe('outer.a\\u0000b');
  });

  it('names the body itself when the whole body is a bad string', () => {
    expect(findUnstorableInput('\u0000')?.field).toBe('body');
  });

  it('accepts nesting up to the limit and refuses one level more, naming the top-level field', () => {
    expect(findUnstorableInput({ scopes: nested(MAX_INPUT_DEPTH - 1) })).toBeUndefined();
    expect(findUnstorableInput({ scopes: nested(MAX_INPUT_DEPTH) })).toEqual({
      field: 'scopes',
      messages: [`scopes is nested deeper than ${MAX_INPUT_DEPTH} levels`],
    });
  });

  it('walks hostile nesting without recursion (no stack overflow at 1,000,000 levels)', () => {
    expect(findUnstorableInput({ scopes: nested(1_000_000) }, 2_000_000)).toBeUndefined();
    expect(findUnstorableInput({ scopes: nested(1_000_000) })?.field).toBe('scopes');
  });

  it('reports the first problem in document order', () => {
    expect(findUnstorableInput({ a: 'ok', b: '\u0000', c: '\u0000' })?.field).toBe('b');
  });
});
