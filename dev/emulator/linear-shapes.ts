// GraphQL response objects in the shapes @linear/sdk's fragments select (`__typename`, nested
// `{ id }` references, ISO timestamps, connections with `pageInfo`).
import {
  priorityLabel,
  type LinearActivity,
  type LinearComment,
  type LinearIssue,
  type LinearLabel,
  type LinearRelation,
  type LinearSession,
  type LinearState,
  type LinearStore,
  type LinearTeam,
  type LinearUser,
} from "./linear-state.ts";

const ref = (id: string | null | undefined) => (id ? { id } : null);
const EPOCH = "2026-01-01T00:00:00.000Z";

export function connection<T>(nodes: readonly T[]) {
  return {
    __typename: "Connection",
    nodes,
    pageInfo: {
      __typename: "PageInfo",
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: nodes.length ? "0" : null,
      endCursor: nodes.length ? String(nodes.length - 1) : null,
    },
  };
}

export function userShape(user: LinearUser, urlKey: string, isMe: boolean) {
  return {
    __typename: "User",
    id: user.id,
    name: user.name,
    displayName: user.displayName,
    email: user.email,
    avatarUrl: null,
    description: null,
    createdIssueCount: 0,
    avatarBackgroundColor: "#5e6ad2",
    initials: user.displayName.slice(0, 2).toUpperCase(),
    url: `https://linear.app/${urlKey}/profiles/${user.displayName}`,
    active: user.active ?? true,
    app: user.app,
    isMe,
    admin: user.admin ?? false,
    owner: false,
    guest: user.guest ?? false,
    isAssignable: true,
    isMentionable: true,
    supportsAgentSessions: user.app,
    canAccessAnyPublicTeam: true,
    timezone: "UTC",
    createdAt: EPOCH,
    updatedAt: EPOCH,
    archivedAt: null,
  };
}

export function teamShape(team: LinearTeam) {
  return {
    __typename: "Team",
    id: team.id,
    key: team.key,
    name: team.name,
    issueEstimationType: team.issueEstimationType,
    issueEstimationAllowZero: team.issueEstimationAllowZero,
    issueEstimationExtended: false,
    defaultIssueEstimate: 0,
    triageEnabled: team.triageEnabled,
    private: false,
    issueCount: team.issueCount,
    cycleDuration: 2,
    cyclesEnabled: false,
    timezone: "UTC",
    createdAt: EPOCH,
    updatedAt: EPOCH,
    archivedAt: null,
  };
}

export function labelShape(label: LinearLabel, teamId: string) {
  return {
    __typename: "IssueLabel",
    id: label.id,
    name: label.name,
    color: label.color,
    description: null,
    isGroup: false,
    team: ref(teamId),
    parent: null,
    createdAt: EPOCH,
    updatedAt: EPOCH,
    archivedAt: null,
  };
}

export function stateShape(state: LinearState, teamId: string) {
  return {
    __typename: "WorkflowState",
    id: state.id,
    name: state.name,
    type: state.type,
    color: state.color,
    position: state.position,
    description: null,
    team: ref(teamId),
    createdAt: EPOCH,
    updatedAt: EPOCH,
    archivedAt: null,
  };
}

export function issueShape(issue: LinearIssue, store: LinearStore) {
  const team = store.team(issue.teamId)!;
  return {
    __typename: "Issue",
    id: issue.id,
    identifier: issue.identifier,
    number: issue.number,
    title: issue.title,
    description: issue.description,
    url: `https://linear.app/${store.organization.urlKey}/issue/${issue.identifier}`,
    branchName: `${issue.identifier.toLowerCase()}`,
    priority: issue.priority,
    priorityLabel: priorityLabel(issue.priority),
    prioritySortOrder: 0,
    estimate: issue.estimate,
    labelIds: issue.labelIds,
    previousIdentifiers: [],
    reactionData: [],
    reactions: [],
    sharedAccess: { __typename: "IssueSharedAccess", isShared: false, sharedWithCount: 0, viewerHasOnlySharedAccess: false, sharedWithUsers: [], disallowedIssueFields: [] },
    inheritsSharedAccess: false,
    customerTicketCount: 0,
    sortOrder: issue.number,
    boardOrder: 0,
    trashed: null,
    team: ref(team.id),
    state: ref(issue.stateId),
    assignee: ref(issue.assigneeId),
    delegate: ref(issue.delegateId),
    creator: ref(issue.creatorId),
    createdAt: issue.createdAt,
    updatedAt: issue.updatedAt,
    archivedAt: null,
  };
}

export function commentShape(comment: LinearComment, store: LinearStore) {
  const issue = store.issue(comment.issueId);
  return {
    __typename: "Comment",
    id: comment.id,
    body: comment.body,
    url: `https://linear.app/${store.organization.urlKey}/issue/${issue?.identifier ?? "?"}#comment-${comment.id.slice(0, 8)}`,
    reactionData: [],
    reactions: [],
    issue: ref(comment.issueId),
    issueId: comment.issueId,
    parent: ref(comment.parentId),
    parentId: comment.parentId,
    user: ref(comment.userId),
    userId: comment.userId,
    createdAt: comment.createdAt,
    updatedAt: comment.updatedAt,
    editedAt: null,
    archivedAt: null,
  };
}

export function relationShape(relation: LinearRelation) {
  return {
    __typename: "IssueRelation",
    id: relation.id,
    type: relation.type,
    issue: ref(relation.issueId),
    relatedIssue: ref(relation.relatedIssueId),
    createdAt: relation.createdAt,
    updatedAt: relation.createdAt,
    archivedAt: null,
  };
}

const CONTENT_TYPENAMES: Record<string, string> = {
  thought: "AgentActivityThoughtContent",
  action: "AgentActivityActionContent",
  response: "AgentActivityResponseContent",
  error: "AgentActivityErrorContent",
  prompt: "AgentActivityPromptContent",
  elicitation: "AgentActivityElicitationContent",
};

export function activityShape(activity: LinearActivity) {
  const type = String(activity.content.type);
  return {
    __typename: "AgentActivity",
    id: activity.id,
    content: { __typename: CONTENT_TYPENAMES[type] ?? "AgentActivityThoughtContent", ...activity.content },
    signal: activity.signal,
    signalMetadata: activity.signalMetadata,
    sourceMetadata: null,
    ephemeral: activity.ephemeral,
    agentSession: ref(activity.agentSessionId),
    sourceComment: null,
    user: ref(activity.userId),
    createdAt: activity.createdAt,
    updatedAt: activity.updatedAt,
    archivedAt: null,
  };
}

export function sessionShape(session: LinearSession) {
  return {
    __typename: "AgentSession",
    id: session.id,
    status: session.status,
    type: "commentThread",
    appUser: ref(session.appUserId),
    creator: ref(session.creatorId),
    issue: ref(session.issueId),
    comment: ref(session.commentId),
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
    startedAt: session.activities[0]?.createdAt ?? null,
    endedAt: session.status === "complete" ? session.updatedAt : null,
    archivedAt: null,
  };
}
