import { Module } from '@nestjs/common';
import { AuthModule } from '../../auth/auth.module';
import { EventsModule } from '../../events/events.module';
import { OAuthProviderModule } from '../provider/oauth-provider.module';
import { OAuthTokensModule } from '../tokens/oauth-tokens.module';
import { InteractionController } from './interaction.controller';

/** The authorization code flow's login and consent pages. */
@Module({
  imports: [AuthModule, EventsModule, OAuthProviderModule, OAuthTokensModule],
  controllers: [InteractionController],
})
export class OAuthInteractionModule {}
