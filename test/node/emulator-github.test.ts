// The GitHub emulator, driven by the real @octokit/rest and @octokit/auth-app clients.
import { createSign, generateKeyPairSync } from "node:crypto";
import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/rest";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RecordedCall } from "../../dev/emulator/core.ts";
import { startEmulator, type RunningEmulator } from "../../dev/emulator/server.ts";

const TOKEN = "ghp_emulator_test_token_0123456789";
const APP_ID = 424242;
const SLUG = "switchboard-test";
const INSTALLATION_ID = 55000001;
const owner = "acme";
const repo = "widgets";

function rsaPair() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

const appKeys = rsaPair();
let emu: RunningEmulator;
let baseUrl: string;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const octokit = (auth: string = TOKEN) => new Octokit({ auth, baseUrl, request: { retries: 0 }, log: quiet });
const control = async (path: string, init?: { method?: string; body?: unknown }) => {
  const res = await fetch(`${emu.url}/_emulator${path}`, {
    method: init?.method ?? "GET",
    ...(init?.body !== undefined ? { body: JSON.stringify(init.body), headers: { "content-type": "application/json" } } : {}),
  });
  return { status: res.status, json: (await res.json()) as unknown };
};
const calls = async () => (await control("/calls?platform=github")).json as RecordedCall[];

/** Runs `fn`, expecting an Octokit RequestError; returns it. */
async function rejection(fn: () => Promise<unknown>) {
  try {
    await fn();
  } catch (error) {
    return error as { name: string; status: number; message: string; response?: { headers: Record<string, string>; data: unknown } };
  }
  throw new Error("expected the request to fail");
}

function signJwt(privateKeyPem: string, claims: Record<string, unknown>): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const unsigned = `${enc({ alg: "RS256", typ: "JWT" })}.${enc(claims)}`;
  return `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(privateKeyPem, "base64url")}`;
}

beforeAll(async () => {
  emu = await startEmulator({
    port: 0,
    github: { tokens: [TOKEN], app: { id: APP_ID, slug: SLUG, publicKeyPem: appKeys.publicKeyPem } },
  });
  baseUrl = `${emu.url}/github`;
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  await control("/reset", { method: "POST" });
});

describe("comments", () => {
  it("creates comments with GitHub's shape and paginates them in order", async () => {
    const gh = octokit();
    const first = await gh.rest.issues.createComment({ owner, repo, issue_number: 7, body: "comment 1" });
    expect(first.status).toBe(201);
    expect(first.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(first.headers["x-github-request-id"]).toMatch(/^[0-9A-F]+(:[0-9A-F]+){4}$/);
    expect(first.headers["x-ratelimit-remaining"]).toBe("4999");
    expect(first.data.id).toBeGreaterThan(2_000_000_000);
    expect(first.data.node_id).toMatch(/^IC_kwDO/);
    expect(first.data.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(first.data.user).toMatchObject({ login: "switchboard-bot", type: "User" });
    expect(first.data.html_url).toBe(`https://github.com/${owner}/${repo}/issues/7#issuecomment-${first.data.id}`);
    expect(first.data.issue_url).toBe(`${baseUrl}/repos/${owner}/${repo}/issues/7`);
    expect(first.data.reactions?.total_count).toBe(0);

    for (let i = 2; i <= 35; i++) await gh.rest.issues.createComment({ owner, repo, issue_number: 7, body: `comment ${i}` });
    const all = await gh.paginate(gh.rest.issues.listComments, { owner, repo, issue_number: 7, per_page: 10 });
    expect(all.map((c) => c.body)).toEqual(Array.from({ length: 35 }, (_, i) => `comment ${i + 1}`));
    const ids = all.map((c) => Number(c.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);

    const pages = (await calls()).filter((c) => c.method === "GET");
    expect(pages.map((c) => c.path)).toEqual([
      `/repos/${owner}/${repo}/issues/7/comments?per_page=10`,
      `/repos/${owner}/${repo}/issues/7/comments?per_page=10&page=2`,
      `/repos/${owner}/${repo}/issues/7/comments?per_page=10&page=3`,
      `/repos/${owner}/${repo}/issues/7/comments?per_page=10&page=4`,
    ]);

    const issue = await gh.rest.issues.get({ owner, repo, issue_number: 7 });
    expect(issue.data).toMatchObject({ number: 7, comments: 35, state: "open" });
  });

  it("default page size is 30; updates, gets and filters by since", async () => {
    const gh = octokit();
    for (let i = 0; i < 31; i++) await gh.rest.issues.createComment({ owner, repo, issue_number: 1, body: `c${i}` });
    const page1 = await gh.rest.issues.listComments({ owner, repo, issue_number: 1 });
    expect(page1.data).toHaveLength(30);
    expect(page1.headers.link).toContain('rel="next"');
    expect(page1.headers.link).toContain('rel="last"');

    const id = Number(page1.data[0]?.id);
    const patched = await gh.rest.issues.updateComment({ owner, repo, comment_id: id, body: "edited" });
    expect(patched.data.body).toBe("edited");
    expect((await gh.rest.issues.getComment({ owner, repo, comment_id: id })).data.body).toBe("edited");

    const future = await gh.rest.issues.listComments({ owner, repo, issue_number: 1, since: "2999-01-01T00:00:00Z" });
    expect(future.data).toEqual([]);
  });

  it("rejects a comment without a body with 422 Validation Failed", async () => {
    const gh = octokit();
    const err = await rejection(() =>
      // A string-typed route: deliberately invalid input the typed API would not allow.
      gh.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments" as string, { owner, repo, issue_number: 1 }),
    );
    expect(err.status).toBe(422);
    expect(err.response?.data).toMatchObject({
      message: "Validation Failed",
      errors: [{ resource: "IssueComment", code: "missing_field", field: "body" }],
    });
  });
});

describe("labels", () => {
  it("lists GitHub's default labels with pagination", async () => {
    const gh = octokit();
    const labels = await gh.paginate(gh.rest.issues.listLabelsForRepo, { owner, repo, per_page: 4 });
    expect(labels.map((l) => l.name)).toEqual([
      "bug",
      "documentation",
      "duplicate",
      "enhancement",
      "good first issue",
      "help wanted",
      "invalid",
      "question",
      "wontfix",
    ]);
    expect(labels[0]).toMatchObject({ color: "d73a4a", description: "Something isn't working", default: true });
    expect(labels[0]?.node_id).toMatch(/^LA_kwDO/);
  });

  it("adds labels to an issue, creating unknown ones on the repo, and removes them", async () => {
    const gh = octokit();
    const added = await gh.rest.issues.addLabels({ owner, repo, issue_number: 3, labels: ["bug", "needs-triage"] });
    expect(added.status).toBe(200);
    expect(added.data.map((l) => l.name)).toEqual(["bug", "needs-triage"]);
    const repoLabels = await gh.paginate(gh.rest.issues.listLabelsForRepo, { owner, repo });
    expect(repoLabels.find((l) => l.name === "needs-triage")).toMatchObject({ color: "ededed", default: false });

    const removed = await gh.rest.issues.removeLabel({ owner, repo, issue_number: 3, name: "bug" });
    expect(removed.data.map((l) => l.name)).toEqual(["needs-triage"]);
    expect((await gh.rest.issues.listLabelsOnIssue({ owner, repo, issue_number: 3 })).data.map((l) => l.name)).toEqual([
      "needs-triage",
    ]);
    const missing = await rejection(() => gh.rest.issues.removeLabel({ owner, repo, issue_number: 3, name: "bug" }));
    expect(missing.status).toBe(404);
  });
});

describe("reactions", () => {
  it("creates reactions on issues and comments, 200 for a repeat, 422 for bad content", async () => {
    const gh = octokit();
    const created = await gh.rest.reactions.createForIssue({ owner, repo, issue_number: 2, content: "eyes" });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({ content: "eyes", user: { login: "switchboard-bot" } });
    const again = await gh.rest.reactions.createForIssue({ owner, repo, issue_number: 2, content: "eyes" });
    expect(again.status).toBe(200);
    expect(again.data.id).toBe(created.data.id);

    const comment = await gh.rest.issues.createComment({ owner, repo, issue_number: 2, body: "hi" });
    const onComment = await gh.rest.reactions.createForIssueComment({
      owner,
      repo,
      comment_id: Number(comment.data.id),
      content: "+1",
    });
    expect(onComment.status).toBe(201);
    const fetched = await gh.rest.issues.getComment({ owner, repo, comment_id: Number(comment.data.id) });
    expect(fetched.data.reactions).toMatchObject({ total_count: 1, "+1": 1 });

    const err = await rejection(() =>
      gh.request("POST /repos/{owner}/{repo}/issues/{issue_number}/reactions" as string, {
        owner,
        repo,
        issue_number: 2,
        content: "thumbsup",
      }),
    );
    expect(err.name).toBe("HttpError");
    expect(err.status).toBe(422);
    expect(err.message).toContain("Validation Failed");
  });
});

describe("pull request files", () => {
  const seedPull = (number: number, files: unknown[]) =>
    control("/github/issues", { method: "POST", body: { owner, repo, number, title: `PR ${number}`, pull_request: { files } } });

  it("serves each file's patch, counting its lines when the seed leaves them out", async () => {
    const patch = "@@ -1,2 +1,3 @@\n const a = 1;\n-const b = 2;\n+const b = 3;\n+const c = 4;";
    await seedPull(3, [
      { filename: "src/a.ts", status: "modified", patch },
      { filename: "logo.png", status: "added", additions: 0, deletions: 0 },
    ]);
    const { data } = await octokit().rest.pulls.listFiles({ owner, repo, pull_number: 3 });
    expect(data).toEqual([
      expect.objectContaining({ filename: "src/a.ts", status: "modified", additions: 2, deletions: 1, changes: 3, patch }),
      expect.objectContaining({ filename: "logo.png", additions: 0, deletions: 0, changes: 0 }),
    ]);
    expect(data[1]).not.toHaveProperty("patch");
    expect(data[0]?.blob_url).toMatch(/^https:\/\/github\.com\/acme\/widgets\/blob\/[0-9a-f]{40}\/src\/a\.ts$/);
  });

  it("paginates with Link headers, at most 100 per page, and lists at most 3,000 files like GitHub", async () => {
    const files = Array.from({ length: 3_050 }, (_, i) => ({ filename: `gen/file-${i}.txt`, status: "added", additions: 1, deletions: 0 }));
    await seedPull(4, files);
    const gh = octokit();
    const first = await gh.rest.pulls.listFiles({ owner, repo, pull_number: 4, per_page: 500 });
    expect(first.data).toHaveLength(100);
    expect(first.headers.link).toContain('page=2>; rel="next"');
    expect(first.headers.link).toContain('page=30>; rel="last"');
    const all = await gh.paginate(gh.rest.pulls.listFiles, { owner, repo, pull_number: 4, per_page: 100 });
    expect(all).toHaveLength(3_000);
    expect(all.at(-1)?.filename).toBe("gen/file-2999.txt");
  });

  it("answers 404 for an issue's number and for a number nobody opened", async () => {
    await octokit().rest.issues.createComment({ owner, repo, issue_number: 5, body: "an issue, not a pull request" });
    expect((await rejection(() => octokit().rest.pulls.listFiles({ owner, repo, pull_number: 5 }))).status).toBe(404);
    expect((await rejection(() => octokit().rest.pulls.listFiles({ owner, repo, pull_number: 6 }))).status).toBe(404);
  });
});

describe("auth", () => {
  it("rejects an unknown token with 401 Bad credentials", async () => {
    const err = await rejection(() => octokit("ghp_not_a_real_token").rest.issues.get({ owner, repo, issue_number: 1 }));
    expect(err.name).toBe("HttpError");
    expect(err.status).toBe(401);
    expect(err.message).toContain("Bad credentials");
    const noAuth = await fetch(`${baseUrl}/repos/${owner}/${repo}/issues/1`);
    expect(noAuth.status).toBe(401);
  });

  it("answers GET /user for a personal token and 404 for unknown routes", async () => {
    const gh = octokit();
    expect((await gh.rest.users.getAuthenticated()).data).toMatchObject({ login: "switchboard-bot", type: "User" });
    const err = await rejection(() => gh.request("GET /repos/{owner}/{repo}/nope", { owner, repo }));
    expect(err.status).toBe(404);
    expect(err.response?.data).toMatchObject({ message: "Not Found", status: "404" });
  });

  it("GitHub App: verifies the JWT, mints an installation token, comments as slug[bot]", async () => {
    const plain = new Octokit({ baseUrl, request: { retries: 0 }, log: quiet });
    const auth = createAppAuth({
      appId: APP_ID,
      privateKey: appKeys.privateKeyPem,
      installationId: INSTALLATION_ID,
      request: plain.request,
    });
    const appAuth = await auth({ type: "app" });
    const app = await octokit(appAuth.token).rest.apps.getAuthenticated();
    expect(app.data).toMatchObject({ id: APP_ID, slug: SLUG });

    const installation = await auth({ type: "installation" });
    expect(installation.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(Date.parse(installation.expiresAt) - Date.now()).toBeGreaterThan(59 * 60 * 1000);

    const bot = octokit(installation.token);
    const comment = await bot.rest.issues.createComment({ owner, repo, issue_number: 9, body: "from the app" });
    expect(comment.data.user).toMatchObject({ login: `${SLUG}[bot]`, type: "Bot" });
    expect(comment.data.performed_via_github_app).toMatchObject({ id: APP_ID, slug: SLUG });

    const userErr = await rejection(() => bot.rest.users.getAuthenticated());
    expect(userErr.status).toBe(403);
    expect(userErr.message).toContain("Resource not accessible by integration");

    // The same flow through Octokit's authStrategy, as a bot would configure it.
    const viaStrategy = new Octokit({
      authStrategy: createAppAuth,
      auth: { appId: APP_ID, privateKey: appKeys.privateKeyPem, installationId: INSTALLATION_ID },
      baseUrl,
      request: { retries: 0 },
    });
    const labels = await viaStrategy.rest.issues.addLabels({ owner, repo, issue_number: 9, labels: ["bug"] });
    expect(labels.data.map((l) => l.name)).toEqual(["bug"]);
  });

  it("rejects a JWT signed with another key, or with a too-long lifetime", async () => {
    const plain = new Octokit({ baseUrl, request: { retries: 0 }, log: quiet });
    const wrongKey = rsaPair().privateKeyPem;
    const auth = createAppAuth({ appId: APP_ID, privateKey: wrongKey, installationId: INSTALLATION_ID, request: plain.request });
    const err = await rejection(() => auth({ type: "installation" }));
    expect(err.status).toBe(401);
    expect(err.message).toContain("A JSON web token could not be decoded");

    const now = Math.floor(Date.now() / 1000);
    const tokenUrl = `${baseUrl}/app/installations/${INSTALLATION_ID}/access_tokens`;
    const post = (jwt: string) => fetch(tokenUrl, { method: "POST", headers: { authorization: `Bearer ${jwt}` } });
    const tooLong = await post(signJwt(appKeys.privateKeyPem, { iat: now, exp: now + 3600, iss: APP_ID }));
    expect(tooLong.status).toBe(401);
    expect(((await tooLong.json()) as { message: string }).message).toContain("too far in the future");
    const expired = await post(signJwt(appKeys.privateKeyPem, { iat: now - 900, exp: now - 300, iss: String(APP_ID) }));
    expect(expired.status).toBe(401);
    const wrongIss = await post(signJwt(appKeys.privateKeyPem, { iat: now - 30, exp: now + 540, iss: 999 }));
    expect(wrongIss.status).toBe(401);
    const ok = await post(signJwt(appKeys.privateKeyPem, { iat: now - 30, exp: now + 540, iss: String(APP_ID) }));
    expect(ok.status).toBe(201);
  });
});

describe("fault injection", () => {
  it("a 429 with retryAfter answers GitHub's rate-limit response once, then the call succeeds", async () => {
    const added = await control("/faults", {
      method: "POST",
      body: { platform: "github", method: "POST", pathPattern: "/issues/\\d+/comments$", kind: "status", status: 429, retryAfter: 1 },
    });
    expect(added.status).toBe(201);
    const faultId = (added.json as { id: string }).id;

    const gh = octokit();
    const create = () => gh.rest.issues.createComment({ owner, repo, issue_number: 4, body: "retry me" });
    const err = await rejection(create);
    expect(err.status).toBe(429);
    expect(err.response?.headers["retry-after"]).toBe("1");
    expect(err.response?.headers["x-ratelimit-remaining"]).toBe("0");
    expect(err.message).toContain("API rate limit exceeded");
    const retried = await create();
    expect(retried.status).toBe(201);

    const log = (await calls()).filter((c) => c.method === "POST");
    expect(log.map((c) => c.status)).toEqual([429, 201]);
    expect(log[0]?.faultId).toBe(faultId);
    expect(log[1]?.faultId).toBeUndefined();
    expect((await gh.rest.issues.listComments({ owner, repo, issue_number: 4 })).data).toHaveLength(1);
  });

  it("a 403 secondary rate limit has GitHub's shape", async () => {
    await control("/faults", {
      method: "POST",
      body: { platform: "github", kind: "status", status: 403, secondaryRateLimit: true, retryAfter: 30, times: 2 },
    });
    const gh = octokit();
    for (let i = 0; i < 2; i++) {
      const err = await rejection(() => gh.rest.issues.get({ owner, repo, issue_number: 1 }));
      expect(err.status).toBe(403);
      expect(err.response?.headers["retry-after"]).toBe("30");
      expect(err.response?.data).toMatchObject({
        message: expect.stringMatching(/^You have exceeded a secondary rate limit/),
        documentation_url: expect.stringContaining("secondary-rate-limits"),
      });
    }
    expect((await gh.rest.issues.get({ owner, repo, issue_number: 1 })).status).toBe(200);
  });

  it("a timeout holds the request; with then=proceed the side effect still happens", async () => {
    await control("/faults", { method: "POST", body: { platform: "github", method: "POST", kind: "timeout", delayMs: 400 } });
    const gh = octokit();
    const err = await rejection(() =>
      gh.rest.issues.createComment({ owner, repo, issue_number: 5, body: "slow", request: { signal: AbortSignal.timeout(100) } }),
    );
    expect(`${err.name}: ${err.message}`).toMatch(/abort|timeout/i);
    // The held request finishes on the emulator after the client gave up; wait until it is recorded.
    const deadline = Date.now() + 10_000;
    while (!(await calls()).some((c) => c.method === "POST" && c.status === 201) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await gh.rest.issues.listComments({ owner, repo, issue_number: 5 })).data.map((c) => c.body)).toEqual(["slow"]);

    await control("/faults", {
      method: "POST",
      body: { platform: "github", method: "POST", kind: "timeout", delayMs: 50, then: "gateway-timeout" },
    });
    const gateway = await rejection(() => gh.rest.issues.createComment({ owner, repo, issue_number: 5, body: "lost" }));
    expect(gateway.status).toBe(504);
    expect((await gh.rest.issues.listComments({ owner, repo, issue_number: 5 })).data).toHaveLength(1);
  });

  it("rejects malformed fault rules", async () => {
    const bad = await control("/faults", { method: "POST", body: { platform: "github", kind: "status", pathPattern: "(" } });
    expect(bad.status).toBe(400);
  });
});

describe("control API", () => {
  it("records calls without any secret", async () => {
    const gh = octokit();
    await gh.rest.issues.createComment({ owner, repo, issue_number: 1, body: "hello" });
    const auth = createAppAuth({
      appId: APP_ID,
      privateKey: appKeys.privateKeyPem,
      installationId: INSTALLATION_ID,
      request: new Octokit({ baseUrl, log: quiet }).request,
    });
    const { token } = await auth({ type: "installation" });
    const { token: jwt } = await auth({ type: "app" });
    await octokit(token).rest.issues.createComment({ owner, repo, issue_number: 1, body: "as app" });
    await fetch(`${baseUrl}/repos/${owner}/${repo}/labels?access_token=${TOKEN}`, { headers: { authorization: `token ${TOKEN}` } });

    const log = await calls();
    expect(log).toHaveLength(4);
    expect(log[3]?.path).toBe(`/repos/${owner}/${repo}/labels?access_token=***`);
    expect(log[0]).toMatchObject({
      seq: expect.any(Number),
      platform: "github",
      method: "POST",
      path: `/repos/${owner}/${repo}/issues/1/comments`,
      body: { body: "hello" },
      status: 201,
      response: { body: "hello" },
    });
    expect(log[0]?.headers.authorization).toBe("token ***");
    expect(log[1]?.headers.authorization).toBe("bearer ***");
    expect(log[1]?.response).toMatchObject({ token: "ghs_***" });
    const text = JSON.stringify(log);
    for (const secret of [TOKEN, token, jwt, jwt.split(".")[2] ?? "jwt"]) expect(text).not.toContain(secret);
  });

  it("streams new calls as Server-Sent Events", async () => {
    const abort = new AbortController();
    const res = await fetch(`${emu.url}/_emulator/calls/stream?platform=github`, { signal: abort.signal });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    await octokit().rest.issues.createComment({ owner, repo, issue_number: 1, body: "streamed" });
    let text = "";
    while (!text.includes("\n\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    abort.abort();
    expect(text).toContain("event: call");
    const data = /data: (.*)/.exec(text)?.[1] ?? "{}";
    expect(JSON.parse(data)).toMatchObject({ method: "POST", status: 201, body: { body: "streamed" } });
  });

  it("seeds issues and pull requests, exposes state, and reset clears everything", async () => {
    const seeded = await control("/github/issues", {
      method: "POST",
      body: {
        owner,
        repo,
        number: 12,
        title: "Add widgets",
        body: "Please",
        labels: ["enhancement"],
        pull_request: { files: [{ filename: "src/widget.ts", additions: 10, deletions: 2, status: "modified" }] },
      },
    });
    expect(seeded.status).toBe(201);
    expect(seeded.json).toMatchObject({ number: 12, title: "Add widgets", pull_request: expect.any(Object) });

    const gh = octokit();
    const files = await gh.rest.pulls.listFiles({ owner, repo, pull_number: 12 });
    expect(files.data).toEqual([expect.objectContaining({ filename: "src/widget.ts", additions: 10, deletions: 2, changes: 12 })]);
    const issue = await gh.rest.issues.get({ owner, repo, issue_number: 12 });
    expect(issue.data).toMatchObject({ title: "Add widgets", body: "Please", labels: [{ name: "enhancement" }] });
    await gh.rest.issues.createComment({ owner, repo, issue_number: 12, body: "LGTM" });
    await control("/faults", { method: "POST", body: { platform: "github", kind: "status", status: 500 } });

    const state = (await control("/state/github")).json as { repos: { issues: { number: number; comment_list: unknown[] }[] }[] };
    expect(state.repos[0]?.issues.find((i) => i.number === 12)?.comment_list).toHaveLength(1);

    expect((await control("/reset", { method: "POST" })).status).toBe(200);
    expect(await calls()).toEqual([]);
    expect((await control("/faults")).json).toEqual([]);
    expect((await control("/state/github")).json).toEqual({ repos: [] });
    expect((await gh.rest.issues.get({ owner, repo, issue_number: 12 })).data.title).toBe("Issue #12");
  });
});
