import { REST } from "@discordjs/rest";
import { defaultRetryPolicy } from "../../src/retry.ts";
import type { DiscordConfig } from "./config.ts";

/**
 * A REST client for one turn. @discordjs/rest handles rate-limit buckets and waits out short
 * 429s itself; a longer wait rejects with its RateLimitError, so the turn is scheduled again on
 * the alarm instead of holding the isolate (src/retry.ts). It is not cached across requests: in workerd a promise or socket made for one request
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
    rejectOnRateLimit: (limit) => limit.retryAfter > defaultRetryPolicy.maxInlineDelayMs,
  }).setToken(config.botToken);
}
