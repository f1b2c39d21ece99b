import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScopes } from '../access/auth.decorators';
import { Principal } from '../access/principal';
import { PaginationQueryDto } from '../core/dto/pagination-query.dto';
import { Envelope } from '../core/http/envelope';
import { ParseIdPipe } from '../core/http/parse-uuid.pipe';
import { validationFailed } from '../core/errors/app.exception';
import { ApiEnvelope, ApiErrors } from '../core/openapi/api-responses.decorator';
import {
  CreateWebhookDto,
  CreatedWebhookResponseDto,
  RedeliveredDto,
  UpdateWebhookDto,
  WebhookDeliveryDto,
  WebhookResponseDto,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

const ParseDeliveryIdPipe = new ParseUUIDPipe({
  exceptionFactory: () => validationFailed([{ field: 'deliveryId', messages: ['deliveryId must be a UUID'] }]),
});

export const TEST_EVENT_QUEUED_MESSAGE = 'Test event queued';
export const WEBHOOK_CREATED_MESSAGE = 'Webhook created. Save the secret now - it cannot be retrieved again.';

@ApiTags('webhooks')
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @RequireScopes('write:webhooks')
  @ApiOperation({ summary: 'Register a webhook endpoint', description: 'The signing secret is in this response only.' })
  @ApiEnvelope(CreatedWebhookResponseDto, { status: HttpStatus.CREATED, message: WEBHOOK_CREATED_MESSAGE })
  @ApiErrors(400)
  async createWebhook(@CurrentPrincipal() caller: Principal, @Body() dto: CreateWebhookDto): Promise<Envelope<CreatedWebhookResponseDto>> {
    return new Envelope(await this.webhooks.createWebhook(caller.userId, dto), WEBHOOK_CREATED_MESSAGE);
  }

  @Get()
  @RequireScopes('read:webhooks')
  @ApiOperation({ summary: 'List your webhook endpoints' })
  @ApiEnvelope(WebhookResponseDto, { paginated: true })
  @ApiErrors(400)
  async listWebhooks(@CurrentPrincipal() caller: Principal, @Query() page: PaginationQueryDto): Promise<Envelope<WebhookResponseDto[]>> {
    const { items, total } = await this.webhooks.listWebhooks(caller.userId, page);
    return Envelope.page(items, page.meta(total));
  }

  @Get(':id')
  @RequireScopes('read:webhooks')
  @ApiOperation({ summary: 'Get one of your webhook endpoints' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(WebhookResponseDto)
  @ApiErrors(400, 404)
  getWebhook(@CurrentPrincipal() caller: Principal, @Param('id', ParseIdPipe) id: string): Promise<WebhookResponseDto> {
    return this.webhooks.getWebhook(caller.userId, id);
  }

  @Patch(':id')
  @RequireScopes('write:webhooks')
  @ApiOperation({ summary: 'Change the URL or events of an endpoint, or (re-)enable it' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(WebhookResponseDto)
  @ApiErrors(400, 404)
  updateWebhook(
    @CurrentPrincipal() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Body() dto: UpdateWebhookDto,
  ): Promise<WebhookResponseDto> {
    return this.webhooks.updateWebhook(caller.userId, id, dto);
  }

  @Delete(':id')
  @RequireScopes('delete:webhooks')
  @ApiOperation({ summary: 'Remove an endpoint (its pending deliveries go with it)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(null, { message: 'Webhook deleted' })
  @ApiErrors(400, 404)
  async deleteWebhook(@CurrentPrincipal() caller: Principal, @Param('id', ParseIdPipe) id: string): Promise<Envelope<null>> {
    await this.webhooks.deleteWebhook(caller.userId, id);
    return new Envelope(null, 'Webhook deleted');
  }

  @Get(':id/deliveries')
  @RequireScopes('read:webhooks')
  @ApiOperation({ summary: 'Delivery attempts of an endpoint, newest first' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(WebhookDeliveryDto, { paginated: true })
  @ApiErrors(400, 404)
  async listDeliveries(
    @CurrentPrincipal() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Query() page: PaginationQueryDto,
  ): Promise<Envelope<WebhookDeliveryDto[]>> {
    const { items, total } = await this.webhooks.listDeliveries(caller.userId, id, page);
    return Envelope.page(items, page.meta(total));
  }

  @Post(':id/deliveries/redeliver')
  @HttpCode(HttpStatus.ACCEPTED)
  @RequireScopes('write:webhooks')
  @ApiOperation({
    summary: 'Send every failed delivery of an endpoint again',
    description: 'Each goes back to `pending` on a fresh retry schedule, with its original `webhook-id`.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(RedeliveredDto, { status: HttpStatus.ACCEPTED, message: 'Failed deliveries requeued' })
  @ApiErrors(400, 404)
  async redeliverFailed(@CurrentPrincipal() caller: Principal, @Param('id', ParseIdPipe) id: string): Promise<Envelope<RedeliveredDto>> {
    return new Envelope({ requeued: await this.webhooks.redeliverFailed(caller.userId, id) }, 'Failed deliveries requeued');
  }

  @Post(':id/test')
  @HttpCode(HttpStatus.ACCEPTED)
  @RequireScopes('write:webhooks')
  @ApiOperation({
    summary: 'Send a test event to an endpoint',
    description:
      'Queues a `webhook.test` delivery to this endpoint only, whatever events it subscribes to; the dispatcher sends it like any other (signed, retried), so its status and response code show in the deliveries. 409 if the endpoint is disabled.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(WebhookDeliveryDto, { status: HttpStatus.ACCEPTED, message: TEST_EVENT_QUEUED_MESSAGE })
  @ApiErrors(400, 404, 409)
  async sendTestEvent(@CurrentPrincipal() caller: Principal, @Param('id', ParseIdPipe) id: string): Promise<Envelope<WebhookDeliveryDto>> {
    return new Envelope(await this.webhooks.sendTestEvent(caller.userId, id), TEST_EVENT_QUEUED_MESSAGE);
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(HttpStatus.ACCEPTED)
  @RequireScopes('write:webhooks')
  @ApiOperation({
    summary: 'Send one delivery again',
    description:
      'A succeeded or failed delivery goes back to `pending` on a fresh retry schedule, with its original `webhook-id`; 409 if it is still pending.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiParam({ name: 'deliveryId', format: 'uuid' })
  @ApiEnvelope(WebhookDeliveryDto, { status: HttpStatus.ACCEPTED, message: 'Delivery requeued' })
  @ApiErrors(400, 404, 409)
  async redeliver(
    @CurrentPrincipal() caller: Principal,
    @Param('id', ParseIdPipe) id: string,
    @Param('deliveryId', ParseDeliveryIdPipe) deliveryId: string,
  ): Promise<Envelope<WebhookDeliveryDto>> {
    return new Envelope(await this.webhooks.redeliver(caller.userId, id, deliveryId), 'Delivery requeued');
  }
}
