import { TestApp, TestResponse } from '../support/test-app';

/**
 * A client that retries a refresh in parallel must not log itself out: within
 * REFRESH_REUSE_WINDOW_SECONDS of a token being spent, presenting it again is a 409 that leaves the
 * family alone; after the window it is a replay, and revokes the family. Never a second pair.
 */
describe('refresh token reuse window (e2e)', () => {
  let t: TestApp;

  const refresh = (refreshToken: string): Promise<TestResponse> => t.post('/api/auth/refresh', { refreshToken });

  beforeAll(async () => {
    t = await TestApp.start({ REFRESH_REUSE_WINDOW_SECONDS: '5' });
    t.clock.freeze();
  });
  afterAll(() => t.close());

  it('of parallel refreshes with one token one gets a pair, the others a 409, and the pair keeps working', async () => {
    const session = await t.newUser('parallel');
    const results = await Promise.all(Array.from({ length: 6 }, () => refresh(session.refreshToken)));
    const winners = results.filter((res) => res.status === 200);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((res) => res.status !== 200)) {
      expect({ status: loser.status, code: loser.body.code, success: loser.body.success }).toEqual({
        status: 409,
        code: 'conflict',
        success: false,
      });
      expect(loser.text).not.toContain('accessToken');
    }
    const pair = winners[0].body.data;
    expect((await t.get('/api/auth/verify', { authorization: `Bearer ${pair.accessToken}` })).status).toBe(200);
    const next = await refresh(pair.refreshToken);
    expect(next.status).toBe(200);
  });

  it('within the window a reuse spares the family; after it, a reuse revokes the family', async () => {
    const session = await t.newUser('window');
    const first = await refresh(session.refreshToken);
    expect(first.status).toBe(200);
    t.clock.advance(4_000);
    expect((await refresh(session.refreshToken)).status).toBe(409);

    t.clock.advance(1_000);
    const replay = await refresh(session.refreshToken);
    expect({ status: replay.status, code: replay.body.code }).toEqual({ status: 401, code: 'invalid_token' });
    const successor = await refresh(first.body.data.refreshToken);
    expect({ status: successor.status, code: successor.body.code }).toEqual({ status: 401, code: 'invalid_token' });
  });

  it('a revoked family stays revoked inside the window', async () => {
    const session = await t.newUser('logged-out');
    const first = await refresh(session.refreshToken);
    expect((await t.post('/api/auth/logout', { refreshToken: first.body.data.refreshToken })).status).toBe(200);
    const res = await refresh(session.refreshToken);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 401, code: 'invalid_token' });
  });

  describe('with the window disabled (0)', () => {
    let strict: TestApp;
    beforeAll(async () => {
      strict = await TestApp.start({ REFRESH_REUSE_WINDOW_SECONDS: '0' });
    });
    afterAll(() => strict.close());

    it('any reuse revokes the family at once', async () => {
      const session = await strict.newUser('strict');
      const first = await strict.post('/api/auth/refresh', { refreshToken: session.refreshToken });
      expect(first.status).toBe(200);
      const replay = await strict.post('/api/auth/refresh', { refreshToken: session.refreshToken });
      expect({ status: replay.status, code: replay.body.code }).toEqual({ status: 401, code: 'invalid_token' });
      expect((await strict.post('/api/auth/refresh', { refreshToken: first.body.data.refreshToken })).status).toBe(401);
    });
  });
});
