// Emulated GitHub REST API (the subset Switchboard uses), mounted at `/github`.
// Octokit talks to it unchanged with `baseUrl: "<emulator>/github"`.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { isoSeconds, recorderMiddleware, type Core, type PlatformModule, readJsonBody } from "./core.ts";
import { createGitHubAuth, JWT_MESSAGES, type GitHubAppConfig, type Identity } from "./github-auth.ts";
import {
  DOCS,
  GitHubError,
  createRateLimiter,
  ghJson,
  notFound,
  paginate,
  rateLimitHeaders,
  renderGitHubFault,
  requestId,
  validationFailed,
} from "./github-http.ts";
import { createGitHubStore, type Author, type IssueRef } from "./github-state.ts";
import { REPOSITORY_ROLES, collaboratorPermissionShape, createCollaborators, type RepositoryRole } from "./github-collaborators.ts";
import { closeIssue, registerIssueRoutes } from "./github-issues.ts";
import { createRepositoryContents } from "./github-contents.ts";
import { DEV_GITHUB_INSTALLATION_ID } from "./defaults.ts";
import {
  REACTION_CONTENTS,
  installationShape,
  integrationShape,
  userIdFor,
  userShape,
  type InstallationToken,
  type ReactionContent,
} from "./github-shapes.ts";

export interface GitHubOptions {
  /** Personal access tokens the emulator accepts (`Authorization: token X` or `Bearer X`). */
  tokens: string[];
  /** Login of the user those tokens belong to. Default "switchboard-bot". */
  botLogin?: string;
  /** Scopes of those (classic) tokens, as GitHub reports them in `x-oauth-scopes`. Default: repo. */
  tokenScopes?: readonly string[];
  /** A GitHub App whose JWTs (RS256, verified against `publicKeyPem`) may mint installation tokens. */
  app?: GitHubAppConfig & { owner?: string };
  /** Roles people hold on every repository (logins → role); otherwise owners are admins and others read. */
  collaborators?: Readonly<Record<string, RepositoryRole>>;
}

type Env = { Variables: { identity: Identity } };

const seedSchema = z.object({
  owner: z.string().min(1),
  repo: z.string().min(1),
  number: z.number().int().positive().optional(),
  title: z.string(),
  body: z.string().optional(),
  labels: z.array(z.string().min(1)).optional(),
  user: z.string().min(1).optional(),
  pull_request: z
    .object({
      files: z.array(
        z.object({
          filename: z.string().min(1),
          // Counted from the patch when left out.
          additions: z.number().int().nonnegative().optional(),
          deletions: z.number().int().nonnegative().optional(),
          status: z.enum(["added", "removed", "modified", "renamed", "copied", "changed", "unchanged"]),
          patch: z.string().optional(),
          previous_filename: z.string().min(1).optional(),
        }),
      ),
    })
    .optional(),
});

/** GitHub lists at most this many files of a pull request. */
const PULL_REQUEST_FILES_CAP = 3000;

const DOC = {
  createComment: "https://docs.github.com/rest/issues/comments#create-an-issue-comment",
  updateComment: "https://docs.github.com/rest/issues/comments#update-an-issue-comment",
  addLabels: "https://docs.github.com/rest/issues/labels#add-labels-to-an-issue",
  removeLabel: "https://docs.github.com/rest/issues/labels#remove-a-label-from-an-issue",
  reaction: "https://docs.github.com/rest/reactions/reactions#create-reaction-for-an-issue",
  user: "https://docs.github.com/rest/users/users#get-the-authenticated-user",
  token: "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app",
} as const;

/** `http://127.0.0.1:8790/github` — the API root as the client sees it, for `url` fields. */
const apiRoot = (c: Context) => `${new URL(c.req.url).origin}/github`;

const readJson = (c: Context) => readJsonBody(c, () => new GitHubError(400, "Problems parsing JSON"));

const field = (value: unknown, key: string): unknown =>
  value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;

export function createGitHubPlatform(core: Core, options: GitHubOptions): PlatformModule {
  const store = createGitHubStore(core);
  const auth = createGitHubAuth(core, options.tokens, options.app);
  const limiter = createRateLimiter(core);
  const collaborators = createCollaborators(options.collaborators);
  const contents = createRepositoryContents(core);
  const botLogin = options.botLogin ?? "switchboard-bot";
  const botUser = userShape(botLogin, userIdFor(botLogin));
  const appOwner = options.app ? userShape(options.app.owner ?? "switchboard-dev", userIdFor(options.app.owner ?? "switchboard-dev"), "Organization") : undefined;
  const app = options.app
    ? {
        config: options.app,
        owner: appOwner!,
        integration: integrationShape({ id: options.app.id, slug: options.app.slug, name: options.app.name ?? options.app.slug }, appOwner!),
        botUser: userShape(`${options.app.slug}[bot]`, 100_000_000 + options.app.id, "Bot"),
      }
    : undefined;

  const authorFor = (identity: Identity): Author =>
    identity.kind === "installation" && app
      ? { user: app.botUser, app: app.integration, association: "NONE" }
      : { user: botUser, app: null, association: "COLLABORATOR" };

  const gh = new Hono<Env>();
  gh.onError((err, c) =>
    err instanceof GitHubError
      ? ghJson(c, err.body, err.status)
      : ghJson(c, { message: "Server Error", documentation_url: DOCS, status: "500", detail: String(err) }, 500),
  );
  gh.use(recorderMiddleware(core, "github", "/github", (fault, c) => renderGitHubFault(core, fault, c)));

  // Common headers + authentication for every route.
  gh.use(async (c, next) => {
    c.header("x-github-request-id", requestId(core));
    c.header("x-github-media-type", "github.v3; format=json");
    c.header("x-github-api-version-selected", "2022-11-28");
    const result = auth.authenticate(c.req.header("authorization"));
    if (!result.ok) {
      for (const [k, v] of Object.entries(rateLimitHeaders(limiter.consume("anonymous", 60)))) c.header(k, v);
      throw new GitHubError(401, result.message);
    }
    for (const [k, v] of Object.entries(rateLimitHeaders(limiter.consume(result.credential, 5000)))) c.header(k, v);
    // Routes only an App's JWT may call: its own, and finding its installation on a repository.
    const isAppRoute = /^\/github\/(app(\/|$)|repos\/[^/]+\/[^/]+\/installation$)/.test(c.req.path);
    if (isAppRoute && result.identity.kind !== "app") throw new GitHubError(401, JWT_MESSAGES.undecodable);
    if (!isAppRoute && result.identity.kind === "app") {
      throw new GitHubError(403, "Resource not accessible by integration");
    }
    // GitHub reports a classic token's scopes on every answer; apps and their tokens have permissions instead.
    if (result.identity.kind === "user") c.header("x-oauth-scopes", (options.tokenScopes ?? ["repo"]).join(", "));
    c.set("identity", result.identity);
    await next();
  });

  // ---- Identity ----------------------------------------------------------------------------

  gh.get("/user", (c) => {
    if (c.get("identity").kind === "installation") {
      throw new GitHubError(403, "Resource not accessible by integration", { documentation_url: DOC.user });
    }
    return ghJson(c, {
      ...botUser,
      name: botLogin,
      company: null,
      blog: "",
      location: null,
      email: null,
      hireable: null,
      bio: null,
      twitter_username: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
    });
  });

  gh.get("/app", (c) => {
    if (!app) throw notFound();
    return ghJson(c, { ...app.integration, installations_count: 1 });
  });

  gh.get("/app/installations", (c) => {
    if (!app) throw notFound();
    // One installation, on the app owner's account: what a bot installed on its own organization sees.
    return ghJson(c, paginate(c, [installationShape(DEV_GITHUB_INSTALLATION_ID, { ...app.config, clientId: app.integration.client_id ?? "" }, app.owner)]));
  });

  // The App is installed on every repository of its owner's account, as the dev App is.
  gh.get("/repos/:owner/:repo/installation", (c) => {
    if (!app) throw notFound();
    return ghJson(c, installationShape(DEV_GITHUB_INSTALLATION_ID, { ...app.config, clientId: app.integration.client_id ?? "" }, app.owner));
  });

  gh.post("/app/installations/:installation_id{[0-9]+}/access_tokens", async (c) => {
    if (!app) throw notFound();
    const body = await readJson(c);
    const requested = field(body, "permissions");
    const repos = field(body, "repositories") ?? field(body, "repository_ids");
    const issued = auth.issueInstallationToken(Number(c.req.param("installation_id")));
    const response: InstallationToken = {
      token: issued.token,
      expires_at: isoSeconds(issued.expiresAt),
      permissions:
        requested !== null && typeof requested === "object"
          ? (requested as InstallationToken["permissions"])
          : { issues: "write", pull_requests: "write", metadata: "read", contents: "read" },
      repository_selection: Array.isArray(repos) ? "selected" : "all",
    };
    return ghJson(c, response, 201);
  });

  // ---- Labels ------------------------------------------------------------------------------

  const issueRef = (c: Context): IssueRef =>
    store.issue(apiRoot(c), c.req.param("owner") ?? "", c.req.param("repo") ?? "", Number(c.req.param("n")));
  const issueLabels = (ref: IssueRef) => ref.issue.labels.flatMap((k) => ref.repo.labels.get(k) ?? []);

  gh.get("/repos/:owner/:repo/labels", (c) => {
    const repo = store.repo(apiRoot(c), c.req.param("owner"), c.req.param("repo"));
    return ghJson(c, paginate(c, [...repo.labels.values()]));
  });

  gh.get("/repos/:owner/:repo/issues/:n{[0-9]+}/labels", (c) => ghJson(c, paginate(c, issueLabels(issueRef(c)))));

  gh.post("/repos/:owner/:repo/issues/:n{[0-9]+}/labels", async (c) => {
    const body = await readJson(c);
    const raw = Array.isArray(body) ? body : field(body, "labels");
    if (!Array.isArray(raw)) {
      throw validationFailed(DOC.addLabels, [{ resource: "Label", code: "missing_field", field: "labels" }]);
    }
    const names = raw.map((l: unknown) => (typeof l === "string" ? l : field(l, "name")));
    if (!names.every((n): n is string => typeof n === "string" && n.trim() !== "")) {
      throw validationFailed(DOC.addLabels, [{ resource: "Label", code: "invalid", field: "name" }]);
    }
    const ref = issueRef(c);
    store.addLabels(apiRoot(c), ref, names);
    return ghJson(c, issueLabels(ref));
  });

  gh.delete("/repos/:owner/:repo/issues/:n{[0-9]+}/labels/:name", (c) => {
    const ref = issueRef(c);
    const key = c.req.param("name").toLowerCase();
    if (!ref.issue.labels.includes(key)) throw new GitHubError(404, "Label does not exist", { documentation_url: DOC.removeLabel });
    ref.issue.labels = ref.issue.labels.filter((k) => k !== key);
    ref.issue.updatedAt = isoSeconds(core.now());
    return ghJson(c, issueLabels(ref));
  });

  // ---- Issues and comments -----------------------------------------------------------------

  gh.get("/repos/:owner/:repo/issues/:n{[0-9]+}", (c) => ghJson(c, store.issueShape(apiRoot(c), issueRef(c))));

  gh.get("/repos/:owner/:repo/issues/:n{[0-9]+}/comments", (c) => {
    const since = c.req.query("since");
    const sinceMs = since ? Date.parse(since) : Number.NaN;
    const refs = store
      .comments(issueRef(c))
      .filter((r) => Number.isNaN(sinceMs) || Date.parse(r.comment.updatedAt) >= sinceMs);
    return ghJson(c, paginate(c, refs).map((r) => store.commentShape(apiRoot(c), r)));
  });

  const commentBody = async (c: Context, doc: string): Promise<string> => {
    const body = field(await readJson(c), "body");
    if (typeof body !== "string") {
      throw validationFailed(doc, [{ resource: "IssueComment", code: "missing_field", field: "body" }]);
    }
    if (body.length > 65536) {
      throw validationFailed(doc, [
        { resource: "IssueComment", code: "custom", field: "body", message: "body is too long (maximum is 65536 characters)" },
      ]);
    }
    return body;
  };

  gh.post("/repos/:owner/:repo/issues/:n{[0-9]+}/comments", async (c) => {
    const body = await commentBody(c, DOC.createComment);
    const ref = store.addComment(issueRef(c), body, authorFor(c.get("identity")));
    const shape = store.commentShape(apiRoot(c), ref);
    c.header("location", shape.url);
    return ghJson(c, shape, 201);
  });

  const commentRef = (c: Context) => {
    const ref = store.findComment(apiRoot(c), c.req.param("owner") ?? "", c.req.param("repo") ?? "", Number(c.req.param("id")));
    if (!ref) throw notFound();
    return ref;
  };

  gh.get("/repos/:owner/:repo/issues/comments/:id{[0-9]+}", (c) => ghJson(c, store.commentShape(apiRoot(c), commentRef(c))));

  gh.patch("/repos/:owner/:repo/issues/comments/:id{[0-9]+}", async (c) => {
    const ref = commentRef(c);
    ref.comment.body = await commentBody(c, DOC.updateComment);
    ref.comment.updatedAt = isoSeconds(core.now());
    return ghJson(c, store.commentShape(apiRoot(c), ref));
  });

  // ---- Reactions ---------------------------------------------------------------------------

  const reactionContent = async (c: Context): Promise<ReactionContent> => {
    const content = field(await readJson(c), "content");
    if (typeof content !== "string" || !(REACTION_CONTENTS as readonly string[]).includes(content)) {
      throw validationFailed(DOC.reaction, [
        content === undefined
          ? { resource: "Reaction", code: "missing_field", field: "content" }
          : { value: content, resource: "Reaction", field: "content", code: "invalid" },
      ]);
    }
    return content as ReactionContent;
  };

  const reactionResponse = (c: Context, result: { reaction: unknown; created: boolean }) =>
    ghJson(c, result.reaction, result.created ? 201 : 200);

  gh.post("/repos/:owner/:repo/issues/:n{[0-9]+}/reactions", async (c) => {
    const content = await reactionContent(c);
    const ref = issueRef(c);
    return reactionResponse(c, store.react(ref.repo, ref.issue, content, authorFor(c.get("identity")).user));
  });

  gh.post("/repos/:owner/:repo/issues/comments/:id{[0-9]+}/reactions", async (c) => {
    const content = await reactionContent(c);
    const ref = commentRef(c);
    return reactionResponse(c, store.react(ref.repo, ref.comment, content, authorFor(c.get("identity")).user));
  });

  // ---- Collaborators -----------------------------------------------------------------------

  gh.get("/repos/:owner/:repo/collaborators/:username/permission", (c) => {
    const login = c.req.param("username");
    const role = collaborators.roleOf(c.req.param("owner"), c.req.param("repo"), login);
    return ghJson(c, collaboratorPermissionShape(role, userShape(login, userIdFor(login))));
  });

  // ---- Pull requests -----------------------------------------------------------------------

  gh.get("/repos/:owner/:repo/pulls/:n{[0-9]+}/files", (c) => {
    const repo = store.repo(apiRoot(c), c.req.param("owner"), c.req.param("repo"));
    const files = repo.issues.get(Number(c.req.param("n")))?.files;
    // An issue's number, or one nobody opened, is not a pull request: GitHub answers 404.
    if (!files) throw notFound();
    // "Responses include a maximum of 3000 files" (GitHub's REST docs for this endpoint).
    return ghJson(c, paginate(c, files.slice(0, PULL_REQUEST_FILES_CAP)));
  });

  registerIssueRoutes(gh, { store, apiRoot, author: (c) => authorFor(c.get("identity")), readJson });
  contents.register(gh, apiRoot);

  gh.all("*", () => {
    throw notFound();
  });

  // ---- Control routes (under /_emulator/github, no auth, not recorded) ---------------------

  const control = new Hono();
  control.route("/", contents.control);
  control.post("/issues", async (c) => {
    const parsed = seedSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: "invalid seed", issues: parsed.error.issues }, 400);
    const ref = store.seedIssue(apiRoot(c), parsed.data);
    return c.json(store.issueShape(apiRoot(c), ref), 201);
  });

  // Someone's role on a repository, as its admins set it (a collaborator, a team, the organization).
  control.post("/collaborators", async (c) => {
    const parsed = z
      .object({ owner: z.string().min(1), repo: z.string().min(1), user: z.string().min(1), role: z.enum(REPOSITORY_ROLES) })
      .safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: "invalid collaborator", issues: parsed.error.issues }, 400);
    collaborators.grant(parsed.data.owner, parsed.data.repo, parsed.data.user, parsed.data.role);
    return c.json({ ok: true }, 201);
  });

  // A person's comment, as it exists on GitHub before the webhook about it is sent.
  control.post("/comments", async (c) => {
    const parsed = z
      .object({ owner: z.string().min(1), repo: z.string().min(1), number: z.number().int().positive(), body: z.string().min(1), user: z.string().min(1) })
      .safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: "invalid comment", issues: parsed.error.issues }, 400);
    const { owner, repo, number, body, user } = parsed.data;
    const ref = store.addComment(store.issue(apiRoot(c), owner, repo, number), body, {
      user: userShape(user, userIdFor(user)),
      app: null,
      association: "CONTRIBUTOR",
    });
    return c.json(store.commentShape(apiRoot(c), ref), 201);
  });

  // A maintainer closing an issue on github.com, before the `issues.closed` webhook about it is sent.
  control.post("/issues/:owner/:repo/:n{[0-9]+}/close", async (c) => {
    const parsed = z.object({ user: z.string().min(1), reason: z.enum(["completed", "not_planned"]).optional() }).safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: "invalid close", issues: parsed.error.issues }, 400);
    const closed = closeIssue(store, apiRoot(c), {
      owner: c.req.param("owner"),
      repo: c.req.param("repo"),
      number: Number(c.req.param("n")),
      user: userShape(parsed.data.user, userIdFor(parsed.data.user)),
      ...(parsed.data.reason ? { reason: parsed.data.reason } : {}),
    });
    return closed ? c.json(closed) : c.json({ error: "no such issue" }, 404);
  });

  return {
    platform: "github",
    mount(parent) {
      parent.route("/github", gh);
      parent.route("/_emulator/github", control);
    },
    snapshot: (origin) => store.snapshot(`${origin}/github`),
    reset() {
      store.reset();
      limiter.reset();
      collaborators.reset();
      contents.reset();
    },
  };
}
