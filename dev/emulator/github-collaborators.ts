// Who holds which role on a repository, and GitHub's answer to "Get repository permissions for a
// user" (GET /repos/{owner}/{repo}/collaborators/{username}/permission), typed with
// @octokit/openapi-types.
import type { components } from "@octokit/openapi-types";
import type { SimpleUser } from "./github-shapes.ts";

type CollaboratorPermission = components["schemas"]["repository-collaborator-permission"];

/** GitHub's built-in repository roles, least first. */
export const REPOSITORY_ROLES = ["read", "triage", "write", "maintain", "admin"] as const;
export type RepositoryRole = (typeof REPOSITORY_ROLES)[number];

/** The legacy `permission` field: maintain shows as write, triage as read (GitHub's docs). */
const LEGACY: Record<RepositoryRole, string> = { read: "read", triage: "read", write: "write", maintain: "write", admin: "admin" };

/** The dev setup's people: the playground's default GitHub user administers every repository, so its `/approve` counts; other logins read. */
export const DEV_GITHUB_PEOPLE: Readonly<Record<string, RepositoryRole>> = { octocat: "admin" };

export function createCollaborators(everywhere: Readonly<Record<string, RepositoryRole>> = {}) {
  let grants = new Map<string, RepositoryRole>();
  const keyOf = (owner: string, repo: string, login: string) => `${owner}/${repo}:${login}`.toLowerCase();
  return {
    grant(owner: string, repo: string, login: string, role: RepositoryRole) {
      grants.set(keyOf(owner, repo, login), role);
    },
    /**
     * A grant on the repository, else one given for every repository, else the owner is admin and
     * anyone else reads (every emulated repository is public).
     */
    roleOf(owner: string, repo: string, login: string): RepositoryRole {
      return grants.get(keyOf(owner, repo, login)) ?? everywhere[login] ?? (login.toLowerCase() === owner.toLowerCase() ? "admin" : "read");
    },
    reset() {
      grants = new Map();
    },
  };
}

export function collaboratorPermissionShape(role: RepositoryRole, user: SimpleUser): CollaboratorPermission {
  const at = (least: RepositoryRole) => REPOSITORY_ROLES.indexOf(role) >= REPOSITORY_ROLES.indexOf(least);
  return {
    permission: LEGACY[role],
    role_name: role,
    user: {
      ...user,
      permissions: { pull: true, triage: at("triage"), push: at("write"), maintain: at("maintain"), admin: at("admin") },
      role_name: role,
    },
  };
}
