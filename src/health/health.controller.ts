import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../access/auth.decorators';
import { ApiErrors } from '../core/openapi/api-responses.decorator';
import { SkipRateLimit } from '../rate-limit/rate-limit.decorators';

@ApiTags('health')
@Controller('health')
@Public()
@SkipRateLimit()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: the database answers' })
  @ApiErrors(503)
  readiness(): Promise<HealthCheckResult> {
    return this.health.check([() => this.database.pingCheck('database', { timeout: 2000 })]);
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process serves requests (no dependencies checked)' })
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
