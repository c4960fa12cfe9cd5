// In-memory GitHub: repositories (created on first reference with GitHub's default labels),
// issues and pull requests (created on first reference, or seeded), comments, labels, reactions.
import { isoSeconds, type Core } from "./core.ts";
import {
  DEFAULT_LABELS,
  IMPLICIT_LABEL_COLOR,
  WEB,
  fakeSha,
  nodeId,
  rollup,
  userIdFor,
  userShape,
  type AuthorAssociation,
  type DiffEntry,
  type Integration,
  type Issue,
  type IssueComment,
  type Label,
  type Reaction,
  type ReactionContent,
  type SimpleUser,
} from "./github-shapes.ts";

export interface Author {
  user: SimpleUser;
  app: Integration | null;
  association: AuthorAssociation;
}

export interface SeedFile {
  filename: string;
  /** Default: the patch's added lines (0 without a patch). */
  additions?: number;
  /** Default: the patch's deleted lines (0 without a patch). */
  deletions?: number;
  status: DiffEntry["status"];
  patch?: string;
  /** For a renamed file: its path before. */
  previous_filename?: string;
}

export interface SeedIssueInput {
  owner: string;
  repo: string;
  number?: number;
  title: string;
  body?: string;
  labels?: string[];
  /** Login of the issue's author. Default "octocat". */
  user?: string;
  pull_request?: { files: SeedFile[] };
}

interface IssueState {
  id: number;
  number: number;
  title: string;
  body: string | null;
  user: SimpleUser;
  labels: string[]; // label keys (lower-cased names), in the order they were added
  createdAt: string;
  updatedAt: string;
  files: DiffEntry[] | undefined; // set for pull requests
  reactions: Reaction[];
  commentIds: number[];
  state: "open" | "closed";
  stateReason: "completed" | "not_planned" | "reopened" | null;
  closedAt: string | null;
  closedBy: SimpleUser | null;
}

interface CommentState {
  id: number;
  issueNumber: number;
  body: string;
  author: Author;
  createdAt: string;
  updatedAt: string;
  reactions: Reaction[];
}

export interface RepoState {
  id: number;
  owner: string;
  name: string;
  labels: Map<string, Label>;
  issues: Map<number, IssueState>;
  comments: Map<number, CommentState>;
}

export type IssueRef = { repo: RepoState; issue: IssueState };
export type CommentRef = { repo: RepoState; comment: CommentState };

const ID_BASE = {
  repo: 880_000_000,
  issue: 3_600_000_000,
  comment: 2_480_000_000,
  label: 9_100_000_000,
  reaction: 310_000_000,
} as const;

export function createGitHubStore(core: Core) {
  let repos = new Map<string, RepoState>();
  const now = () => isoSeconds(core.now());
  const repoPath = (r: RepoState) => `repos/${r.owner}/${r.name}`;

  function makeLabel(api: string, r: RepoState, name: string, color: string, description: string | null, isDefault: boolean): Label {
    const id = core.nextId("github.label", ID_BASE.label);
    return {
      id,
      node_id: nodeId("LA", r.id, id),
      url: `${api}/${repoPath(r)}/labels/${encodeURIComponent(name)}`,
      name,
      color,
      description,
      default: isDefault,
    };
  }

  function repo(api: string, owner: string, name: string): RepoState {
    const key = `${owner}/${name}`.toLowerCase();
    let r = repos.get(key);
    if (!r) {
      r = { id: core.nextId("github.repo", ID_BASE.repo), owner, name, labels: new Map(), issues: new Map(), comments: new Map() };
      for (const l of DEFAULT_LABELS) r.labels.set(l.name.toLowerCase(), makeLabel(api, r, l.name, l.color, l.description, true));
      repos.set(key, r);
    }
    return r;
  }

  function newIssue(r: RepoState, input: Partial<SeedIssueInput> & { number: number }): IssueState {
    const at = now();
    const login = input.user ?? "octocat";
    const issue: IssueState = {
      id: core.nextId("github.issue", ID_BASE.issue),
      number: input.number,
      title: input.title ?? `Issue #${input.number}`,
      body: input.body ?? null,
      user: userShape(login, userIdFor(login)),
      labels: [],
      createdAt: at,
      updatedAt: at,
      files: undefined,
      reactions: [],
      commentIds: [],
      state: "open",
      stateReason: null,
      closedAt: null,
      closedBy: null,
    };
    r.issues.set(issue.number, issue);
    return issue;
  }

  function issue(api: string, owner: string, name: string, number: number): IssueRef {
    const r = repo(api, owner, name);
    return { repo: r, issue: r.issues.get(number) ?? newIssue(r, { number }) };
  }

  function addLabels(api: string, { repo: r, issue: i }: IssueRef, names: readonly string[]): void {
    for (const name of names) {
      const key = name.toLowerCase();
      if (!r.labels.has(key)) r.labels.set(key, makeLabel(api, r, name, IMPLICIT_LABEL_COLOR, null, false));
      if (!i.labels.includes(key)) i.labels.push(key);
    }
    i.updatedAt = now();
  }

  function seedIssue(api: string, input: SeedIssueInput): IssueRef {
    const r = repo(api, input.owner, input.repo);
    const number = input.number ?? Math.max(0, ...r.issues.keys()) + 1;
    const existing = r.issues.get(number);
    const i = newIssue(r, { ...input, number });
    if (existing) {
      i.commentIds = existing.commentIds;
      i.reactions = existing.reactions;
    }
    if (input.pull_request) {
      i.files = input.pull_request.files.map((f) => {
        const sha = fakeSha(r.owner, r.name, String(number), f.filename);
        const counted = countPatchLines(f.patch ?? "");
        const additions = f.additions ?? counted.additions;
        const deletions = f.deletions ?? counted.deletions;
        return {
          sha,
          filename: f.filename,
          status: f.status,
          additions,
          deletions,
          changes: additions + deletions,
          blob_url: `${WEB}/${r.owner}/${r.name}/blob/${sha}/${f.filename}`,
          raw_url: `${WEB}/${r.owner}/${r.name}/raw/${sha}/${f.filename}`,
          contents_url: `${api}/${repoPath(r)}/contents/${f.filename}?ref=${sha}`,
          ...(f.patch !== undefined ? { patch: f.patch } : {}),
          ...(f.previous_filename !== undefined ? { previous_filename: f.previous_filename } : {}),
        };
      });
    }
    addLabels(api, { repo: r, issue: i }, input.labels ?? []);
    return { repo: r, issue: i };
  }

  function issueShape(api: string, { repo: r, issue: i }: IssueRef): Issue {
    const url = `${api}/${repoPath(r)}/issues/${i.number}`;
    const kind = i.files ? "pull" : "issues";
    const html = `${WEB}/${r.owner}/${r.name}/${kind}/${i.number}`;
    return {
      url,
      repository_url: `${api}/${repoPath(r)}`,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: html,
      id: i.id,
      node_id: nodeId(i.files ? "PR" : "I", r.id, i.id),
      number: i.number,
      title: i.title,
      user: i.user,
      labels: i.labels.flatMap((k) => r.labels.get(k) ?? []),
      state: i.state,
      locked: false,
      assignee: null,
      assignees: [],
      milestone: null,
      comments: i.commentIds.length,
      created_at: i.createdAt,
      updated_at: i.updatedAt,
      closed_at: i.closedAt,
      ...(i.closedBy ? { closed_by: i.closedBy } : {}),
      author_association: i.user.login.toLowerCase() === r.owner.toLowerCase() ? "OWNER" : "NONE",
      active_lock_reason: null,
      ...(i.files
        ? {
            draft: false,
            pull_request: {
              url: `${api}/${repoPath(r)}/pulls/${i.number}`,
              html_url: html,
              diff_url: `${html}.diff`,
              patch_url: `${html}.patch`,
              merged_at: null,
            },
          }
        : {}),
      body: i.body,
      reactions: rollup(`${url}/reactions`, i.reactions),
      timeline_url: `${url}/timeline`,
      performed_via_github_app: null,
      state_reason: i.stateReason,
    };
  }

  /** An issue opened through the API, as `author`, numbered after every issue and pull request of the repository. */
  function createIssue(api: string, owner: string, name: string, input: { title: string; body?: string | null; labels?: readonly string[] }, author: Author): IssueRef {
    const r = repo(api, owner, name);
    const i = newIssue(r, { number: Math.max(0, ...r.issues.keys()) + 1, title: input.title, ...(input.body ? { body: input.body } : {}) });
    i.user = author.user;
    addLabels(api, { repo: r, issue: i }, input.labels ?? []);
    return { repo: r, issue: i };
  }

  /** Closes (`completed` or `not_planned`) or reopens an issue, as `by`. */
  function setState(ref: IssueRef, state: "open" | "closed", by: SimpleUser, reason: "completed" | "not_planned" = "completed"): void {
    const i = ref.issue;
    if (i.state === state) return;
    i.state = state;
    i.stateReason = state === "closed" ? reason : "reopened";
    i.closedAt = state === "closed" ? now() : null;
    i.closedBy = state === "closed" ? by : null;
    i.updatedAt = now();
  }

  /** Issues of every repository (or of one), for the search API. */
  function allIssues(): IssueRef[] {
    return [...repos.values()].flatMap((r) => [...r.issues.values()].map((issue) => ({ repo: r, issue })));
  }

  function commentShape(api: string, { repo: r, comment: c }: CommentRef): IssueComment {
    const url = `${api}/${repoPath(r)}/issues/comments/${c.id}`;
    const kind = r.issues.get(c.issueNumber)?.files ? "pull" : "issues";
    return {
      url,
      html_url: `${WEB}/${r.owner}/${r.name}/${kind}/${c.issueNumber}#issuecomment-${c.id}`,
      issue_url: `${api}/${repoPath(r)}/issues/${c.issueNumber}`,
      id: c.id,
      node_id: nodeId("IC", r.id, c.id),
      user: c.author.user,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      author_association: c.author.association,
      body: c.body,
      reactions: rollup(`${url}/reactions`, c.reactions),
      performed_via_github_app: c.author.app,
    };
  }

  function addComment({ repo: r, issue: i }: IssueRef, body: string, author: Author): CommentRef {
    const at = now();
    const comment: CommentState = {
      id: core.nextId("github.comment", ID_BASE.comment),
      issueNumber: i.number,
      body,
      author,
      createdAt: at,
      updatedAt: at,
      reactions: [],
    };
    r.comments.set(comment.id, comment);
    i.commentIds.push(comment.id);
    i.updatedAt = at;
    return { repo: r, comment };
  }

  function comments({ repo: r, issue: i }: IssueRef): CommentRef[] {
    return i.commentIds.flatMap((id) => {
      const comment = r.comments.get(id);
      return comment ? [{ repo: r, comment }] : [];
    });
  }

  function findComment(api: string, owner: string, name: string, id: number): CommentRef | undefined {
    const r = repo(api, owner, name);
    const comment = r.comments.get(id);
    return comment ? { repo: r, comment } : undefined;
  }

  /** Adds a reaction; returns the existing one (`created: false`) when this user already reacted so. */
  function react(
    r: RepoState,
    target: { reactions: Reaction[] },
    content: ReactionContent,
    user: SimpleUser,
  ): { reaction: Reaction; created: boolean } {
    const existing = target.reactions.find((x) => x.content === content && x.user?.id === user.id);
    if (existing) return { reaction: existing, created: false };
    const id = core.nextId("github.reaction", ID_BASE.reaction);
    const reaction: Reaction = { id, node_id: nodeId("REA", r.id, id), user, content, created_at: now() };
    target.reactions.push(reaction);
    return { reaction, created: true };
  }

  function snapshot(api: string) {
    return {
      repos: [...repos.values()].map((r) => ({
        owner: r.owner,
        name: r.name,
        id: r.id,
        labels: [...r.labels.values()],
        issues: [...r.issues.values()].map((i) => ({
          ...issueShape(api, { repo: r, issue: i }),
          files: i.files ?? null,
          comment_list: comments({ repo: r, issue: i }).map((ref) => commentShape(api, ref)),
        })),
      })),
    };
  }

  return {
    repo,
    issue,
    seedIssue,
    createIssue,
    setState,
    allIssues,
    addLabels,
    issueShape,
    commentShape,
    addComment,
    comments,
    findComment,
    react,
    snapshot,
    reset() {
      repos = new Map();
    },
  };
}

export type GitHubStore = ReturnType<typeof createGitHubStore>;

/** Lines a unified-diff patch adds and deletes (hunk headers and context lines count for neither). */
export function countPatchLines(patch: string): { additions: number; deletions: number } {
  let additions = 0;
  let deletions = 0;
  for (const line of patch.split("\n")) {
    if (line.startsWith("+")) additions++;
    else if (line.startsWith("-")) deletions++;
  }
  return { additions, deletions };
}
