import { ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ControllerContext, controllerSetup, errorBody, mockService } from '../../test/support/controller-setup';
import { HealthController } from './health.controller';

describe(HealthController.name, () => {
  let ctx: ControllerContext;
  const health = mockService(HealthCheckService);
  const database = mockService(TypeOrmHealthIndicator);

  beforeAll(async () => {
    ctx = await controllerSetup(HealthController, [
      { provide: HealthCheckService, useValue: health },
      { provide: TypeOrmHealthIndicator, useValue: database },
    ]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => {
    health.resetAllMocks();
    database.resetAllMocks();
  });

  it('GET /api/health/live answers without credentials and without a rate limit', async () => {
    const res = await ctx.request('GET', '/api/health/live', { headers: { authorization: 'Bearer forged' } });
    expect([res.status, res.body]).toEqual([200, { success: true, data: { status: 'ok' } }]);
    expect(res.headers['x-ratelimit-limit']).toBeUndefined();
  });

  it('GET /api/health pings the database through terminus, without credentials', async () => {
    const result = {
      status: 'ok' as const,
      info: { database: { status: 'up' as const } },
      error: {},
      details: { database: { status: 'up' as const } },
    };
    health.check.mockImplementation(async (indicators) => {
      for (const indicator of indicators) await indicator();
      return result;
    });
    database.pingCheck.mockResolvedValue({ database: { status: 'up' } });

    const res = await ctx.request('GET', '/api/health');
    expect([res.status, res.body]).toEqual([200, { success: true, data: result }]);
    expect(database.pingCheck.mock.calls).toEqual([['database', { timeout: 2000 }]]);
    expect(res.headers['x-ratelimit-limit']).toBeUndefined();
  });

  it('GET /api/health answers 503 service_unavailable in the error envelope when terminus reports the database down', async () => {
    health.check.mockRejectedValue(new ServiceUnavailableException({ status: 'error', error: { database: { status: 'down' } } }));
    const res = await ctx.request('GET', '/api/health');
    expect([res.status, res.body]).toEqual([503, errorBody('service_unavailable')]);
  });
});
