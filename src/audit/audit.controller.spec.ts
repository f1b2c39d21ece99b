import { ROLE_SCOPES } from '../access/scopes';
import {
  ADMIN_ID,
  ControllerContext,
  USER_ID,
  adminJwt,
  apiKey,
  callsTo,
  controllerSetup,
  errorBody,
  mockService,
  userJwt,
} from '../../test/support/controller-setup';
import { auditEvent } from '../../test/support/controller-fixtures';
import { AuditController, CSV_EXPORT_LIMIT } from './audit.controller';
import { AuditService } from './audit.service';
import { toAuditEventDto } from './dto/audit-event.dto';

describe(AuditController.name, () => {
  let ctx: ControllerContext;
  const service = mockService(AuditService);
  const auth = () => ctx.as(adminJwt());
  const url = '/api/admin/audit-events';

  beforeAll(async () => {
    ctx = await controllerSetup(AuditController, [{ provide: AuditService, useValue: service }]);
  });
  afterAll(() => ctx.close());
  beforeEach(() => service.resetAllMocks());

  it('answers 401 unauthorized without credentials', async () => {
    const res = await ctx.request('GET', url);
    expect([res.status, res.body]).toEqual([401, errorBody('unauthorized')]);
    expect(callsTo(service)).toEqual([]);
  });

  it('answers 403 forbidden to a user, by JWT or key', async () => {
    for (const caller of [userJwt(), apiKey([...ROLE_SCOPES.user])]) {
      const res = await ctx.request('GET', url, { headers: ctx.as(caller) });
      expect([res.status, res.body]).toEqual([403, errorBody('forbidden')]);
    }
    expect(callsTo(service)).toEqual([]);
  });

  it('answers 403 insufficient_scope to an admin’s key without admin:all', async () => {
    const res = await ctx.request('GET', url, { headers: ctx.as(apiKey(['read:*'], { userId: ADMIN_ID, role: 'admin' })) });
    expect([res.status, res.body]).toEqual([403, errorBody('insufficient_scope', { error: 'Missing required scope: admin:all' })]);
    expect(callsTo(service)).toEqual([]);
  });

  it('reads a page with the parsed filters and maps the events into the paginated envelope', async () => {
    const event = auditEvent();
    service.find.mockResolvedValue({ items: [event], total: 21 });
    const res = await ctx.request('GET', `${url}?actorId=${USER_ID}&action=key.created&from=2026-01-01T00:00:00Z&page=2&limit=10`, {
      headers: auth(),
    });

    expect([res.status, res.body]).toEqual([
      200,
      { success: true, data: [toAuditEventDto(event)], meta: { page: 2, limit: 10, total: 21 } },
    ]);
    expect(res.body.data[0].occurredAt).toBe('2026-01-01T00:00:00.000Z');
    expect(service.find.mock.calls).toEqual([
      [expect.objectContaining({ actorId: USER_ID, action: 'key.created', from: new Date('2026-01-01T00:00:00Z'), skip: 10, take: 10 })],
    ]);
  });

  it('exports every match as CSV with format=csv', async () => {
    service.find.mockResolvedValue({ items: [auditEvent()], total: 1 });
    const res = await ctx.request('GET', `${url}?format=csv&page=3`, { headers: auth() });

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe('attachment; filename="audit-events.csv"');
    const [header, row] = res.text.split('\r\n');
    expect(header).toBe('id,occurredAt,action,actorType,actorId,actorKeyId,targetType,targetId,ip,userAgent,requestId,changes');
    expect(row).toContain('key.created');
    expect(service.find.mock.calls).toEqual([[expect.objectContaining({ skip: 0, take: CSV_EXPORT_LIMIT })]]);
  });

  it.each([
    ['actorId=ada', 'actorId'],
    ['targetId=1', 'targetId'],
    ['action=key.exploded', 'action'],
    ['from=yesterday', 'from'],
    ['to=2026-13-45', 'to'],
    ['format=xml', 'format'],
    ['limit=1000', 'limit'],
    ['actor=ada', 'actor'],
  ])('refuses ?%s with 400 naming %s', async (query, field) => {
    const res = await ctx.request('GET', `${url}?${query}`, { headers: auth() });
    expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
    expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect(callsTo(service)).toEqual([]);
  });
});
