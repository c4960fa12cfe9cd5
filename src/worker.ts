// The Worker entry, and the one place agents, routes and channels are put together.
import { agents, routes } from "../agents/index.ts";
import { channels } from "../channels/index.ts";
import { DiscordGateway as DiscordGatewayObject } from "../channels/durable-objects.ts";
import type { NormalizedEvent } from "./event.ts";
import { createSwitchboard } from "./switchboard.ts";

const switchboard = createSwitchboard({ channels, agents, routes });

/** One per conversation (wrangler.toml binds it as CONVERSATION). */
export class ConversationAgent extends switchboard.Conversation {}

/** Discord's Gateway connection (DISCORD_GATEWAY); its events are routed like webhooks. */
export class DiscordGateway extends DiscordGatewayObject {
  protected override dispatch(event: NormalizedEvent) {
    return switchboard.dispatch(this.env, event);
  }
}

/** Installations (OAuth installs) and their index (INSTALLATIONS, INSTALLATION_INDEX). */
export { Installation, InstallationIndex } from "./installations/objects.ts";

/** What each workspace, and everything together, spent per day (USAGE_LEDGER). */
export { UsageLedger } from "./runtime/ledger.ts";

/** Per Slack channel or GitHub repository, the conversations that hear events not addressed to the bot (PARTICIPATION). */
export { ParticipationIndex } from "./runtime/participation.ts";

export default switchboard.app satisfies ExportedHandler<Env>;
