import { Module } from '@nestjs/common';
import { EventsModule } from '../../events/events.module';
import { OAuthProviderModule } from '../provider/oauth-provider.module';
import { OAuthTokensModule } from '../tokens/oauth-tokens.module';
import { ConsentsController } from './consents.controller';
import { ConsentsService } from './consents.service';

/** Users' view of the consents they gave OAuth applications, and its withdrawal. */
@Module({
  imports: [EventsModule, OAuthProviderModule, OAuthTokensModule],
  controllers: [ConsentsController],
  providers: [ConsentsService],
})
export class OAuthConsentsModule {}
