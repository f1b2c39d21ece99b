import { SeenMessages } from './seen-messages';

describe('SeenMessages', () => {
  it('accepts an id once, and a repeat within the lifetime not again', () => {
    const seen = new SeenMessages();
    expect(seen.first('a')).toBe(true);
    expect(seen.first('b')).toBe(true);
    expect(seen.first('a')).toBe(false);
  });

  it('forgets ids after their lifetime, and keeps at most maxEntries', () => {
    let now = 0;
    const seen = new SeenMessages(3, 1000, () => now);
    seen.first('old');
    now = 1500;
    expect(seen.first('old')).toBe(true);
    for (const id of ['x', 'y', 'z']) seen.first(id);
    expect(seen.first('old')).toBe(true); // evicted as the oldest of four
  });
});
