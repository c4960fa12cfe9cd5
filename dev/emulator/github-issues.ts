// Emulated GitHub issue listing, creation, updates and the issue search API: what a bot that
// files tickets calls. Mounted by github.ts on its router, behind its authentication.
import type { Context, Hono } from "hono";
import { z } from "zod";
import type { Author, GitHubStore, IssueRef } from "./github-state.ts";
import { ghJson, notFound, paginate, validationFailed } from "./github-http.ts";
import type { Issue, SimpleUser } from "./github-shapes.ts";

const DOC = {
  create: "https://docs.github.com/rest/issues/issues#create-an-issue",
  update: "https://docs.github.com/rest/issues/issues#update-an-issue",
  search: "https://docs.github.com/rest/search/search#search-issues-and-pull-requests",
} as const;

interface Deps {
  readonly store: GitHubStore;
  readonly apiRoot: (c: Context) => string;
  readonly author: (c: Context) => Author;
  readonly readJson: (c: Context) => Promise<unknown>;
}

const CreateIssue = z.object({
  title: z.union([z.string(), z.number()]).transform(String),
  body: z.string().nullable().optional(),
  labels: z.array(z.union([z.string(), z.object({ name: z.string() }).transform((label) => label.name)])).optional(),
});

const UpdateIssue = z.object({
  title: z.string().optional(),
  body: z.string().nullable().optional(),
  state: z.enum(["open", "closed"]).optional(),
  state_reason: z.enum(["completed", "not_planned", "reopened"]).nullable().optional(),
});

type Env = { Variables: Record<string, unknown> };

export function registerIssueRoutes<E extends Env>(gh: Hono<E>, { store, apiRoot, author, readJson }: Deps): void {
  const repoOf = (c: Context) => store.repo(apiRoot(c), c.req.param("owner") ?? "", c.req.param("repo") ?? "");

  // GET /repos/{owner}/{repo}/issues: `state` (open), `sort` (created), `direction` (desc), `since`, `creator`.
  gh.get("/repos/:owner/:repo/issues", (c) => {
    const repo = repoOf(c);
    const state = c.req.query("state") ?? "open";
    const since = Date.parse(c.req.query("since") ?? "");
    const creator = c.req.query("creator")?.toLowerCase();
    const sort = c.req.query("sort") === "updated" ? "updatedAt" : "createdAt";
    const ascending = c.req.query("direction") === "asc";
    const refs = [...repo.issues.values()]
      .filter((issue) => state === "all" || issue.state === state)
      .filter((issue) => Number.isNaN(since) || Date.parse(issue.updatedAt) >= since)
      .filter((issue) => !creator || issue.user.login.toLowerCase() === creator)
      .sort((a, b) => (a[sort] === b[sort] ? a.number - b.number : a[sort] < b[sort] ? -1 : 1) * (ascending ? 1 : -1))
      .map((issue) => store.issueShape(apiRoot(c), { repo, issue }));
    return ghJson(c, paginate(c, refs));
  });

  gh.post("/repos/:owner/:repo/issues", async (c) => {
    const parsed = CreateIssue.safeParse(await readJson(c));
    if (!parsed.success || parsed.data.title.trim() === "") {
      throw validationFailed(DOC.create, [{ resource: "Issue", code: "missing_field", field: "title" }]);
    }
    if ((parsed.data.body ?? "").length > 65536) {
      throw validationFailed(DOC.create, [{ resource: "Issue", code: "custom", field: "body", message: "body is too long (maximum is 65536 characters)" }]);
    }
    const ref = store.createIssue(apiRoot(c), c.req.param("owner"), c.req.param("repo"), parsed.data, author(c));
    const shape = store.issueShape(apiRoot(c), ref);
    c.header("location", shape.url);
    return ghJson(c, shape, 201);
  });

  gh.patch("/repos/:owner/:repo/issues/:n{[0-9]+}", async (c) => {
    const issue = repoOf(c).issues.get(Number(c.req.param("n")));
    if (!issue) throw notFound();
    const parsed = UpdateIssue.safeParse(await readJson(c));
    if (!parsed.success) throw validationFailed(DOC.update, [{ resource: "Issue", code: "invalid", field: parsed.error.issues[0]?.path.join(".") ?? "" }]);
    const ref: IssueRef = { repo: repoOf(c), issue };
    if (parsed.data.title !== undefined) issue.title = parsed.data.title;
    if (parsed.data.body !== undefined) issue.body = parsed.data.body;
    if (parsed.data.state) store.setState(ref, parsed.data.state, author(c).user, parsed.data.state_reason === "not_planned" ? "not_planned" : "completed");
    return ghJson(c, store.issueShape(apiRoot(c), ref));
  });

  // GET /search/issues?q=…: keywords (AND, or OR between them, "quoted phrases") matched in titles
  // and bodies; qualifiers repo:, is:issue|pr|open|closed, state:, in:title|body, label:. Best match first.
  gh.get("/search/issues", (c) => {
    const q = c.req.query("q");
    if (!q?.trim()) throw validationFailed(DOC.search, [{ resource: "Search", field: "q", code: "missing" }]);
    const query = parseQuery(q);
    const scored = store
      .allIssues()
      .filter((ref) => query.matches(ref))
      .map((ref) => ({ ref, score: query.score(ref) }))
      .filter((hit) => query.terms.length === 0 || hit.score > 0)
      .sort((a, b) => b.score - a.score || b.ref.issue.number - a.ref.issue.number);
    const items = scored.map(({ ref, score }) => ({ ...store.issueShape(apiRoot(c), ref), score }));
    const page = paginate(c, items);
    return ghJson(c, { total_count: items.length, incomplete_results: false, items: page });
  });
}

/** A search query as GitHub reads it: qualifiers, and keyword groups joined by OR. */
function parseQuery(q: string) {
  const tokens = [...q.matchAll(/(\w+):"([^"]*)"|(\w+):(\S+)|"([^"]+)"|(\S+)/g)];
  const repos: string[] = [];
  const labels: string[] = [];
  let type: "issue" | "pr" | undefined;
  let state: "open" | "closed" | undefined;
  let fields: ("title" | "body")[] = ["title", "body"];
  const groups: string[][] = [[]];
  for (const token of tokens) {
    const key = (token[1] ?? token[3])?.toLowerCase();
    const value = token[2] ?? token[4] ?? "";
    if (key === "repo") repos.push(value.toLowerCase());
    else if (key === "label") labels.push(value.toLowerCase());
    else if (key === "is" && (value === "issue" || value === "pr")) type = value;
    else if ((key === "is" || key === "state") && (value === "open" || value === "closed")) state = value;
    else if (key === "in") fields = value.split(",").filter((field): field is "title" | "body" => field === "title" || field === "body");
    else if (key !== undefined) groups.at(-1)!.push(`${key}:${value}`.toLowerCase());
    else if (token[6] === "OR") groups.push([]);
    else groups.at(-1)!.push((token[5] ?? token[6] ?? "").toLowerCase());
  }
  const terms = groups.flat().filter(Boolean);
  const haystack = (ref: IssueRef, field: "title" | "body") => (field === "title" ? ref.issue.title : (ref.issue.body ?? "")).toLowerCase();
  const has = (ref: IssueRef, term: string) => fields.some((field) => containsWord(haystack(ref, field), term));
  return {
    terms,
    matches(ref: IssueRef): boolean {
      if (repos.length > 0 && !repos.includes(`${ref.repo.owner}/${ref.repo.name}`.toLowerCase())) return false;
      if (type && (type === "pr") !== (ref.issue.files !== undefined)) return false;
      if (state && ref.issue.state !== state) return false;
      if (labels.some((label) => !ref.issue.labels.includes(label))) return false;
      const nonEmpty = groups.filter((group) => group.length > 0);
      return nonEmpty.length === 0 || nonEmpty.some((group) => group.every((term) => has(ref, term)));
    },
    /** More matched keywords, and matches in the title, rank higher. */
    score(ref: IssueRef): number {
      return terms.reduce((sum, term) => sum + (containsWord(haystack(ref, "title"), term) ? 2 : 0) + (containsWord(haystack(ref, "body"), term) ? 1 : 0), 0);
    },
  };
}

function containsWord(text: string, term: string): boolean {
  const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}`, "u").test(text);
}

/** A person closing an issue on github.com (control API): the state the `issues.closed` webhook then reports. */
export function closeIssue(store: GitHubStore, api: string, input: { owner: string; repo: string; number: number; user: SimpleUser; reason?: "completed" | "not_planned" }): Issue | null {
  const repo = store.repo(api, input.owner, input.repo);
  const issue = repo.issues.get(input.number);
  if (!issue) return null;
  store.setState({ repo, issue }, "closed", input.user, input.reason ?? "completed");
  return store.issueShape(api, { repo, issue });
}

