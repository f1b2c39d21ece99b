import { parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['900', 900],
    ['900s', 900],
    ['15m', 900],
    ['1h', 3600],
    ['7d', 604_800],
    ['0', 0],
    [' 1h ', 3600],
    ['2 m', 120],
  ])('parses %p as %d seconds', (raw, seconds) => {
    expect(parseDuration(raw)).toBe(seconds);
  });

  it.each(['', 'forever', '1.5h', '-1', '1w', '1H', 'h', '1hh', '1h30m', '10ms'])('rejects %p', (raw) => {
    expect(parseDuration(raw)).toBeUndefined();
  });
});
