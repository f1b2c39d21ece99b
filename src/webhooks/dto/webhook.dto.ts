import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUrl, MaxLength } from 'class-validator';
import {
  DELIVERY_EVENT_TYPES,
  DELIVERY_STATUSES,
  WEBHOOK_EVENTS,
  WebhookDeliveryEntity,
  WebhookEndpointEntity,
  WebhookEventType,
} from '../../events/webhook.entities';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_underscores: true };

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://example.com/hooks/argus', description: 'http(s); must resolve to a public address' })
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  url: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true, example: ['key.created', 'key.revoked'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENTS.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENTS, { each: true })
  events: WebhookEventType[];
}

export class UpdateWebhookDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl(URL_OPTIONS, { message: 'url must be an http(s) URL' })
  url?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENTS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENTS.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENTS, { each: true })
  events?: WebhookEventType[];

  @ApiPropertyOptional({ description: 'true re-enables an endpoint Argus disabled after failures' })
  @IsOptional()
  @IsBoolean()
  isActive?: boolean;
}

export class WebhookResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  url: string;

  @ApiProperty({ enum: WEBHOOK_EVENTS, isArray: true })
  events: WebhookEventType[];

  @ApiProperty()
  isActive: boolean;

  @ApiProperty({ description: 'Failed delivery attempts in a row' })
  consecutiveFailures: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the current run of failures began' })
  failingSince: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'While backed off after failures: when the next probe (one delivery) goes; the rest follow once it succeeds',
  })
  nextProbeAt: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When Argus disabled it after failing for WEBHOOK_DISABLE_AFTER',
  })
  disabledAt: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt: string;
}

export class CreatedWebhookResponseDto extends WebhookResponseDto {
  @ApiProperty({ example: 'whsec_…', description: 'The signing secret. Shown once, never again.' })
  secret: string;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid', description: 'The `webhook-id` header: the same on every attempt' })
  messageId: string;

  @ApiProperty({ enum: DELIVERY_EVENT_TYPES, description: 'An event of the catalogue, or `webhook.test` (sent on request)' })
  eventType: string;

  @ApiProperty({ enum: DELIVERY_STATUSES })
  status: string;

  @ApiProperty()
  attempts: number;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the next attempt is due (pending only); null once succeeded or failed',
  })
  nextAttemptAt: string | null;

  @ApiProperty({ type: Number, nullable: true })
  lastStatusCode: number | null;

  @ApiProperty({ type: String, nullable: true })
  lastError: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  deliveredAt: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  payload: Record<string, unknown>;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;
}

export class RedeliveredDto {
  @ApiProperty({ description: 'Failed deliveries put back to pending' })
  requeued: number;
}

export function toWebhookResponse(endpoint: WebhookEndpointEntity): WebhookResponseDto {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    isActive: endpoint.isActive,
    consecutiveFailures: endpoint.consecutiveFailures,
    failingSince: endpoint.failingSince ? endpoint.failingSince.toISOString() : null,
    nextProbeAt: endpoint.nextProbeAt ? endpoint.nextProbeAt.toISOString() : null,
    disabledAt: endpoint.disabledAt ? endpoint.disabledAt.toISOString() : null,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

export function toDeliveryDto(delivery: WebhookDeliveryEntity): WebhookDeliveryDto {
  return {
    id: delivery.id,
    messageId: delivery.messageId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    nextAttemptAt: delivery.status === 'pending' && delivery.nextAttemptAt ? delivery.nextAttemptAt.toISOString() : null,
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    deliveredAt: delivery.deliveredAt ? delivery.deliveredAt.toISOString() : null,
    payload: delivery.payload,
    createdAt: delivery.createdAt.toISOString(),
  };
}
