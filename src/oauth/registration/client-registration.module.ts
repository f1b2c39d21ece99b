import { Module } from '@nestjs/common';
import { OAuthApplicationsModule } from '../applications/oauth-applications.module';
import { ClientRegistrationController } from './client-registration.controller';

/** Dynamic client registration (RFC 7591); AppModule imports it only when OAUTH_DYNAMIC_REGISTRATION is on. */
@Module({
  imports: [OAuthApplicationsModule],
  controllers: [ClientRegistrationController],
})
export class ClientRegistrationModule {}
