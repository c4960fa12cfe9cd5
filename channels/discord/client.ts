import { REST } from "@discordjs/rest";
import type { DiscordConfig } from "./config.ts";

/**
 * A REST client for one turn. @discordjs/rest handles rate-limit buckets and waits out 429s
 * itself. It is not cached across requests: in workerd a promise or socket made for one request
 * must not be settled from another, and its bucket queues would be.
 */
export function discordRest(config: DiscordConfig): REST {
  return new REST({
    api: config.apiBase,
    version: config.apiVersion,
    // An unbound `fetch` throws "Illegal invocation" in workerd.
    makeRequest: (url, init) => fetch(url, init as RequestInit) as never,
    // No background sweeper timers in a Worker.
    handlerSweepInterval: 0,
    hashSweepInterval: 0,
    userAgentAppendix: "switchboard",
  }).setToken(config.botToken);
}
