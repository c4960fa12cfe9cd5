// Emulated Linear GraphQL API (the operations Switchboard sends), mounted at `/linear`:
// @linear/sdk talks to it unchanged with `apiUrl: "<emulator>/linear/graphql"`. Operations are
// recognised by the operation name of @linear/sdk's generated documents (`query issue(…)`,
// `mutation createAgentActivity(…)`); any other operation is a GraphQL validation error.
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { Core, PlatformModule } from "./core.ts";
import { createLinearOAuth, type LinearOAuthOptions } from "./linear-oauth.ts";
import { LinearGraphQLError, errorBody, linearJson, linearRecorder, operationName } from "./linear-http.ts";
import {
  activityShape,
  commentShape,
  connection,
  issueShape,
  labelShape,
  relationShape,
  sessionShape,
  stateShape,
  teamShape,
  userShape,
} from "./linear-shapes.ts";
import { issueWithState, ticketResolvers } from "./linear-tickets.ts";
import {
  commentSeed,
  createLinearStore,
  issueSeed,
  sessionSeed,
  teamSeed,
  userSeed,
  type LinearIssue,
  type LinearStore,
  type LinearUser,
} from "./linear-state.ts";

/** Dev-only identity of the emulated workspace and bot (`npm run dev`). They protect nothing. */
export const DEV_LINEAR = {
  apiKey: "lin_api_switchboarddevkey0000000000000000000",
  webhookSecret: "lin_wh_switchboard_dev_secret",
  botUserId: "5d1c2b0e-0000-4000-8000-00000000b07a",
  organizationId: "0a9e7c3e-0000-4000-8000-0000000000a1",
} as const;

export interface LinearOptions {
  /** Personal API keys, sent raw: `Authorization: lin_api_…`. */
  apiKeys: string[];
  /** OAuth access tokens, sent as `Authorization: Bearer …` (an app installed with `actor=app`). */
  accessTokens?: string[];
  /** The user those credentials act as (the bot, or the app's user). */
  botUserId: string;
  botName?: string;
  /** True when the credentials belong to an OAuth app user (agent sessions). */
  app?: boolean;
  organizationId: string;
  /** The OAuth app's client id and secret: the consent page and the token endpoint (linear-oauth.ts). */
  oauth?: LinearOAuthOptions;
}

type Variables = Record<string, unknown>;
type Resolver = (variables: Variables, viewer: LinearUser) => unknown;

const str = (value: unknown, name: string): string => {
  if (typeof value !== "string" || value === "") {
    throw new LinearGraphQLError("validation", `Variable "$${name}" of required type "String!" was not provided.`);
  }
  return value;
};
const obj = (value: unknown, name: string): Variables => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new LinearGraphQLError("validation", `Variable "$${name}" of required type was not provided.`);
  }
  return value as Variables;
};
const notFound = (entity: string) =>
  new LinearGraphQLError("invalidInput", `Entity not found: ${entity}`, `Could not find referenced ${entity}.`);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createLinearPlatform(core: Core, options: LinearOptions): PlatformModule {
  const viewer: LinearUser = {
    id: options.botUserId,
    name: options.botName ?? "switchboard",
    displayName: options.botName ?? "switchboard",
    email: `${options.botName ?? "switchboard"}@apps.linear.app`,
    app: options.app ?? false,
  };
  const store = createLinearStore(() => core.now(), viewer, { id: options.organizationId, name: "Switchboard Dev", urlKey: "switchboard-dev" });
  const apiKeys = new Set(options.apiKeys);
  const accessTokens = new Set(options.accessTokens ?? []);
  const oauth = createLinearOAuth(core, options.oauth, options.organizationId);
  /**
   * The organization the running operation's credentials act in: set just before a resolver runs,
   * which is synchronous, so no other request interleaves. Installs may name other organizations
   * (issues and teams are shared between them here).
   */
  let organizationId = options.organizationId;

  /** Linear's rule: a personal key goes raw in `Authorization`; an OAuth token as `Bearer`. */
  const authenticate = (header: string | undefined): LinearUser | null => {
    if (!header) return null;
    organizationId = options.organizationId;
    if (header.startsWith("Bearer ")) {
      const installed = oauth.organizationOf(header.slice(7));
      if (installed) organizationId = installed;
      return accessTokens.has(header.slice(7)) || installed ? viewer : null;
    }
    return apiKeys.has(header) ? viewer : null;
  };

  const issueOf = (id: unknown) => store.issue(str(id, "id")) ?? raise(notFound("Issue"));
  const teamOf = (id: unknown) => store.team(str(id, "id")) ?? raise(notFound("Team"));
  const sessionOf = (id: unknown) => store.session(str(id, "id")) ?? raise(notFound("AgentSession"));
  const urlKey = store.organization.urlKey;
  const issuePayload = (issue: LinearIssue) => ({ __typename: "IssuePayload", lastSyncId: store.lastSyncId(), issue: { id: issue.id }, success: true });
  const freshId = (value: unknown): string | undefined => {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string" || !UUID.test(value)) throw new LinearGraphQLError("invalidInput", "Argument Validation Error", "id must be a UUID.");
    if (store.hasEntity(value)) throw new LinearGraphQLError("invalidInput", "Entity already exists", "An entity with this id already exists.");
    return value;
  };

  const resolvers: Record<string, Resolver> = {
    viewer: (_v, me) => ({ viewer: userShape(me, urlKey, true) }),
    organization: () => ({ organization: { __typename: "Organization", id: organizationId, name: organizationId === options.organizationId ? store.organization.name : `Workspace ${organizationId.slice(0, 8)}`, urlKey } }),
    user: (v, me) => ({ user: userShape(store.user(str(v.id, "id")), urlKey, v.id === me.id) }),
    issue: (v) => ({ issue: issueWithState(issueOf(v.id), store) }),
    issue_comments: (v) => ({ issue: { comments: connection(store.commentsOf(issueOf(v.id).id).map((c) => commentShape(c, store))) } }),
    issue_labels: (v) => {
      const issue = issueOf(v.id);
      const team = store.team(issue.teamId)!;
      return { issue: { labels: connection(team.labels.filter((l) => issue.labelIds.includes(l.id)).map((l) => labelShape(l, team.id))) } };
    },
    issue_relations: (v) => ({ issue: { relations: connection(store.relationsOf(issueOf(v.id).id).map(relationShape)) } }),
    team: (v) => ({ team: teamShape(teamOf(v.id)) }),
    team_labels: (v) => {
      const team = teamOf(v.id);
      return { team: { labels: connection(team.labels.map((l) => labelShape(l, team.id))) } };
    },
    team_states: (v) => {
      const team = teamOf(v.id);
      return { team: { states: connection(team.states.map((s) => stateShape(s, team.id))) } };
    },
    ...ticketResolvers(store, { invalid: (message) => new LinearGraphQLError("invalidInput", message), notFound, freshId }),
    agentSession: (v) => ({ agentSession: sessionShape(sessionOf(v.id)) }),
    agentSession_activities: (v) => ({ agentSession: { activities: connection(sessionOf(v.id).activities.map(activityShape)) } }),

    updateIssue: (v) => {
      const issue = issueOf(v.id);
      const input = obj(v.input, "input");
      const team = store.team(issue.teamId)!;
      if (input.priority !== undefined) {
        if (!Number.isInteger(input.priority) || (input.priority as number) < 0 || (input.priority as number) > 4) {
          throw new LinearGraphQLError("invalidInput", "Argument Validation Error", "priority must be an integer from 0 (none) to 4 (low).");
        }
        issue.priority = input.priority as number;
      }
      if (input.stateId !== undefined) {
        if (!team.states.some((s) => s.id === input.stateId)) throw notFound("WorkflowState");
        issue.stateId = input.stateId as string;
      }
      if (input.estimate !== undefined) {
        if (team.issueEstimationType === "notUsed") {
          throw new LinearGraphQLError("invalidInput", "Estimates are not enabled for this team", "This team does not use estimates.");
        }
        issue.estimate = input.estimate as number | null;
      }
      if (input.labelIds !== undefined) {
        const ids = input.labelIds as string[];
        if (!Array.isArray(ids) || !ids.every((id) => team.labels.some((l) => l.id === id))) throw notFound("IssueLabel");
        issue.labelIds = [...new Set(ids)];
      }
      if (typeof input.title === "string") issue.title = input.title;
      if (typeof input.description === "string") issue.description = input.description;
      if (input.assigneeId !== undefined) issue.assigneeId = (input.assigneeId as string | null) ?? null;
      store.touch(issue);
      return { issueUpdate: issuePayload(issue) };
    },
    issueAddLabel: (v) => {
      const issue = issueOf(v.id);
      const labelId = str(v.labelId, "labelId");
      if (!store.team(issue.teamId)!.labels.some((l) => l.id === labelId)) throw notFound("IssueLabel");
      if (!issue.labelIds.includes(labelId)) issue.labelIds.push(labelId);
      store.touch(issue);
      return { issueAddLabel: issuePayload(issue) };
    },
    createComment: (v, me) => {
      const input = obj(v.input, "input");
      const issue = issueOf(input.issueId);
      if (typeof input.body !== "string" || input.body.trim() === "") {
        throw new LinearGraphQLError("invalidInput", "Argument Validation Error", "body should not be empty.");
      }
      const parentId = (input.parentId as string | undefined) ?? null;
      if (parentId) {
        const parent = store.comment(parentId);
        if (!parent || parent.issueId !== issue.id) throw notFound("Comment");
        if (parent.parentId) throw new LinearGraphQLError("invalidInput", "Parent comment must be a top level comment");
      }
      const comment = store.addComment({ id: freshId(input.id), issueId: issue.id, body: input.body, userId: me.id, parentId });
      return { commentCreate: { __typename: "CommentPayload", comment: { id: comment.id }, lastSyncId: store.lastSyncId(), success: true } };
    },
    createAgentActivity: (v, me) => {
      const input = obj(v.input, "input");
      const session = sessionOf(input.agentSessionId);
      if (session.appUserId !== me.id) {
        throw new LinearGraphQLError("forbidden", "Forbidden", "Only the session's agent can add activities to it.", 400);
      }
      const content = obj(input.content, "input.content");
      const type = content.type;
      const needsBody = type === "thought" || type === "response" || type === "error" || type === "elicitation";
      const valid =
        (needsBody && typeof content.body === "string" && content.body !== "") ||
        (type === "action" && typeof content.action === "string" && typeof content.parameter === "string");
      if (!valid) {
        throw new LinearGraphQLError("invalidInput", "Argument Validation Error", "content must be a thought, action, elicitation, response or error with its fields.");
      }
      const signal = activitySignal(input, type);
      const activity = store.addActivity(session, {
        id: freshId(input.id),
        content,
        ...signal,
        ephemeral: input.ephemeral === true && (type === "thought" || type === "action"),
        userId: me.id,
      });
      return { agentActivityCreate: { __typename: "AgentActivityPayload", agentActivity: { id: activity.id }, lastSyncId: store.lastSyncId(), success: true } };
    },
    updateComment: (v, me) => {
      const comment = store.comment(str(v.id, "id")) ?? raise(notFound("Comment"));
      // Linear lets people edit their own comments only.
      if (comment.userId !== me.id) throw new LinearGraphQLError("forbidden", "Forbidden", "You can only edit your own comments.", 400);
      const body = obj(v.input, "input").body;
      if (body !== undefined) {
        if (typeof body !== "string" || body.trim() === "") throw new LinearGraphQLError("invalidInput", "Argument Validation Error", "body should not be empty.");
        comment.body = body;
      }
      comment.updatedAt = core.now().toISOString();
      return { commentUpdate: { __typename: "CommentPayload", comment: { id: comment.id }, lastSyncId: store.lastSyncId(), success: true } };
    },
    createIssueRelation: (v) => {
      const input = obj(v.input, "input");
      const issue = issueOf(input.issueId);
      const related = store.issue(str(input.relatedIssueId, "input.relatedIssueId")) ?? raise(notFound("Issue"));
      const type = input.type;
      if (type !== "blocks" && type !== "duplicate" && type !== "related" && type !== "similar") {
        throw new LinearGraphQLError("validation", `Value "${String(type)}" does not exist in "IssueRelationType" enum.`);
      }
      const relation = store.addRelation({ id: freshId(input.id), issueId: issue.id, relatedIssueId: related.id, type });
      return { issueRelationCreate: { __typename: "IssueRelationPayload", lastSyncId: store.lastSyncId(), issueRelation: { id: relation.id }, success: true } };
    },
  };

  const api = new Hono();
  api.use(linearRecorder(core, "/linear"));
  api.post("/graphql", async (c) => {
    const request = (await c.req.json().catch(() => null)) as { query?: unknown; variables?: unknown } | null;
    if (!request || typeof request.query !== "string") {
      return linearJson(c, errorBody("validation", "Must provide query string."), 400);
    }
    const me = authenticate(c.req.header("authorization"));
    if (!me) {
      return linearJson(c, errorBody("authentication", "Authentication required, not authenticated", "You need to authenticate to access this operation."), 400);
    }
    const name = operationName(request.query);
    const resolver = name ? resolvers[name] : undefined;
    if (!resolver) {
      return linearJson(c, errorBody("validation", `Operation "${name ?? "anonymous"}" is not emulated.`), 400);
    }
    try {
      return linearJson(c, { data: resolver((request.variables ?? {}) as Variables, me) });
    } catch (error) {
      if (!(error instanceof LinearGraphQLError)) throw error;
      return linearJson(c, errorBody(error.kind, error.message, error.userMessage, [name!]), error.httpStatus);
    }
  });
  api.all("*", (c) => linearJson(c, errorBody("validation", "Not found; POST GraphQL to /graphql"), 404));

  return {
    platform: "linear",
    mount(parent) {
      parent.route("/linear", oauth.pages);
      parent.route("/linear", oauth.api);
      parent.route("/linear", api);
      parent.route("/_emulator/linear/oauth", oauth.control);
      parent.route("/_emulator/linear", controlRoutes(store));
    },
    snapshot: () => store.snapshot(),
    reset: () => store.reset(),
  };
}

/**
 * An activity's signal as Linear documents them (agent-signals): `select` goes with an
 * elicitation and lists its options, each with a value; `auth` with an elicitation and a URL.
 */
function activitySignal(input: Variables, type: unknown): { signal: string | null; signalMetadata: Record<string, unknown> | null } {
  const signal = input.signal ?? null;
  const metadata = input.signalMetadata ?? null;
  if (signal !== null && !["auth", "continue", "select", "stop"].includes(signal as string)) {
    throw new LinearGraphQLError("validation", `Value "${String(signal)}" does not exist in "AgentActivitySignal" enum.`);
  }
  if (signal === "select") {
    const options = (metadata as { options?: unknown } | null)?.options;
    const valid = type === "elicitation" && Array.isArray(options) && options.length > 0 && options.every((o) => typeof (o as { value?: unknown })?.value === "string");
    if (!valid) throw new LinearGraphQLError("invalidInput", "Argument Validation Error", "A select signal goes with an elicitation and needs signalMetadata.options, each with a value.");
  }
  if (metadata !== null && (typeof metadata !== "object" || Array.isArray(metadata))) {
    throw new LinearGraphQLError("invalidInput", "Argument Validation Error", "signalMetadata must be an object.");
  }
  return { signal: signal as string | null, signalMetadata: metadata as Record<string, unknown> | null };
}

function raise(error: Error): never {
  throw error;
}

/** Seeding under /_emulator/linear (no auth, not recorded): what exists on Linear before a webhook. */
function controlRoutes(store: LinearStore): Hono {
  const control = new Hono();
  const parse = async <T>(c: Context, schema: z.ZodType<T>) => schema.safeParse(await c.req.json().catch(() => undefined));

  control.post("/teams", async (c) => {
    const parsed = await parse(c, teamSeed);
    if (!parsed.success) return c.json({ error: "invalid team", issues: parsed.error.issues }, 400);
    return c.json(store.seedTeam(parsed.data), 201);
  });
  control.post("/issues", async (c) => {
    const parsed = await parse(c, issueSeed);
    if (!parsed.success) return c.json({ error: "invalid issue", issues: parsed.error.issues }, 400);
    if (!store.team(parsed.data.teamId)) return c.json({ error: "no such team" }, 404);
    return c.json(issueShape(store.seedIssue(parsed.data), store), 201);
  });
  // A person moving an issue to another workflow state ("Done", "Canceled"), before the Issue update webhook.
  control.post("/issues/:id/state", async (c) => {
    const issue = store.issue(c.req.param("id"));
    if (!issue) return c.json({ error: "no such issue" }, 404);
    const parsed = await parse(c, z.object({ state: z.string().min(1) }));
    if (!parsed.success) return c.json({ error: "invalid state", issues: parsed.error.issues }, 400);
    const moved = store.setIssueState(issue, parsed.data.state);
    if (!moved) return c.json({ error: "the team has no such state" }, 400);
    return c.json({ issue: issueWithState(issue, store), from: moved.from, to: moved.to });
  });
  // A person of the workspace: a guest, an admin, a suspended account (others are plain members).
  control.post("/users", async (c) => {
    const parsed = await parse(c, userSeed);
    if (!parsed.success) return c.json({ error: "invalid user", issues: parsed.error.issues }, 400);
    return c.json(store.seedUser(parsed.data), 201);
  });
  // A person's comment, as it exists on Linear before the webhook about it is sent.
  control.post("/comments", async (c) => {
    const parsed = await parse(c, commentSeed);
    if (!parsed.success) return c.json({ error: "invalid comment", issues: parsed.error.issues }, 400);
    if (!store.issue(parsed.data.issueId)) return c.json({ error: "no such issue" }, 404);
    return c.json(commentShape(store.addComment(parsed.data), store), 201);
  });
  // The session Linear opens when the app is delegated an issue or @-mentioned.
  control.post("/sessions", async (c) => {
    const parsed = await parse(c, sessionSeed);
    if (!parsed.success) return c.json({ error: "invalid session", issues: parsed.error.issues }, 400);
    if (!store.issue(parsed.data.issueId)) return c.json({ error: "no such issue" }, 404);
    return c.json(sessionShape(store.seedSession(parsed.data)), 201);
  });
  // A person's follow-up (or stop) in the session, as Linear records it before `prompted`.
  control.post("/sessions/:id/prompts", async (c) => {
    const session = store.session(c.req.param("id"));
    if (!session) return c.json({ error: "no such session" }, 404);
    const parsed = await parse(c, z.object({ body: z.string(), userId: z.string().min(1), signal: z.enum(["stop"]).optional() }));
    if (!parsed.success) return c.json({ error: "invalid prompt", issues: parsed.error.issues }, 400);
    const activity = store.addActivity(session, {
      content: { type: "prompt", body: parsed.data.body },
      signal: parsed.data.signal ?? null,
      userId: parsed.data.userId,
    });
    return c.json(activityShape(activity), 201);
  });
  return control;
}
