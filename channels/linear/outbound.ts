import { AgentSession_ActivitiesQuery, Issue_CommentsQuery } from "@linear/sdk";
import type { PostedMessage, EffectContext, Outbound } from "../../src/channel.ts";
import { toHex } from "../../src/crypto.ts";
import type { LinearTarget } from "./target.ts";
import { log } from "../../src/log.ts";
import { linearApi, type LinearApi } from "./client.ts";
import type { LinearConfig } from "./config.ts";


/** The hidden marker that lets a re-run find a comment an earlier attempt already posted. */
export function marker(key: string): string {
  return `<!-- switchboard:${key} -->`;
}

/**
 * A UUID derived from an idempotency key. Linear lets the client choose the id of a comment,
 * activity or relation, so the id itself is the platform-side marker: a re-run looks for it
 * before creating anything, and Linear refuses a second entity with the same id.
 */
export async function idFor(key: string): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`switchboard:${key}`)));
  hash[6] = (hash[6]! & 0x0f) | 0x40;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = toHex(hash.slice(0, 16));
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

type ActivityContent =
  | { type: "thought"; body: string }
  | { type: "action"; action: string; parameter: string; result?: string }
  | { type: "response"; body: string }
  | { type: "error"; body: string };

/** Linear marks a session stale after 30 minutes without activity; a long turn says it is still on it. */
export const KEEPALIVE_MS = 10 * 60_000;

export function linearOutbound(target: LinearTarget, config: LinearConfig): Outbound {
  const api = () => linearApi(config, target.organizationId);
  const session = target.agentSessionId;
  let lastActivity = 0;
  let keepalive: ReturnType<typeof setInterval> | undefined;

  /** Sends one activity exactly once per key: with `replay`, the session's activities are checked first. */
  async function activity(content: ActivityContent, effect: EffectContext, options: { ephemeral?: boolean } = {}): Promise<PostedMessage> {
    const id = await idFor(effect.idempotencyKey);
    if (effect.replay && (await activityIds(api(), session!)).has(id)) return { id };
    await api().sdk.createAgentActivity({ agentSessionId: session!, id, content, ...(options.ephemeral ? { ephemeral: true } : {}) });
    lastActivity = Date.now();
    return { id };
  }

  const stopKeepalive = () => {
    if (keepalive !== undefined) clearInterval(keepalive);
    keepalive = undefined;
  };

  return {
    async reply(markdown, effect) {
      stopKeepalive();
      if (session) return activity({ type: "response", body: markdown }, effect);
      return comment(api(), target, markdown, effect);
    },

    async progress(step, effect) {
      // Tool calls show in the session as `action` activities; best effort, never failing the tool.
      if (!session) return;
      try {
        await activity({ type: "action", ...step }, { idempotencyKey: `${effect.idempotencyKey}:action`, replay: effect.replay });
      } catch (error) {
        log("linear.action_activity_failed", { issueId: target.issueId, error: error instanceof Error ? error.message.slice(0, 200) : "unknown" });
      }
    },

    async working(on, effect) {
      if (!session) return;
      if (!on) {
        stopKeepalive();
        // A turn that ends without its response (it failed) says so, once, instead of leaving the session hanging.
        const types = await activityTypes(api(), session);
        if (!types.has("response") && !types.has("error")) {
          await activity({ type: "error", body: "I could not finish this. Please try again, or ask a teammate." }, { idempotencyKey: `${effect.idempotencyKey}:error`, replay: true });
        }
        return;
      }
      // Linear expects a first activity within 10 seconds of the session's creation.
      await activity({ type: "thought", body: "Looking into this…" }, effect);
      const started = Date.now();
      keepalive ??= setInterval(() => {
        // Bounded, and silent once someone pressed stop: a cancelled turn never reaches reply().
        if (Date.now() - started > 6 * KEEPALIVE_MS) return stopKeepalive();
        if (Date.now() - lastActivity < KEEPALIVE_MS) return;
        lastActivity = Date.now();
        void stopped(api(), session)
          .then(async (stop) => {
            if (stop) return stopKeepalive();
            await api().sdk.createAgentActivity({ agentSessionId: session, content: { type: "thought", body: "Still working on it…" }, ephemeral: true });
          })
          .catch(() => undefined);
      }, KEEPALIVE_MS / 4);
    },
  };
}

async function activityIds(api: LinearApi, session: string): Promise<Set<string>> {
  const activities = await new AgentSession_ActivitiesQuery(api.request, session, { first: 250 }).fetch();
  return new Set(activities.nodes.map((activity) => activity.id));
}

async function stopped(api: LinearApi, session: string): Promise<boolean> {
  const activities = await new AgentSession_ActivitiesQuery(api.request, session, { first: 250 }).fetch();
  return activities.nodes.some((activity) => activity.signal === "stop");
}

async function activityTypes(api: LinearApi, session: string): Promise<Set<string>> {
  const activities = await new AgentSession_ActivitiesQuery(api.request, session, { first: 250 }).fetch();
  return new Set(activities.nodes.map((activity) => String((activity.content as { type?: unknown }).type)));
}

/** A comment on the issue (threaded under the comment being answered), exactly once per key. */
async function comment(api: LinearApi, target: LinearTarget, markdown: string, effect: EffectContext): Promise<PostedMessage> {
  const id = await idFor(effect.idempotencyKey);
  if (effect.replay) {
    const existing = await findMarked(api, target.issueId, effect.idempotencyKey);
    if (existing) return existing;
  }
  await api.sdk.createComment({
    id,
    issueId: target.issueId,
    body: `${markdown}\n\n${marker(effect.idempotencyKey)}`,
    ...(target.parentCommentId ? { parentId: target.parentCommentId } : {}),
  });
  return { id };
}

async function findMarked(api: LinearApi, issueId: string, key: string): Promise<PostedMessage | null> {
  const comments = await new Issue_CommentsQuery(api.request, issueId, { first: 250 }).fetch();
  const found = comments.nodes.find((node) => node.body.includes(marker(key)));
  return found ? { id: found.id, ...(found.url ? { url: found.url } : {}) } : null;
}

