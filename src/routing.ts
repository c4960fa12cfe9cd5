import type { AgentDefinition } from "./agent.ts";
import type { EventKind, NormalizedEvent } from "./event.ts";

/**
 * Which agent handles which events. Rules are tried in order and the first that matches wins,
 * so a specific rule goes before a catch-all. Every condition given must hold; a rule with none
 * matches everything.
 */
export interface Route {
  readonly agent: AgentDefinition;
  /** One channel or several, by name ("github", "slack", …). */
  readonly channel?: string | readonly string[];
  readonly kinds?: readonly EventKind[];
  /** The conversation key: a RegExp, or a glob where `*` matches anything (`github:acme/*`). */
  readonly conversation?: string | RegExp;
  readonly when?: (event: NormalizedEvent) => boolean;
}

/** What routing made of an event: the agent that takes it, or why none does. */
export type RouteDecision = { readonly agent: AgentDefinition } | { readonly ignore: string };

export interface Router {
  readonly agents: readonly AgentDefinition[];
  route(event: NormalizedEvent): RouteDecision;
  /** The agent by name, for conversations that recorded their owner. */
  agent(name: string): AgentDefinition | undefined;
}

/**
 * Checks the rules once, at startup (an agent routed to but not registered, two agents with one
 * name, an agent no rule reaches) and returns the router the ingress and the runtime share.
 */
export function createRouter(agents: readonly AgentDefinition[], routes: readonly Route[]): Router {
  const byName = new Map<string, AgentDefinition>();
  for (const agent of agents) {
    if (byName.has(agent.name)) throw new Error(`two agents are named "${agent.name}"`);
    byName.set(agent.name, agent);
  }
  const compiled = routes.map((route, index) => {
    if (byName.get(route.agent?.name) !== route.agent) {
      throw new Error(`routes[${index}] sends events to "${route.agent?.name}", which is not in the agents list`);
    }
    return { route, matches: matcher(route) };
  });
  for (const agent of agents) {
    if (!routes.some((route) => route.agent === agent)) throw new Error(`no route sends any event to agent "${agent.name}"`);
  }
  return {
    agents,
    agent: (name) => byName.get(name),
    route(event) {
      const hit = compiled.find(({ matches }) => matches(event));
      if (!hit) return { ignore: `no agent is routed ${event.channel} "${event.kind}" events` };
      const { agent } = hit.route;
      // A cancel stops whatever runs in the conversation, and an approval decides a parked call,
      // whichever agent runs it.
      if (event.kind !== "cancel" && !event.approval && !agent.triggers.includes(event.kind)) {
        return { ignore: `"${event.kind}" events do not start a turn of agent "${agent.name}"` };
      }
      return { agent };
    },
  };
}

function matcher(route: Route): (event: NormalizedEvent) => boolean {
  const channels = route.channel === undefined ? undefined : new Set(typeof route.channel === "string" ? [route.channel] : route.channel);
  const kinds = route.kinds === undefined ? undefined : new Set(route.kinds);
  const key = typeof route.conversation === "string" ? globToRegExp(route.conversation) : route.conversation;
  return (event) =>
    (channels === undefined || channels.has(event.channel)) &&
    (kinds === undefined || kinds.has(event.kind)) &&
    (key === undefined || key.test(event.conversationKey)) &&
    (route.when === undefined || route.when(event));
}

/** `*` matches any run of characters; everything else matches itself. */
function globToRegExp(glob: string): RegExp {
  const escaped = glob.split("*").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`);
}
