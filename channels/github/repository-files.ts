import type { Octokit } from "@octokit/rest";
import type { WorkspaceFsLike } from "@cloudflare/shell";
import { candidatePaths } from "../../src/sandbox/paths.ts";
import { relativeImports } from "../../src/sandbox/snippet.ts";
import type { GitHubTarget } from "./target.ts";

/** At most this many files per call, each at most this large: a snippet needs a handful, not a checkout. */
export const REPOSITORY_FILE_CAPS = { files: 20, bytes: 100 * 1024 } as const;

export interface LoadedFiles {
  /** The branch (the default one) or the pull request head's commit the files were read at. */
  readonly ref: string;
  readonly loaded: { path: string; size: number }[];
  /** Paths named (or imported) that the repository does not have at that ref. */
  readonly missing: string[];
  readonly skipped: { path: string; reason: string }[];
}

/**
 * Reads the files named, and the files they import by relative path, from the repository into the
 * workspace: one tree listing (git trees API, recursive) to see which exist and how large they
 * are, then the contents API for each file wanted. Nothing else of the repository is fetched.
 */
export async function loadRepositoryFiles(octokit: Octokit, target: GitHubTarget, paths: readonly string[], workspace: WorkspaceFsLike): Promise<LoadedFiles> {
  const repo = { owner: target.owner, repo: target.repo };
  const ref = target.isPullRequest
    ? (await octokit.rest.pulls.get({ ...repo, pull_number: target.number })).data.head.sha
    : (await octokit.rest.repos.get(repo)).data.default_branch;
  const { data: tree } = await octokit.rest.git.getTree({ ...repo, tree_sha: ref, recursive: "1" });
  const sizes = new Map(tree.tree.filter((entry) => entry.type === "blob" && entry.path).map((entry) => [entry.path!, entry.size ?? 0]));
  const result: LoadedFiles = { ref, loaded: [], missing: [], skipped: [] };
  const queue = paths.map((path) => path.replace(/^(\.{1,2}\/)+|^\/+/, ""));
  const seen = new Set<string>();
  while (queue.length > 0) {
    const wanted = queue.shift()!;
    const path = candidatePaths(wanted).find((candidate) => sizes.has(candidate)) ?? (tree.truncated ? wanted : undefined);
    if (path === undefined) {
      if (!result.missing.includes(wanted)) result.missing.push(wanted);
      continue;
    }
    if (seen.has(path)) continue;
    seen.add(path);
    if (result.loaded.length >= REPOSITORY_FILE_CAPS.files) {
      result.skipped.push({ path, reason: `more than ${REPOSITORY_FILE_CAPS.files} files` });
      continue;
    }
    if ((sizes.get(path) ?? 0) > REPOSITORY_FILE_CAPS.bytes) {
      result.skipped.push({ path, reason: `larger than ${REPOSITORY_FILE_CAPS.bytes / 1024} KB` });
      continue;
    }
    const content = await readFile(octokit, repo, path, ref);
    if (content === null) {
      result.missing.push(path);
      continue;
    }
    await workspace.writeFile(`/${path}`, content);
    result.loaded.push({ path, size: new TextEncoder().encode(content).byteLength });
    if (/\.(m|c)?(js|ts)$/.test(path)) queue.push(...(await relativeImports(content, path)));
  }
  return result;
}

/** A file's text through the contents API, or null when it is not a file there (a 404, a directory). */
async function readFile(octokit: Octokit, repo: { owner: string; repo: string }, path: string, ref: string): Promise<string | null> {
  try {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path, ref });
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return null;
    const binary = atob(data.content.replace(/\n/g, ""));
    return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
  } catch (error) {
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
}
