import { z } from "zod";
import { INDEX_NAME, type Installation, type InstallationIndex } from "./objects.ts";
import {
  InstallationUnavailable,
  type Credentials,
  type Grant,
  type InstallationDetails,
  type InstallationsReport,
  type InstallationSummary,
  type RefreshEndpoint,
} from "./types.ts";
import { installationsKeyBytes } from "./keys.ts";

/** The Durable Object bindings wrangler.toml declares for installations. */
const Namespace = z.custom<DurableObjectNamespace>(
  (value) => typeof value === "object" && value !== null && typeof (value as { getByName?: unknown }).getByName === "function",
  "must be a Durable Object namespace binding",
);

/**
 * What a channel's config schema adds to read installations: the two bindings and the key. A
 * channel parses them with its own variables, so a problem names the variable and disables only
 * that channel's install flow.
 */
export const InstallationsEnv = {
  INSTALLATIONS: Namespace.optional(),
  INSTALLATION_INDEX: Namespace.optional(),
  INSTALLATIONS_KEY: z
    .string()
    .refine((value) => installationsKeyBytes(value) !== null, "must be base64 of at least 32 random bytes (openssl rand -base64 32)")
    .optional(),
};

/** One channel's installations, as its outbound client, its routes and the ingress see them. */
export interface InstallationStore {
  readonly channel: string;
  summary(id: string): Promise<InstallationSummary | null>;
  save(id: string, details: InstallationDetails, grant?: Grant): Promise<InstallationSummary>;
  remove(id: string, reason: string): Promise<InstallationSummary>;
  credentials(id: string, options?: { refresh?: RefreshEndpoint; stale?: string }): Promise<Credentials>;
  report(): Promise<InstallationsReport>;
}

/** The store for `channel`, or undefined when the Worker has no installation bindings. */
export function installationStore(
  channel: string,
  bindings: { INSTALLATIONS?: DurableObjectNamespace | undefined; INSTALLATION_INDEX?: DurableObjectNamespace | undefined },
): InstallationStore | undefined {
  const objects = bindings.INSTALLATIONS as DurableObjectNamespace<Installation> | undefined;
  const index = bindings.INSTALLATION_INDEX as DurableObjectNamespace<InstallationIndex> | undefined;
  if (!objects || !index) return undefined;
  const stub = (id: string) => objects.getByName(`${channel}:${id}`);
  return {
    channel,
    async summary(id) {
      // The ingress asks on every event: an answer is kept in the isolate for a minute (a change
      // made through this isolate is seen at once, one made elsewhere within the minute).
      const key = `${channel}:${id}`;
      const kept = summaries.get(key);
      if (kept && kept.until > Date.now()) return kept.summary;
      const summary = await stub(id).summary();
      summaries.set(key, { summary, until: Date.now() + ANSWER_KEPT_MS });
      return summary;
    },
    save: (id, details, grant) => {
      forget(channel, id);
      return stub(id).save({ channel, id }, details, grant);
    },
    remove: (id, reason) => {
      forget(channel, id);
      return stub(id).remove({ channel, id }, reason);
    },
    credentials: (id, options) => stub(id).credentials(options),
    report: () => index.getByName(INDEX_NAME).report(channel),
  };
}

/** Access tokens kept in this isolate: at most this long, and never past their expiry. */
const TOKEN_KEPT_MS = 5 * 60_000;
const tokens = new Map<string, { token: string | null; until: number }>();
/** An installation's summary, and "not installed" (a workspace the secret's token serves), kept this long. */
const ANSWER_KEPT_MS = 60_000;
const summaries = new Map<string, { summary: InstallationSummary | null; until: number }>();

function forget(channel: string, id: string): void {
  tokens.delete(`${channel}:${id}`);
  summaries.delete(`${channel}:${id}`);
}

/**
 * The installation's access token, or null when the workspace has no installation (the caller
 * may fall back to a token in a secret). Kept in the isolate for a few minutes, so a turn asks
 * its installation's object once, not on every call; `stale` (a token the platform just refused)
 * skips the kept one and asks for a renewal. Removed or broken: InstallationUnavailable.
 */
export async function installationToken(
  store: InstallationStore,
  id: string,
  options: { refresh?: RefreshEndpoint; stale?: string } = {},
): Promise<string | null> {
  const key = `${store.channel}:${id}`;
  const kept = tokens.get(key);
  if (kept && kept.until > Date.now() && kept.token !== options.stale) return kept.token;
  const credentials = await store.credentials(id, options);
  if (credentials.status === "unknown") {
    // Every call of a turn asks; a workspace without an installation stays so for a while.
    tokens.set(key, { token: null, until: Date.now() + ANSWER_KEPT_MS });
    return null;
  }
  if (credentials.status !== "active") {
    // Broken or removed since (a refresh the platform refused): the ingress must see it at once.
    forget(store.channel, id);
    throw new InstallationUnavailable(`the ${store.channel} installation ${id} is ${credentials.status}: ${credentials.reason}`);
  }
  const until = Math.min(Date.now() + TOKEN_KEPT_MS, (credentials.expiresAt ?? Infinity) - 60_000);
  tokens.set(key, { token: credentials.accessToken, until });
  return credentials.accessToken;
}
