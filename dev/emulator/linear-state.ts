// In-memory Linear workspace: teams (labels, workflow states, estimate scale), issues, comments,
// relations and agent sessions with their activities. Ids are UUIDs, as on Linear.
import { z } from "zod";

export interface LinearUser {
  id: string;
  name: string;
  displayName: string;
  email: string;
  /** True for an OAuth app's user (`actor=app`). */
  app: boolean;
  /** A guest sees only the teams they were invited to. Default false. */
  guest?: boolean;
  /** A workspace admin. Default false. */
  admin?: boolean;
  /** False once suspended or gone. Default true. */
  active?: boolean;
}

export interface LinearLabel {
  id: string;
  name: string;
  color: string;
}

export interface LinearState {
  id: string;
  name: string;
  /** Linear's workflow state types. */
  type: "triage" | "backlog" | "unstarted" | "started" | "completed" | "canceled";
  color: string;
  position: number;
}

export type EstimationType = "notUsed" | "exponential" | "fibonacci" | "linear" | "tShirt";

export interface LinearTeam {
  id: string;
  key: string;
  name: string;
  labels: LinearLabel[];
  states: LinearState[];
  issueEstimationType: EstimationType;
  issueEstimationAllowZero: boolean;
  triageEnabled: boolean;
  issueCount: number;
}

export interface LinearIssue {
  id: string;
  teamId: string;
  number: number;
  identifier: string;
  title: string;
  description: string;
  priority: number;
  estimate: number | null;
  stateId: string;
  labelIds: string[];
  assigneeId: string | null;
  delegateId: string | null;
  creatorId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface LinearComment {
  id: string;
  issueId: string;
  body: string;
  parentId: string | null;
  userId: string;
  createdAt: string;
  updatedAt: string;
}

export interface LinearRelation {
  id: string;
  issueId: string;
  relatedIssueId: string;
  type: "blocks" | "duplicate" | "related" | "similar";
  createdAt: string;
}

export interface LinearActivity {
  id: string;
  agentSessionId: string;
  content: Record<string, unknown>;
  signal: string | null;
  /** What the signal needs, e.g. the options of a `select`. */
  signalMetadata: Record<string, unknown> | null;
  ephemeral: boolean;
  userId: string;
  createdAt: string;
  updatedAt: string;
}

export interface LinearSession {
  id: string;
  issueId: string | null;
  appUserId: string;
  creatorId: string | null;
  commentId: string | null;
  status: "pending" | "active" | "awaitingInput" | "error" | "complete" | "stale";
  activities: LinearActivity[];
  createdAt: string;
  updatedAt: string;
}

const PRIORITY_LABELS = ["No priority", "Urgent", "High", "Medium", "Low"] as const;
export const priorityLabel = (priority: number) => PRIORITY_LABELS[priority] ?? "No priority";

export const DEFAULT_LABELS: readonly Pick<LinearLabel, "name" | "color">[] = [
  { name: "Bug", color: "#eb5757" },
  { name: "Feature", color: "#bb87fc" },
  { name: "Improvement", color: "#4ea7fc" },
];

export const DEFAULT_STATES: readonly Pick<LinearState, "name" | "type" | "color">[] = [
  { name: "Triage", type: "triage", color: "#fc7840" },
  { name: "Backlog", type: "backlog", color: "#bec2c8" },
  { name: "Todo", type: "unstarted", color: "#e2e2e2" },
  { name: "In Progress", type: "started", color: "#f2c94c" },
  { name: "Done", type: "completed", color: "#5e6ad2" },
  { name: "Canceled", type: "canceled", color: "#95a2b3" },
];

export const teamSeed = z.object({
  id: z.string().min(1).optional(),
  key: z.string().regex(/^[A-Z][A-Z0-9]{0,6}$/, "a team key such as ENG"),
  name: z.string().min(1).optional(),
  labels: z.array(z.string().min(1)).optional(),
  states: z
    .array(z.object({ name: z.string().min(1), type: z.enum(["triage", "backlog", "unstarted", "started", "completed", "canceled"]) }))
    .optional(),
  issueEstimationType: z.enum(["notUsed", "exponential", "fibonacci", "linear", "tShirt"]).optional(),
});

export const issueSeed = z.object({
  id: z.string().min(1).optional(),
  teamId: z.string().min(1),
  title: z.string(),
  description: z.string().optional(),
  labels: z.array(z.string()).optional(),
  priority: z.number().int().min(0).max(4).optional(),
  state: z.string().optional(),
  assigneeId: z.string().nullable().optional(),
  creatorId: z.string().optional(),
});

export const sessionSeed = z.object({
  id: z.string().min(1).optional(),
  issueId: z.string().min(1),
  appUserId: z.string().min(1).optional(),
  creatorId: z.string().optional(),
  commentId: z.string().optional(),
});

export const userSeed = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  guest: z.boolean().optional(),
  admin: z.boolean().optional(),
  active: z.boolean().optional(),
});

export const commentSeed = z.object({
  id: z.string().min(1).optional(),
  issueId: z.string().min(1),
  body: z.string().min(1),
  userId: z.string().min(1),
  parentId: z.string().optional(),
});

export type LinearStore = ReturnType<typeof createLinearStore>;

export function createLinearStore(now: () => Date, viewer: LinearUser, organization: { id: string; name: string; urlKey: string }) {
  let teams = new Map<string, LinearTeam>();
  let issues = new Map<string, LinearIssue>();
  let comments = new Map<string, LinearComment>();
  let relations = new Map<string, LinearRelation>();
  let sessions = new Map<string, LinearSession>();
  let users = new Map<string, LinearUser>([[viewer.id, viewer]]);
  let syncId = 1000;
  const stamp = () => now().toISOString();

  const store = {
    viewer,
    organization,
    lastSyncId: () => ++syncId,
    user(id: string): LinearUser {
      let user = users.get(id);
      if (!user) {
        const name = `user-${id.slice(0, 6)}`;
        user = { id, name, displayName: name, email: `${name}@example.com`, app: false };
        users.set(id, user);
      }
      return user;
    },
    /** A person of the workspace, as its admins set them up (a guest, an admin, a suspended account). */
    seedUser(input: z.infer<typeof userSeed>): LinearUser {
      const user: LinearUser = { displayName: input.name, email: `${input.name}@example.com`, app: false, ...input };
      users.set(user.id, user);
      return user;
    },
    team: (id: string) => teams.get(id),
    issue: (idOrIdentifier: string) =>
      issues.get(idOrIdentifier) ?? [...issues.values()].find((issue) => issue.identifier === idOrIdentifier.toUpperCase()),
    comment: (id: string) => comments.get(id),
    session: (id: string) => sessions.get(id),
    commentsOf: (issueId: string) => [...comments.values()].filter((c) => c.issueId === issueId),
    relationsOf: (issueId: string) => [...relations.values()].filter((r) => r.issueId === issueId),
    seedTeam(input: z.infer<typeof teamSeed>): LinearTeam {
      const team: LinearTeam = {
        id: input.id ?? crypto.randomUUID(),
        key: input.key,
        name: input.name ?? input.key,
        labels: (input.labels?.map((name) => ({ name, color: "#bec2c8" })) ?? DEFAULT_LABELS).map((label) => ({ id: crypto.randomUUID(), ...label })),
        states: (input.states?.map((s) => ({ ...s, color: "#bec2c8" })) ?? DEFAULT_STATES).map((state, position) => ({
          id: crypto.randomUUID(),
          position,
          ...state,
        })),
        issueEstimationType: input.issueEstimationType ?? "notUsed",
        issueEstimationAllowZero: false,
        triageEnabled: (input.states ?? DEFAULT_STATES).some((s) => s.type === "triage"),
        issueCount: 0,
      };
      teams.set(team.id, team);
      return team;
    },
    seedIssue(input: z.infer<typeof issueSeed>): LinearIssue {
      const team = teams.get(input.teamId);
      if (!team) throw new Error(`no team ${input.teamId}`);
      const number = ++team.issueCount;
      const state =
        team.states.find((s) => s.name.toLowerCase() === input.state?.toLowerCase()) ??
        team.states.find((s) => s.type === "triage") ??
        team.states[0]!;
      const labelIds = (input.labels ?? []).flatMap((name) => team.labels.find((l) => l.name.toLowerCase() === name.toLowerCase())?.id ?? []);
      const issue: LinearIssue = {
        id: input.id ?? crypto.randomUUID(),
        teamId: team.id,
        number,
        identifier: `${team.key}-${number}`,
        title: input.title,
        description: input.description ?? "",
        priority: input.priority ?? 0,
        estimate: null,
        stateId: state.id,
        labelIds,
        assigneeId: input.assigneeId ?? null,
        delegateId: null,
        creatorId: input.creatorId ?? null,
        createdAt: stamp(),
        updatedAt: stamp(),
      };
      issues.set(issue.id, issue);
      return issue;
    },
    /** An issue created through the API (`issueCreate`), with a client-chosen id when given. */
    createIssue(input: { id?: string; teamId: string; title: string; description?: string; priority?: number; labelIds?: string[]; creatorId: string }): LinearIssue {
      const issue = store.seedIssue({ ...(input.id ? { id: input.id } : {}), teamId: input.teamId, title: input.title, description: input.description ?? "", priority: input.priority ?? 0, creatorId: input.creatorId });
      issue.labelIds = [...new Set(input.labelIds ?? [])];
      return issue;
    },
    /** Moves an issue to one of its team's workflow states (by name); returns the state it left. */
    setIssueState(issue: LinearIssue, stateName: string): { from: LinearState; to: LinearState } | null {
      const team = teams.get(issue.teamId)!;
      const to = team.states.find((s) => s.name.toLowerCase() === stateName.toLowerCase());
      const from = team.states.find((s) => s.id === issue.stateId)!;
      if (!to) return null;
      issue.stateId = to.id;
      issue.updatedAt = stamp();
      return { from, to };
    },
    teams: () => [...teams.values()],
    issues: () => [...issues.values()],
    stateOf: (issue: LinearIssue) => teams.get(issue.teamId)?.states.find((s) => s.id === issue.stateId),
    touch(issue: LinearIssue) {
      issue.updatedAt = stamp();
    },
    addComment(input: { id?: string; issueId: string; body: string; userId: string; parentId?: string | null }): LinearComment {
      const comment: LinearComment = {
        id: input.id ?? crypto.randomUUID(),
        issueId: input.issueId,
        body: input.body,
        parentId: input.parentId ?? null,
        userId: input.userId,
        createdAt: stamp(),
        updatedAt: stamp(),
      };
      comments.set(comment.id, comment);
      return comment;
    },
    hasEntity: (id: string) => issues.has(id) || comments.has(id) || relations.has(id) || [...sessions.values()].some((s) => s.activities.some((a) => a.id === id)),
    addRelation(input: Omit<LinearRelation, "createdAt" | "id"> & { id?: string }): LinearRelation {
      const relation: LinearRelation = { ...input, id: input.id ?? crypto.randomUUID(), createdAt: stamp() };
      relations.set(relation.id, relation);
      return relation;
    },
    seedSession(input: z.infer<typeof sessionSeed>): LinearSession {
      const session: LinearSession = {
        id: input.id ?? crypto.randomUUID(),
        issueId: input.issueId,
        appUserId: input.appUserId ?? viewer.id,
        creatorId: input.creatorId ?? null,
        commentId: input.commentId ?? null,
        status: "pending",
        activities: [],
        createdAt: stamp(),
        updatedAt: stamp(),
      };
      sessions.set(session.id, session);
      return session;
    },
    addActivity(
      session: LinearSession,
      input: { id?: string; content: Record<string, unknown>; signal?: string | null; signalMetadata?: Record<string, unknown> | null; ephemeral?: boolean; userId: string },
    ): LinearActivity {
      // An ephemeral activity is replaced by the next one, as in Linear's UI.
      session.activities = session.activities.filter((a) => !a.ephemeral);
      const activity: LinearActivity = {
        id: input.id ?? crypto.randomUUID(),
        agentSessionId: session.id,
        content: input.content,
        signal: input.signal ?? null,
        signalMetadata: input.signalMetadata ?? null,
        ephemeral: input.ephemeral ?? false,
        userId: input.userId,
        createdAt: stamp(),
        updatedAt: stamp(),
      };
      session.activities.push(activity);
      session.updatedAt = activity.createdAt;
      const type = input.content.type;
      if (input.userId === session.appUserId) {
        session.status = type === "response" ? "complete" : type === "error" ? "error" : type === "elicitation" ? "awaitingInput" : "active";
      }
      return activity;
    },
    snapshot() {
      return {
        organization,
        viewer,
        teams: [...teams.values()].map((team) => ({
          ...team,
          issues: [...issues.values()]
            .filter((issue) => issue.teamId === team.id)
            .map((issue) => ({
              ...issue,
              priorityLabel: priorityLabel(issue.priority),
              state: team.states.find((s) => s.id === issue.stateId)?.name,
              labels: issue.labelIds.map((id) => team.labels.find((l) => l.id === id)?.name),
              comments: store.commentsOf(issue.id),
              relations: store.relationsOf(issue.id),
              sessions: [...sessions.values()].filter((s) => s.issueId === issue.id),
            })),
        })),
      };
    },
    reset() {
      teams = new Map();
      issues = new Map();
      comments = new Map();
      relations = new Map();
      sessions = new Map();
      users = new Map([[viewer.id, viewer]]);
    },
  };
  return store;
}
