import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/auth.module';
import { EventsModule } from '../../events/events.module';
import { OAuthProviderModule } from '../provider/oauth-provider.module';
import { OAuthTokensModule } from '../tokens/oauth-tokens.module';
import { BrowserSessionPolicy } from './browser-session-policy';
import { InteractionController } from './interaction.controller';

/** The authorization code flow's login and consent pages. */
@Module({
  imports: [AuthModule, EventsModule, OAuthProviderModule, OAuthTokensModule],
  controllers: [InteractionController],
  providers: [BrowserSessionPolicy],
})
export class OAuthInteractionModule {}
