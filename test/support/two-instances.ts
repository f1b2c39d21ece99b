import { RedisServer } from './redis-server';
import { TestApp } from './test-app';

/**
 * Two instances of the app on one database, sharing a Redis of the test's own (which the test may
 * stop, restart or freeze): what a multi-instance deployment shares, in one process.
 */
export class TwoInstances {
  private constructor(
    readonly redis: RedisServer,
    readonly a: TestApp,
    readonly b: TestApp,
  ) {}

  /** `env` for both instances; REDIS_URL is the test's own Redis. */
  static async start(env: Record<string, string> = {}): Promise<TwoInstances> {
    const redis = await RedisServer.start();
    const shared = { ...env, REDIS_URL: redis.url };
    let a: TestApp | undefined;
    try {
      a = await TestApp.start(shared);
      const b = await TestApp.start(shared, a.databaseUrl);
      return new TwoInstances(redis, a, b);
    } catch (error) {
      await a?.close();
      await redis.stop();
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.b.close();
    await this.a.close();
    await this.redis.stop();
  }
}
