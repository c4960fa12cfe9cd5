import { LinearError, Team_LabelsQuery } from "@linear/sdk";
import { linearApi, type LinearApi } from "../../../channels/linear/client.ts";
import type { LinearConfig } from "../../../channels/linear/config.ts";
import { idFor, linearOutbound } from "../../../channels/linear/outbound.ts";
import type { EffectContext } from "../../../src/channel.ts";
import { mapLabelToRepositoryLabel } from "../classifier/index.ts";
import { keywords, TrackerUnavailable, type NewTicket, type Ticket, type Tracker } from "./tracker.ts";

// Lean documents: the SDK's generated ones select every field of an issue, and Linear rate-limits
// by query complexity. Operation names match the SDK's documents.
const TEAMS = `query teams($filter: TeamFilter, $first: Int) { teams(filter: $filter, first: $first) { nodes { id key name } } }`;
const ISSUE_FIELDS = "id identifier title description url state { name type }";
const SEARCH = `query searchIssues($term: String!, $teamId: String, $first: Int) { searchIssues(term: $term, teamId: $teamId, first: $first) { nodes { ${ISSUE_FIELDS} } } }`;
const ISSUE = `query issue($id: String!) { issue(id: $id) { ${ISSUE_FIELDS} } }`;
const CREATE = `mutation createIssue($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { ${ISSUE_FIELDS} } } }`;

interface IssueNode {
  id: string;
  identifier: string;
  title: string;
  description?: string | null;
  url: string;
  state?: { name: string; type: string } | null;
}

const PRIORITIES = { urgent: 1, high: 2, medium: 3, low: 4 } as const;
const CLOSED_STATES = new Set(["completed", "canceled"]);

/**
 * A Linear team as a ticket tracker: `searchIssues` scoped to the team, issues created with an
 * id derived from the idempotency key (the marker: a replay asks for that id first, and Linear
 * refuses a second entity with it), comments through the channel's own outbound.
 */
export function linearTracker(config: LinearConfig, teamKey: string, options: { organizationId?: string } = {}): Tracker {
  const api = (): LinearApi => linearApi(config, options.organizationId);
  let team: Promise<{ id: string; key: string }> | undefined;
  const teamId = async () => {
    team ??= api()
      .request<{ teams: { nodes: { id: string; key: string }[] } }, Record<string, unknown>>(TEAMS, { filter: { key: { eq: teamKey } }, first: 1 })
      .then(({ teams }) => teams.nodes[0] ?? Promise.reject(new TrackerUnavailable(`Linear has no team with the key ${teamKey}`)));
    return (await team).id;
  };
  const ticket = (issue: IssueNode): Ticket => ({
    id: issue.identifier,
    title: issue.title,
    body: issue.description ?? "",
    url: issue.url,
    state: issue.state?.name ?? "unknown",
    open: !CLOSED_STATES.has(issue.state?.type ?? ""),
    conversationKey: `linear:${issue.id}`,
  });
  const issue = async (id: string): Promise<IssueNode | undefined> => {
    try {
      return (await api().request<{ issue: IssueNode }, { id: string }>(ISSUE, { id })).issue;
    } catch (error) {
      if (error instanceof LinearError && /not found/i.test(error.message)) return undefined;
      throw error;
    }
  };

  return {
    name: `linear:${teamKey}`,

    async search(report) {
      const term = keywords(`${report.title}\n${report.body}`, 8).join(" ");
      if (!term) return [];
      const { searchIssues } = await api().request<{ searchIssues: { nodes: IssueNode[] } }, Record<string, unknown>>(SEARCH, { term, teamId: await teamId(), first: 20 });
      return searchIssues.nodes.map(ticket);
    },

    async create(input: NewTicket, effect: EffectContext) {
      const id = await idFor(effect.idempotencyKey);
      const existing = effect.replay ? await issue(id) : undefined;
      if (existing) return { ...ticket(existing), labels: [] };
      const team = await teamId();
      const labels = (await new Team_LabelsQuery(api().request, team, { first: 250 }).fetch()).nodes;
      const label = input.kind ? mapLabelToRepositoryLabel(input.kind, labels.map((l) => l.name)) : null;
      const labelId = labels.find((l) => l.name === label)?.id;
      const { issueCreate } = await api().request<{ issueCreate: { issue: IssueNode } }, Record<string, unknown>>(CREATE, {
        input: {
          id,
          teamId: team,
          title: input.title,
          description: input.body,
          ...(input.priority ? { priority: PRIORITIES[input.priority] } : {}),
          ...(labelId ? { labelIds: [labelId] } : {}),
        },
      });
      return { ...ticket(issueCreate.issue), labels: label ? [label] : [], ...(input.priority ? { priority: input.priority } : {}) };
    },

    async comment(ticketId, markdown, effect) {
      if (!ticketId.toUpperCase().startsWith(`${teamKey.toUpperCase()}-`)) throw new Error(`${ticketId} is not an issue of the ${teamKey} team`);
      const found = await issue(ticketId);
      if (!found) throw new Error(`Linear has no issue ${ticketId}`);
      const posted = await linearOutbound({ issueId: found.id, ...(options.organizationId ? { organizationId: options.organizationId } : {}) }, config).reply(markdown, effect);
      return { ticket: ticket(found), ...(posted.url ? { url: posted.url } : {}) };
    },
  };
}
