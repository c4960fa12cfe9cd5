import { Issue_LabelsQuery, Issue_RelationsQuery, Team_LabelsQuery, Team_StatesQuery, type IssueRelationType } from "@linear/sdk";
import { z } from "zod";
import { channelTools } from "../../src/harness/tools.ts";
import { linearApi, type LinearApi } from "./client.ts";
import type { LinearConfig } from "./config.ts";
import type { LinearTarget } from "./target.ts";

/** Linear's priority numbers: 0 none, 1 urgent, 2 high, 3 medium, 4 low. */
const PRIORITIES = { none: 0, urgent: 1, high: 2, medium: 3, low: 4 } as const;
const PRIORITY_NAMES = ["No priority", "Urgent", "High", "Medium", "Low"] as const;

/** The points each of Linear's estimate scales offers (Linear's "extended" scales add more). */
const ESTIMATE_SCALES: Record<string, readonly number[]> = {
  exponential: [1, 2, 4, 8, 16],
  fibonacci: [1, 2, 3, 5, 8],
  linear: [1, 2, 3, 4, 5],
  tShirt: [1, 2, 3, 5, 8],
};

const linearTool = channelTools<LinearTarget, LinearConfig>("linear");

/**
 * The team of the conversation's issue, looked up once per turn (the turn's abort signal stands
 * for the turn; a promise is never shared across requests, which workerd forbids).
 */
const teams = new WeakMap<AbortSignal, Promise<string>>();
function teamOf(api: LinearApi, issueId: string, turn: AbortSignal): Promise<string> {
  let team = teams.get(turn);
  if (!team) {
    team = api.sdk.issue(issueId).then((issue) => {
      if (!issue.teamId) throw new Error("the issue has no team");
      return issue.teamId;
    });
    teams.set(turn, team);
  }
  return team;
}

async function teamLabels(api: LinearApi, issueId: string, turn: AbortSignal) {
  return (await new Team_LabelsQuery(api.request, await teamOf(api, issueId, turn), { first: 250 }).fetch()).nodes;
}

/**
 * Linear's tools, for agents to pick from (`tools: [linearTools.add_labels, …]`). Every one is
 * idempotent on replay: setting a field twice is a no-op, labels already on the issue are
 * skipped, a relation is looked for before it is created. Each shows as an `action` activity
 * in the agent session, when there is one.
 */
export const linearTools = {
  list_labels: linearTool({
    name: "list_labels",
    description: "List the names of every label of this issue's Linear team.",
    inputSchema: z.object({}),
    async execute(_input, { target, config, signal }) {
      return (await teamLabels(linearApi(config, target.organizationId), target.issueId, signal)).map((label) => label.name);
    },
  }),

  add_labels: linearTool({
    name: "add_labels",
    description: "Add existing team labels (by name) to this issue. Labels are never created.",
    inputSchema: z.object({ labels: z.array(z.string().min(1)).min(1).max(10) }),
    async execute({ labels }, { target, config, signal, progress }) {
      const api = linearApi(config, target.organizationId);
      const available = await teamLabels(api, target.issueId, signal);
      const chosen = labels.map((name) => ({ name, label: available.find((l) => l.name.toLowerCase() === name.toLowerCase()) }));
      const unknown = chosen.filter((c) => !c.label).map((c) => c.name);
      if (unknown.length > 0) {
        throw new Error(`no label named ${unknown.map((n) => `"${n}"`).join(", ")} in this team; existing labels: ${available.map((l) => l.name).join(", ")}`);
      }
      const present = new Set((await new Issue_LabelsQuery(api.request, target.issueId, { first: 250 }).fetch()).nodes.map((l) => l.id));
      for (const { label } of chosen) if (!present.has(label!.id)) await api.sdk.issueAddLabel(target.issueId, label!.id);
      const added = chosen.map((c) => c.label!.name);
      await progress({ action: "Added labels", parameter: added.join(", ") });
      return { added };
    },
  }),

  set_priority: linearTool({
    name: "set_priority",
    description: "Set the issue's priority: urgent, high, medium, low or none.",
    inputSchema: z.object({ priority: z.enum(["urgent", "high", "medium", "low", "none"]) }),
    async execute({ priority }, { target, config, progress }) {
      const value = PRIORITIES[priority];
      await linearApi(config, target.organizationId).sdk.updateIssue(target.issueId, { priority: value });
      await progress({ action: "Set priority", parameter: PRIORITY_NAMES[value] });
      return { priority: PRIORITY_NAMES[value] };
    },
  }),

  set_state: linearTool({
    name: "set_state",
    description: "Move the issue to the team's triage or backlog workflow state.",
    inputSchema: z.object({ state: z.enum(["triage", "backlog"]) }),
    async execute({ state }, { target, config, signal, progress }) {
      const api = linearApi(config, target.organizationId);
      const states = (await new Team_StatesQuery(api.request, await teamOf(api, target.issueId, signal), { first: 100 }).fetch()).nodes;
      const match = states.filter((s) => s.type === state).sort((a, b) => a.position - b.position)[0];
      if (!match) throw new Error(`this team has no ${state} state; its states are ${states.map((s) => `${s.name} (${s.type})`).join(", ")}`);
      await api.sdk.updateIssue(target.issueId, { stateId: match.id });
      await progress({ action: "Moved to", parameter: match.name });
      return { state: match.name };
    },
  }),

  set_estimate: linearTool({
    name: "set_estimate",
    description: "Set the issue's estimate in points, on the team's estimate scale (only if the team uses estimates).",
    inputSchema: z.object({ estimate: z.number().int().min(0).max(64) }),
    async execute({ estimate }, { target, config, signal, progress }) {
      const api = linearApi(config, target.organizationId);
      const team = await api.sdk.team(await teamOf(api, target.issueId, signal));
      const scale = ESTIMATE_SCALES[team.issueEstimationType];
      if (!scale) throw new Error("this team does not use estimates");
      const allowed = team.issueEstimationAllowZero ? [0, ...scale] : scale;
      if (!allowed.includes(estimate)) throw new Error(`the team's ${team.issueEstimationType} scale allows ${allowed.join(", ")}`);
      await api.sdk.updateIssue(target.issueId, { estimate });
      await progress({ action: "Estimated", parameter: `${estimate} points` });
      return { estimate };
    },
  }),

  link_issues: linearTool({
    name: "link_issues",
    description: "Link this issue to another one (by identifier such as ENG-42, or id) as related, or mark it a duplicate of it.",
    inputSchema: z.object({ issue: z.string().min(1), type: z.enum(["related", "duplicate"]) }),
    async execute({ issue, type }, { target, config, progress }) {
      const api = linearApi(config, target.organizationId);
      const other = await api.sdk.issue(issue);
      if (other.id === target.issueId) throw new Error("an issue cannot be linked to itself");
      const relations = (await new Issue_RelationsQuery(api.request, target.issueId, { first: 250 }).fetch()).nodes;
      const exists = relations.some((r) => r.type === type && r.relatedIssueId === other.id);
      if (!exists) {
        await api.sdk.createIssueRelation({ issueId: target.issueId, relatedIssueId: other.id, type: type as IssueRelationType });
      }
      await progress({ action: type === "duplicate" ? "Marked duplicate of" : "Linked to", parameter: other.identifier });
      return { linked: other.identifier, type };
    },
  }),
};
