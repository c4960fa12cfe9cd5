import { AgentActivitySignal, AgentSession_ActivitiesQuery, Issue_CommentsQuery } from "@linear/sdk";
import type { PostedMessage, EffectContext, Outbound } from "../../src/channel.ts";
import { toHex } from "../../src/crypto.ts";
import type { LinearTarget } from "./target.ts";
import { log } from "../../src/log.ts";
import { APPROVAL_OPTIONS, mayApprove, outcomeText, requestText } from "./approval.ts";
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
  | { type: "error"; body: string }
  | { type: "elicitation"; body: string };

/** Options a person picks from, shown with an elicitation (Linear's `select` signal). */
type Choices = readonly { readonly label: string; readonly value: string }[];

/** Linear marks a session stale after 30 minutes without activity; a long turn says it is still on it. */
export const KEEPALIVE_MS = 10 * 60_000;

export function linearOutbound(target: LinearTarget, config: LinearConfig): Outbound {
  const api = () => linearApi(config, target.organizationId);
  const session = target.agentSessionId;
  let lastActivity = 0;
  let keepalive: ReturnType<typeof setInterval> | undefined;

  /** Sends one activity exactly once per key: with `replay`, the session's activities are checked first. */
  async function activity(content: ActivityContent, effect: EffectContext, options: { ephemeral?: boolean; choices?: Choices } = {}): Promise<PostedMessage> {
    const id = await idFor(effect.idempotencyKey);
    if (effect.replay && (await activityIds(api(), session!)).has(id)) return { id };
    await api().sdk.createAgentActivity({
      agentSessionId: session!,
      id,
      content,
      ...(options.ephemeral ? { ephemeral: true } : {}),
      ...(options.choices ? { signal: AgentActivitySignal.Select, signalMetadata: { options: options.choices.map((choice) => ({ ...choice })) } } : {}),
    });
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

    async requestApproval(request, effect) {
      // In a session: an elicitation whose options the person picks from. Elsewhere a comment.
      if (session) return activity({ type: "elicitation", body: requestText(request, "session") }, effect, { choices: APPROVAL_OPTIONS });
      return comment(api(), target, requestText(request, "comment"), effect);
    },

    async resolveApproval(posted, request, outcome) {
      // Activities cannot be edited: the outcome follows the request in the session, once.
      if (session) {
        await activity({ type: "thought", body: outcomeText(request, outcome) }, { idempotencyKey: `approval:${request.id}:outcome`, replay: true });
        return;
      }
      // The request comment shows the outcome instead of the instructions, and keeps its marker.
      const comments = await new Issue_CommentsQuery(api().request, target.issueId, { first: 250 }).fetch();
      const markers = comments.nodes.find((node) => node.id === posted.id)?.body.match(/<!-- switchboard:[^\s]+ -->/g) ?? [];
      await api().sdk.updateComment(posted.id, { body: [outcomeText(request, outcome), ...markers].join("\n\n") });
    },

    mayApprove: (event) => mayApprove(api(), config, event),

    async refuseApprover(event, reason) {
      // Linear shows nothing to one person only: the note names them, once per answer. In a
      // session it asks again, so the options stay in front of whoever may decide.
      const once = { idempotencyKey: `refusal:${event.dedupeId}`, replay: true };
      if (session) {
        await activity({ type: "elicitation", body: `Not allowed, ${event.actor.name}: ${reason}. Someone who may can still choose **Approve** or **Deny**.` }, once, { choices: APPROVAL_OPTIONS });
        return;
      }
      await comment(api(), target, `Not allowed, ${event.actor.name}: ${reason}.`, once);
    },

    async working(on, effect) {
      if (!session) return;
      if (!on) {
        stopKeepalive();
        // A turn that ends without its response (it failed) says so, once, instead of leaving the
        // session hanging; one that asked the person something is waiting for them, not failed.
        const { types, lastFromAgent } = await activityTypes(api(), session);
        if (!types.has("response") && !types.has("error") && lastFromAgent !== "elicitation") {
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

/** The kinds of activity in the session, and the kind of the agent's latest (people's prompts left out). */
async function activityTypes(api: LinearApi, session: string): Promise<{ types: Set<string>; lastFromAgent: string | undefined }> {
  const activities = await new AgentSession_ActivitiesQuery(api.request, session, { first: 250 }).fetch();
  const typed = activities.nodes
    .map((activity) => ({ type: String((activity.content as { type?: unknown }).type), at: new Date(activity.createdAt).getTime() }))
    .sort((a, b) => a.at - b.at);
  return { types: new Set(typed.map((activity) => activity.type)), lastFromAgent: typed.filter((activity) => activity.type !== "prompt").at(-1)?.type };
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

