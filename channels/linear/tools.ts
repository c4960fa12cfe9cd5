import { Issue_LabelsQuery, Issue_RelationsQuery, Team_LabelsQuery, Team_StatesQuery, type IssueRelationType } from "@linear/sdk";
import { z } from "zod";
import type { EffectContext } from "../../src/channel.ts";
import { defineTool, type ToolSet } from "../../src/harness/tools.ts";
import { linearApi } from "./client.ts";
import type { LinearConfig } from "./config.ts";
import type { LinearTarget } from "./outbound.ts";

export type ActionReport = (content: { type: "action"; action: string; parameter: string; result?: string }, effect: EffectContext) => Promise<void>;

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

/**
 * The triage tools the model may call on a Linear issue. Every one is idempotent on replay:
 * setting a field twice is a no-op, labels already on the issue are skipped, a relation is
 * created with an id derived from the step's key and looked for first.
 */
export function linearTools(target: LinearTarget, config: LinearConfig, report: ActionReport): ToolSet {
  const api = () => linearApi(config);
  let team: Promise<string> | undefined;
  const teamId = () => {
    team ??= api().sdk.issue(target.issueId).then((issue) => {
      if (!issue.teamId) throw new Error("the issue has no team");
      return issue.teamId;
    });
    return team;
  };
  const teamLabels = async () => (await new Team_LabelsQuery(api().request, await teamId(), { first: 250 }).fetch()).nodes;

  return {
    list_labels: defineTool({
      description: "List the names of every label of this issue's Linear team.",
      input: z.object({}),
      async execute() {
        return (await teamLabels()).map((label) => label.name);
      },
    }),

    add_labels: defineTool({
      description: "Add existing team labels (by name) to this issue. Labels are never created.",
      input: z.object({ labels: z.array(z.string().min(1)).min(1).max(10) }),
      async execute({ labels }, effect) {
        const available = await teamLabels();
        const chosen = labels.map((name) => ({ name, label: available.find((l) => l.name.toLowerCase() === name.toLowerCase()) }));
        const unknown = chosen.filter((c) => !c.label).map((c) => c.name);
        if (unknown.length > 0) {
          throw new Error(`no label named ${unknown.map((n) => `"${n}"`).join(", ")} in this team; existing labels: ${available.map((l) => l.name).join(", ")}`);
        }
        const present = new Set((await new Issue_LabelsQuery(api().request, target.issueId, { first: 250 }).fetch()).nodes.map((l) => l.id));
        for (const { label } of chosen) if (!present.has(label!.id)) await api().sdk.issueAddLabel(target.issueId, label!.id);
        const added = chosen.map((c) => c.label!.name);
        await report({ type: "action", action: "Added labels", parameter: added.join(", ") }, effect);
        return { added };
      },
    }),

    set_priority: defineTool({
      description: "Set the issue's priority: urgent, high, medium, low or none.",
      input: z.object({ priority: z.enum(["urgent", "high", "medium", "low", "none"]) }),
      async execute({ priority }, effect) {
        const value = PRIORITIES[priority];
        await api().sdk.updateIssue(target.issueId, { priority: value });
        await report({ type: "action", action: "Set priority", parameter: PRIORITY_NAMES[value] }, effect);
        return { priority: PRIORITY_NAMES[value] };
      },
    }),

    set_state: defineTool({
      description: "Move the issue to the team's triage or backlog workflow state.",
      input: z.object({ state: z.enum(["triage", "backlog"]) }),
      async execute({ state }, effect) {
        const states = (await new Team_StatesQuery(api().request, await teamId(), { first: 100 }).fetch()).nodes;
        const match = states.filter((s) => s.type === state).sort((a, b) => a.position - b.position)[0];
        if (!match) throw new Error(`this team has no ${state} state; its states are ${states.map((s) => `${s.name} (${s.type})`).join(", ")}`);
        await api().sdk.updateIssue(target.issueId, { stateId: match.id });
        await report({ type: "action", action: "Moved to", parameter: match.name }, effect);
        return { state: match.name };
      },
    }),

    set_estimate: defineTool({
      description: "Set the issue's estimate in points, on the team's estimate scale (only if the team uses estimates).",
      input: z.object({ estimate: z.number().int().min(0).max(64) }),
      async execute({ estimate }, effect) {
        const team = await api().sdk.team(await teamId());
        const scale = ESTIMATE_SCALES[team.issueEstimationType];
        if (!scale) throw new Error("this team does not use estimates");
        const allowed = team.issueEstimationAllowZero ? [0, ...scale] : scale;
        if (!allowed.includes(estimate)) throw new Error(`the team's ${team.issueEstimationType} scale allows ${allowed.join(", ")}`);
        await api().sdk.updateIssue(target.issueId, { estimate });
        await report({ type: "action", action: "Estimated", parameter: `${estimate} points` }, effect);
        return { estimate };
      },
    }),

    link_issues: defineTool({
      description: "Link this issue to another one (by identifier such as ENG-42, or id) as related, or mark it a duplicate of it.",
      input: z.object({ issue: z.string().min(1), type: z.enum(["related", "duplicate"]) }),
      async execute({ issue, type }, effect) {
        const other = await api().sdk.issue(issue);
        if (other.id === target.issueId) throw new Error("an issue cannot be linked to itself");
        const relations = (await new Issue_RelationsQuery(api().request, target.issueId, { first: 250 }).fetch()).nodes;
        const exists = relations.some((r) => r.type === type && r.relatedIssueId === other.id);
        if (!exists) {
          await api().sdk.createIssueRelation({ issueId: target.issueId, relatedIssueId: other.id, type: type as IssueRelationType });
        }
        await report({ type: "action", action: type === "duplicate" ? "Marked duplicate of" : "Linked to", parameter: other.identifier }, effect);
        return { linked: other.identifier, type };
      },
    }),
  };
}
