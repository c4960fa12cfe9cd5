// GitHub REST response shapes (typed with @octokit/openapi-types), node ids and default labels.
import { createHash } from "node:crypto";
import type { components } from "@octokit/openapi-types";

type Schemas = components["schemas"];
export type Label = Schemas["label"];
export type Issue = Schemas["issue"];
export type IssueComment = Schemas["issue-comment"];
export type Reaction = Schemas["reaction"];
export type ReactionContent = Reaction["content"];
export type ReactionRollup = Schemas["reaction-rollup"];
export type SimpleUser = Schemas["simple-user"];
export type Integration = NonNullable<Schemas["integration"]>;
export type InstallationToken = Schemas["installation-token"];
export type Installation = Schemas["installation"];
export type DiffEntry = Schemas["diff-entry"];
export type AuthorAssociation = Schemas["author-association"];

export const REACTION_CONTENTS: readonly ReactionContent[] = [
  "+1",
  "-1",
  "laugh",
  "confused",
  "heart",
  "hooray",
  "rocket",
  "eyes",
];

export const WEB = "https://github.com";

/** The labels GitHub gives every new repository. */
export const DEFAULT_LABELS: readonly { name: string; color: string; description: string }[] = [
  { name: "bug", color: "d73a4a", description: "Something isn't working" },
  { name: "documentation", color: "0075ca", description: "Improvements or additions to documentation" },
  { name: "duplicate", color: "cfd3d7", description: "This issue or pull request already exists" },
  { name: "enhancement", color: "a2eeef", description: "New feature or request" },
  { name: "good first issue", color: "7057ff", description: "Good for newcomers" },
  { name: "help wanted", color: "008672", description: "Extra attention is needed" },
  { name: "invalid", color: "e4e669", description: "This doesn't seem right" },
  { name: "question", color: "d876e3", description: "Further information is requested" },
  { name: "wontfix", color: "ffffff", description: "This will not be worked on" },
];
/** Color GitHub gives a label created implicitly by adding it to an issue. */
export const IMPLICIT_LABEL_COLOR = "ededed";

function packUint(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0xcc, n];
  if (n < 0x10000) return [0xcd, n >> 8, n & 0xff];
  if (n < 0x100000000) return [0xce, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  const big = BigInt(n);
  return [0xcf, ...Array.from({ length: 8 }, (_, i) => Number((big >> BigInt(56 - 8 * i)) & 0xffn))];
}

/** GitHub's next-gen node ids: `PREFIX_` + base64url(msgpack([0, ...ids])), e.g. `IC_kwDO...`. */
export function nodeId(prefix: string, ...ids: number[]): string {
  const bytes = [0x90 + ids.length + 1, 0x00, ...ids.flatMap(packUint)];
  return `${prefix}_${Buffer.from(bytes).toString("base64url")}`;
}

export function userShape(login: string, id: number, type: "User" | "Bot" | "Organization" = "User"): SimpleUser {
  const url = `https://api.github.com/users/${encodeURIComponent(login)}`;
  return {
    login,
    id,
    node_id: nodeId(type === "Bot" ? "BOT" : type === "Organization" ? "O" : "U", id),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: "",
    url,
    html_url: type === "Bot" ? `${WEB}/apps/${login.replace(/\[bot\]$/, "")}` : `${WEB}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    user_view_type: "public",
    site_admin: false,
  };
}

/** Stable, plausible user id for a login seen only by name (e.g. a seeded issue's author). */
export function userIdFor(login: string): number {
  return 10_000_000 + (createHash("sha1").update(login).digest().readUInt32BE(0) % 90_000_000);
}

export function fakeSha(...parts: string[]): string {
  return createHash("sha1").update(parts.join("\0")).digest("hex");
}

/** What channels/github/README.md tells an App to ask for, and the dev app was granted. */
const APP_PERMISSIONS = { issues: "write", pull_requests: "read", metadata: "read" } as const;
/** The events channels/github/README.md tells an App to subscribe to. */
const APP_EVENTS = ["issues", "issue_comment", "pull_request", "pull_request_review_comment"];

export function integrationShape(app: { id: number; slug: string; name: string }, owner: SimpleUser): Integration {
  return {
    id: app.id,
    slug: app.slug,
    node_id: nodeId("A", app.id),
    client_id: `Iv23li${fakeSha(app.slug).slice(0, 14)}`,
    owner,
    name: app.name,
    description: "",
    external_url: `https://${app.slug}.example.com`,
    html_url: `${WEB}/apps/${app.slug}`,
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    permissions: { ...APP_PERMISSIONS },
    events: [...APP_EVENTS],
  };
}

/** The app installed on its owner's account, on all repositories, with the permissions it asks for. */
export function installationShape(id: number, app: { id: number; slug: string; clientId: string }, owner: SimpleUser): Installation {
  return {
    id,
    account: owner,
    repository_selection: "all",
    access_tokens_url: `https://api.github.com/app/installations/${id}/access_tokens`,
    repositories_url: "https://api.github.com/installation/repositories",
    html_url: `${WEB}/organizations/${owner.login}/settings/installations/${id}`,
    app_id: app.id,
    client_id: app.clientId,
    target_id: Number(owner.id),
    target_type: owner.type,
    permissions: { ...APP_PERMISSIONS },
    events: [...APP_EVENTS],
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    single_file_name: null,
    app_slug: app.slug,
    suspended_by: null,
    suspended_at: null,
  };
}

export function emptyRollup(url: string): ReactionRollup {
  return { url, total_count: 0, "+1": 0, "-1": 0, laugh: 0, confused: 0, heart: 0, hooray: 0, eyes: 0, rocket: 0 };
}

export function rollup(url: string, reactions: readonly Reaction[]): ReactionRollup {
  const out = emptyRollup(url);
  for (const r of reactions) {
    out[r.content] += 1;
    out.total_count += 1;
  }
  return out;
}
