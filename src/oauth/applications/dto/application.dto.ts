import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { OAUTH_GRANT_TYPES, OAuthGrantType, TOKEN_ENDPOINT_AUTH_METHODS, TokenEndpointAuthMethod } from '../oauth-application.entity';
import type { ClientJwks } from '../oauth-application.entity';

export const MAX_REDIRECT_URIS = 20;

/** A list of redirect URIs as the body carries them (their rules are the service's: application-rules.ts). */
const UriList = (): PropertyDecorator =>
  applyDecorators(IsArray(), ArrayMaxSize(MAX_REDIRECT_URIS), IsString({ each: true }), MaxLength(2000, { each: true }));

/** A list of scope names (known or not is the service's check, so every problem is reported at once). */
const ScopeList = (): PropertyDecorator =>
  applyDecorators(IsArray(), ArrayMaxSize(64), IsString({ each: true }), MaxLength(40, { each: true }));

/** May be left out, but not sent as null (the field has no "none" to clear to). */
const OptionalNotNull = (): PropertyDecorator => ValidateIf((_dto, value) => value !== undefined);
export const MAX_GRACE_SECONDS = 7 * 86_400;

export class CreateApplicationDto {
  @ApiProperty({ example: 'Acme dashboard', maxLength: 100 })
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({
    enum: OAUTH_GRANT_TYPES,
    isArray: true,
    example: ['authorization_code', 'refresh_token'],
    description:
      '`["authorization_code"]`, `["authorization_code","refresh_token"]` (a web or native app) or `["client_credentials"]` (a machine)',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @IsIn(OAUTH_GRANT_TYPES, { each: true })
  grantTypes: OAuthGrantType[];

  @ApiPropertyOptional({
    type: [String],
    example: ['https://app.example.com/callback'],
    description:
      'Required for authorization_code; matched exactly. https, http only for loopback hosts, or a private-use scheme (RFC 8252)',
  })
  @IsOptional()
  @UriList()
  redirectUris?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Where /oauth/end-session may send the browser back to' })
  @IsOptional()
  @UriList()
  postLogoutRedirectUris?: string[];

  @ApiProperty({
    type: [String],
    example: ['read:keys'],
    description:
      'The most its tokens may carry: Argus scopes within your own (plus openid, profile, email, offline_access for authorization_code)',
  })
  @ScopeList()
  scopes: string[];

  @ApiPropertyOptional({
    enum: TOKEN_ENDPOINT_AUTH_METHODS,
    default: 'client_secret_basic',
    description: '`none`: a public client (PKCE only)',
  })
  @IsOptional()
  @IsIn(TOKEN_ENDPOINT_AUTH_METHODS)
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;

  @ApiPropertyOptional({ format: 'uuid', description: 'An organisation you own or administer' })
  @IsOptional()
  @IsUUID()
  organizationId?: string;

  @ApiPropertyOptional({ description: 'Public JWK set, for private_key_jwt and self_signed_tls_client_auth', example: { keys: [] } })
  @IsOptional()
  @IsObject()
  jwks?: ClientJwks;

  @ApiPropertyOptional({ example: 'CN=client.example.com,O=Example', description: 'For tls_client_auth: the certificate subject DN' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  tlsClientAuthSubjectDn?: string;
}

export class UpdateApplicationDto {
  @ApiPropertyOptional({ maxLength: 100 })
  @OptionalNotNull()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({ type: [String] })
  @OptionalNotNull()
  @UriList()
  redirectUris?: string[];

  @ApiPropertyOptional({ type: [String] })
  @OptionalNotNull()
  @UriList()
  postLogoutRedirectUris?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Narrowing takes effect on existing tokens at once' })
  @OptionalNotNull()
  @ScopeList()
  scopes?: string[];

  @ApiPropertyOptional({ description: 'Public JWK set; null removes it', nullable: true, type: Object })
  @IsOptional()
  @IsObject()
  jwks?: ClientJwks | null;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null removes it' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  tlsClientAuthSubjectDn?: string | null;
}

export class RotateApplicationSecretDto {
  @ApiPropertyOptional({
    default: 3600,
    maximum: MAX_GRACE_SECONDS,
    description: 'How long the previous secret keeps working (0: not at all)',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_SECONDS)
  gracePeriodSeconds?: number;
}

export class ApplicationResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'app_3b9f…' }) clientId: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: OAUTH_GRANT_TYPES, isArray: true }) grantTypes: OAuthGrantType[];
  @ApiProperty({ type: [String] }) redirectUris: string[];
  @ApiProperty({ type: [String] }) postLogoutRedirectUris: string[];
  @ApiProperty({ type: [String] }) scopes: string[];
  @ApiProperty({ enum: TOKEN_ENDPOINT_AUTH_METHODS }) tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) organizationId: string | null;
  @ApiProperty({ format: 'uuid' }) ownerId: string;
  @ApiProperty({ nullable: true, type: Object }) jwks: ClientJwks | null;
  @ApiProperty({ nullable: true, type: String }) tlsClientAuthSubjectDn: string | null;
  @ApiProperty({ description: 'Whether it has a client secret (confidential client with a secret method)' }) hasSecret: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'Until when the secret before the last rotation still works',
  })
  previousSecretExpiresAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) revokedAt: string | null;
}

export class CreatedApplicationResponseDto extends ApplicationResponseDto {
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'argus_cs_…',
    description: 'Shown in this response only; null for a client without a secret',
  })
  clientSecret: string | null;
}
