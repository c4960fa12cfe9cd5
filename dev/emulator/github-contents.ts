// Emulated GitHub repository contents: the repository itself (its default branch), git trees,
// file contents and a pull request's head, with GitHub's shapes, so Octokit's repos.get,
// git.getTree, repos.getContent and pulls.get work unchanged. Files are seeded per branch through
// the control API. Mounted by github.ts on its router, behind its authentication.
import { createHash } from "node:crypto";
import { Hono, type Context } from "hono";
import { z } from "zod";
import { isoSeconds, type Core } from "./core.ts";
import { GitHubError, ghJson } from "./github-http.ts";
import { WEB, nodeId, userIdFor, userShape } from "./github-shapes.ts";

const DOC = {
  contents: "https://docs.github.com/rest/repos/contents#get-repository-content",
  tree: "https://docs.github.com/rest/git/trees#get-a-tree",
  pull: "https://docs.github.com/rest/pulls/pulls#get-a-pull-request",
  repo: "https://docs.github.com/rest/repos/repos#get-a-repository",
} as const;

/** GitHub stops listing a recursive tree at 100,000 entries (and 7 MB); the emulator at fewer. */
const TREE_ENTRIES_CAP = 100_000;

interface RepositoryFiles {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  /** Branch → path → content. */
  branches: Map<string, Map<string, string>>;
  /** Pull request number → the branch it proposes. */
  pulls: Map<number, string>;
  createdAt: string;
}

/** git's object id of a blob: sha1 over "blob <size>\0<content>". */
export function blobSha(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1").update(`blob ${bytes.byteLength}\0`).update(bytes).digest("hex");
}

/** A stable stand-in for a commit's and a tree's ids: derived from the branch's files. */
function treeSha(owner: string, repo: string, branch: string, files: Map<string, string>, dir = ""): string {
  const hash = createHash("sha1").update(`${owner}/${repo}@${branch}:${dir}`);
  for (const [path, content] of [...files].sort(([a], [b]) => a.localeCompare(b))) hash.update(`${path}\0${blobSha(content)}\0`);
  return hash.digest("hex");
}

const NOT_FOUND = (doc: string) => new GitHubError(404, "Not Found", { documentation_url: doc });

export function createRepositoryContents(core: Core) {
  let repositories = new Map<string, RepositoryFiles>();

  function repository(owner: string, name: string, create = false): RepositoryFiles | undefined {
    const key = `${owner}/${name}`.toLowerCase();
    let found = repositories.get(key);
    if (!found && create) {
      found = { id: core.nextId("github.repo-files", 770_000_000), owner, name, defaultBranch: "main", branches: new Map(), pulls: new Map(), createdAt: isoSeconds(core.now()) };
      repositories.set(key, found);
    }
    return found;
  }

  /** A branch name or a commit id of one: what `ref` and `tree_sha` accept. */
  function branchOf(repo: RepositoryFiles, ref: string | undefined): { branch: string; files: Map<string, string> } | undefined {
    const wanted = ref ?? repo.defaultBranch;
    for (const [branch, files] of repo.branches) {
      if (branch === wanted || treeSha(repo.owner, repo.name, branch, files) === wanted) return { branch, files };
    }
    return undefined;
  }

  function repositoryShape(api: string, repo: RepositoryFiles) {
    const owner = userShape(repo.owner, userIdFor(repo.owner), "Organization");
    const full = `${repo.owner}/${repo.name}`;
    return {
      id: repo.id,
      node_id: nodeId("R", repo.id),
      name: repo.name,
      full_name: full,
      private: false,
      owner,
      html_url: `${WEB}/${full}`,
      description: null,
      fork: false,
      url: `${api}/repos/${full}`,
      contents_url: `${api}/repos/${full}/contents/{+path}`,
      trees_url: `${api}/repos/${full}/git/trees{/sha}`,
      pulls_url: `${api}/repos/${full}/pulls{/number}`,
      default_branch: repo.defaultBranch,
      visibility: "public",
      archived: false,
      disabled: false,
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
      pushed_at: repo.createdAt,
      size: 0,
      language: "JavaScript",
      has_issues: true,
      open_issues_count: 0,
    };
  }

  function fileShape(api: string, repo: RepositoryFiles, branch: string, path: string, content: string) {
    const full = `${repo.owner}/${repo.name}`;
    const sha = blobSha(content);
    const self = `${api}/repos/${full}/contents/${path}?ref=${branch}`;
    const html = `${WEB}/${full}/blob/${branch}/${path}`;
    const git = `${api}/repos/${full}/git/blobs/${sha}`;
    // GitHub wraps the base64 at 60 characters, each line ending in \n.
    const base64 = Buffer.from(content, "utf8").toString("base64").replace(/.{1,60}/g, "$&\n");
    return {
      type: "file",
      encoding: "base64",
      size: Buffer.byteLength(content, "utf8"),
      name: path.split("/").at(-1)!,
      path,
      content: base64,
      sha,
      url: self,
      git_url: git,
      html_url: html,
      download_url: `https://raw.githubusercontent.com/${full}/${branch}/${path}`,
      _links: { self, git, html },
    };
  }

  function entriesUnder(files: Map<string, string>, dir: string, recursive: boolean) {
    const prefix = dir ? `${dir}/` : "";
    const blobs: { path: string; content: string }[] = [];
    const trees = new Set<string>();
    for (const [path, content] of files) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const parts = rest.split("/");
      for (let depth = 1; depth < parts.length; depth++) {
        if (!recursive && depth > 1) break;
        trees.add(parts.slice(0, depth).join("/"));
      }
      if (recursive || parts.length === 1) blobs.push({ path: rest, content });
    }
    return { blobs, trees: [...trees] };
  }

  function register<E extends { Variables: Record<string, unknown> }>(gh: Hono<E>, apiRoot: (c: Context) => string): void {
    const found = (c: Context, doc: string) => {
      const repo = repository(c.req.param("owner") ?? "", c.req.param("repo") ?? "");
      if (!repo) throw NOT_FOUND(doc);
      return repo;
    };

    gh.get("/repos/:owner/:repo", (c) => ghJson(c, repositoryShape(apiRoot(c), found(c, DOC.repo))));

    gh.get("/repos/:owner/:repo/git/trees/:sha", (c) => {
      const repo = found(c, DOC.tree);
      const ref = branchOf(repo, c.req.param("sha"));
      if (!ref) throw NOT_FOUND(DOC.tree);
      const recursive = c.req.query("recursive") !== undefined && c.req.query("recursive") !== "0" && c.req.query("recursive") !== "false";
      const api = apiRoot(c);
      const full = `${repo.owner}/${repo.name}`;
      const { blobs, trees } = entriesUnder(ref.files, "", recursive);
      const tree = [
        ...trees.map((path) => {
          const sha = treeSha(repo.owner, repo.name, ref.branch, ref.files, path);
          return { path, mode: "040000", type: "tree", sha, url: `${api}/repos/${full}/git/trees/${sha}` };
        }),
        ...blobs.map(({ path, content }) => {
          const sha = blobSha(content);
          return { path, mode: "100644", type: "blob", sha, size: Buffer.byteLength(content, "utf8"), url: `${api}/repos/${full}/git/blobs/${sha}` };
        }),
      ].sort((a, b) => a.path.localeCompare(b.path));
      const sha = treeSha(repo.owner, repo.name, ref.branch, ref.files);
      return ghJson(c, { sha, url: `${api}/repos/${full}/git/trees/${sha}`, tree: tree.slice(0, TREE_ENTRIES_CAP), truncated: tree.length > TREE_ENTRIES_CAP });
    });

    gh.get("/repos/:owner/:repo/contents/:path{.*}", (c) => {
      const repo = found(c, DOC.contents);
      const ref = branchOf(repo, c.req.query("ref"));
      if (!ref) throw new GitHubError(404, `No commit found for the ref ${c.req.query("ref") ?? ""}`, { documentation_url: DOC.contents });
      const path = decodeURIComponent(c.req.param("path") ?? "").replace(/^\/+|\/+$/g, "");
      const content = ref.files.get(path);
      if (content !== undefined) return ghJson(c, fileShape(apiRoot(c), repo, ref.branch, path, content));
      const { blobs, trees } = entriesUnder(ref.files, path, false);
      if (blobs.length === 0 && trees.length === 0) throw NOT_FOUND(DOC.contents);
      // A directory lists its entries, without their content.
      const listed = [
        ...trees.map((name) => ({ type: "dir", name, path: path ? `${path}/${name}` : name, size: 0 })),
        ...blobs.map((blob) => {
          const { content: _omitted, encoding: _encoding, ...entry } = fileShape(apiRoot(c), repo, ref.branch, path ? `${path}/${blob.path}` : blob.path, blob.content);
          return entry;
        }),
      ];
      return ghJson(c, listed);
    });

    gh.get("/repos/:owner/:repo/pulls/:n{[0-9]+}", (c) => {
      const repo = found(c, DOC.pull);
      const number = Number(c.req.param("n"));
      const branch = repo.pulls.get(number);
      const head = branch === undefined ? undefined : repo.branches.get(branch);
      if (branch === undefined || !head) throw NOT_FOUND(DOC.pull);
      const api = apiRoot(c);
      const full = `${repo.owner}/${repo.name}`;
      const base = repo.branches.get(repo.defaultBranch) ?? new Map<string, string>();
      const repoShape = repositoryShape(api, repo);
      const user = userShape("octocat", userIdFor("octocat"));
      return ghJson(c, {
        url: `${api}/repos/${full}/pulls/${number}`,
        id: 5_000_000 + number,
        number,
        state: "open",
        title: `Pull request #${number}`,
        user,
        html_url: `${WEB}/${full}/pull/${number}`,
        head: { label: `${repo.owner}:${branch}`, ref: branch, sha: treeSha(repo.owner, repo.name, branch, head), user, repo: repoShape },
        base: { label: `${repo.owner}:${repo.defaultBranch}`, ref: repo.defaultBranch, sha: treeSha(repo.owner, repo.name, repo.defaultBranch, base), user, repo: repoShape },
        draft: false,
        merged: false,
      });
    });
  }

  const Seed = z.object({
    branch: z.string().min(1).max(200).optional(),
    files: z.record(z.string().min(1).max(1000), z.string()),
    /** Makes this branch the repository's default one. */
    default: z.boolean().optional(),
    /** Records the branch as the head of this pull request. */
    pull: z.number().int().positive().optional(),
  });

  const control = new Hono();
  // A repository's files as they are on GitHub, per branch: what a bot that reads code finds there.
  control.post("/repos/:owner/:repo/files", async (c) => {
    const parsed = Seed.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: "invalid files", issues: parsed.error.issues }, 400);
    const repo = repository(c.req.param("owner"), c.req.param("repo"), true)!;
    const branch = parsed.data.branch ?? repo.defaultBranch;
    if (parsed.data.default) repo.defaultBranch = branch;
    const files = repo.branches.get(branch) ?? new Map<string, string>();
    for (const [path, content] of Object.entries(parsed.data.files)) files.set(path.replace(/^\/+/, ""), content);
    repo.branches.set(branch, files);
    if (parsed.data.pull !== undefined) repo.pulls.set(parsed.data.pull, branch);
    return c.json({ branch, files: files.size, sha: treeSha(repo.owner, repo.name, branch, files) }, 201);
  });

  return {
    register,
    control,
    reset() {
      repositories = new Map();
    },
  };
}
