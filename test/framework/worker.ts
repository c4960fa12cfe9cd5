// The Worker the framework tests run: the production agents and channels, plus a third agent a
// test declared, routed by one rule ahead of the others. Nothing in src/ or agents/ changes.
import { agents, routes } from "../../agents/index.ts";
import { channels } from "../../channels/index.ts";
import { DiscordGateway as DiscordGatewayObject } from "../../channels/durable-objects.ts";
import type { NormalizedEvent } from "../../src/event.ts";
import { createSwitchboard } from "../../src/switchboard.ts";
import { standup } from "../../examples/standup/index.ts";
import { deployer } from "./deployer-agent.ts";
import { lookup } from "./lookup-agent.ts";
import { notes } from "./notes-agent.ts";
import { reproducer } from "./reproducer-agent.ts";
import { dayBudget, teamBudget, turnBudget } from "./spender-agents.ts";

// The README's example agent, with the README's route, and agents this suite declares.
export const STANDUP_ROUTE = { agent: standup, channel: "slack", when: (event: NormalizedEvent) => /^standup\b/i.test(event.text) };

const switchboard = createSwitchboard({
  channels,
  agents: [notes, lookup, deployer, turnBudget, dayBudget, teamBudget, standup, reproducer, ...agents],
  routes: [
    { agent: notes, channel: "slack", conversation: "slack:*:CNOTES*" },
    { agent: lookup, channel: "slack", conversation: "slack:*:CLOOKUP*" },
    { agent: deployer, conversation: /^(slack:[^:]+:CDEPLOY|discord:[^:]+:9\d*|github:[^/]+\/deploy-|linear:)/ },
    { agent: turnBudget, conversation: "slack:*:CTURN*" },
    { agent: dayBudget, conversation: "slack:*:CDAY*" },
    { agent: teamBudget, conversation: "slack:*:CWKSP*" },
    STANDUP_ROUTE,
    { agent: reproducer, conversation: "github:*/reproduce-*" },
    ...routes,
  ],
});

export class ConversationAgent extends switchboard.Conversation {}

export class DiscordGateway extends DiscordGatewayObject {
  protected override dispatch(event: NormalizedEvent) {
    return switchboard.dispatch(this.env, event);
  }
}

export { Installation, InstallationIndex } from "../../src/installations/objects.ts";
export { UsageLedger } from "../../src/runtime/ledger.ts";
export { ParticipationIndex } from "../../src/runtime/participation.ts";

export default switchboard.app satisfies ExportedHandler<Env>;
