// Emulated Linear operations for a bot that files tickets: issue search (`searchIssues`, the
// current full-text search; `issueSearch` is deprecated), `issueCreate` with a client-chosen id,
// and teams by key. linear.ts mounts them with its other resolvers.
import { connection, issueShape } from "./linear-shapes.ts";
import type { LinearIssue, LinearStore, LinearUser } from "./linear-state.ts";

type Variables = Record<string, unknown>;

export interface TicketResolverErrors {
  /** A variable of the wrong type, or missing. */
  invalid(message: string): Error;
  notFound(entity: string): Error;
  /** A client-chosen id that is not a UUID, or one already taken. */
  freshId(value: unknown): string | undefined;
}

/** An issue with its workflow state spelled out, as a query that selects `state { name type }` gets it. */
export function issueWithState(issue: LinearIssue, store: LinearStore) {
  const state = store.stateOf(issue);
  return { ...issueShape(issue, store), state: state ? { __typename: "WorkflowState", id: state.id, name: state.name, type: state.type } : null };
}

export function ticketResolvers(store: LinearStore, errors: TicketResolverErrors): Record<string, (variables: Variables, me: LinearUser) => unknown> {
  return {
    // Words of the term found in the title or description rank an issue; more words, and title words, rank higher.
    searchIssues: (v) => {
      if (typeof v.term !== "string") throw errors.invalid('Variable "$term" of required type "String!" was not provided.');
      const words = [...new Set(v.term.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [])];
      const first = typeof v.first === "number" ? Math.min(Math.max(1, v.first), 250) : 50;
      const ranked = store
        .issues()
        .filter((issue) => typeof v.teamId !== "string" || issue.teamId === v.teamId)
        .map((issue) => {
          const title = issue.title.toLowerCase();
          const description = issue.description.toLowerCase();
          const score = words.reduce((sum, word) => sum + (title.includes(word) ? 2 : 0) + (description.includes(word) ? 1 : 0), 0);
          return { issue, score };
        })
        .filter((hit) => hit.score > 0)
        .sort((a, b) => b.score - a.score || b.issue.number - a.issue.number);
      const nodes = ranked.slice(0, first).map(({ issue, score }) => ({ ...issueWithState(issue, store), __typename: "IssueSearchResult", metadata: { score } }));
      return { searchIssues: { ...connection(nodes), __typename: "IssueSearchPayload", totalCount: ranked.length, archivePayload: { __typename: "ArchiveResponse", archive: "", totalCount: 0, databaseVersion: 1, success: true } } };
    },

    createIssue: (v, me) => {
      const input = v.input;
      if (input === null || typeof input !== "object") throw errors.invalid('Variable "$input" of required type "IssueCreateInput!" was not provided.');
      const fields = input as Variables;
      if (typeof fields.teamId !== "string") throw errors.invalid("Argument Validation Error: teamId must be a UUID.");
      const team = store.team(fields.teamId) ?? raise(errors.notFound("Team"));
      if (typeof fields.title !== "string" || fields.title.trim() === "") throw errors.invalid("Argument Validation Error: title should not be empty.");
      const priority = fields.priority;
      if (priority !== undefined && (!Number.isInteger(priority) || (priority as number) < 0 || (priority as number) > 4)) {
        throw errors.invalid("Argument Validation Error: priority must be an integer from 0 (none) to 4 (low).");
      }
      const labelIds = Array.isArray(fields.labelIds) ? fields.labelIds.map(String) : [];
      if (!labelIds.every((id) => team.labels.some((label) => label.id === id))) throw errors.notFound("IssueLabel");
      const id = errors.freshId(fields.id);
      const issue = store.createIssue({
        ...(id ? { id } : {}),
        teamId: team.id,
        title: fields.title,
        ...(typeof fields.description === "string" ? { description: fields.description } : {}),
        ...(typeof priority === "number" ? { priority } : {}),
        labelIds,
        creatorId: me.id,
      });
      return { issueCreate: { __typename: "IssuePayload", lastSyncId: store.lastSyncId(), success: true, issue: issueWithState(issue, store) } };
    },

    teams: (v) => {
      const key = ((v.filter as Variables | undefined)?.key as Variables | undefined)?.eq;
      const teams = store.teams().filter((team) => typeof key !== "string" || team.key === key.toUpperCase());
      return { teams: connection(teams.map((team) => ({ __typename: "Team", id: team.id, key: team.key, name: team.name }))) };
    },
  };
}

function raise(error: Error): never {
  throw error;
}
