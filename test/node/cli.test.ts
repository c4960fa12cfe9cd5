import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DISCORD_SETUP, GITHUB_SETUP, LINEAR_SETUP } from "../../cli/doctor/setup.ts";
import { readSlackManifest } from "../../cli/doctor/slack-manifest.ts";
import { devVars } from "../../dev/defaults.ts";
import { DEV_GITHUB_APP_ID, DEV_GITHUB_APP_SLUG } from "../../dev/emulator/defaults.ts";
import { DEV_SLACK_SCOPES } from "../../dev/emulator/slack.ts";
import { devOptions, startEmulator, type RunningEmulator } from "../../dev/emulator/server.ts";
import { githubExample } from "../../dev/github-examples.ts";
import { inRepository } from "../../dev/github-events.ts";
import { linearEvents, signLinear, type SeededIssue } from "../../dev/linear-events.ts";
import { createPlayground } from "../../dev/playground/server.ts";
import { freePort, ROOT, startWorker, type RunningWorker } from "../../dev/workerd.ts";
import { TEST_DISCORD_PUBLIC_KEY } from "../env.ts";
import { envFile, removeEnvFiles, switchboard } from "../support/cli.ts";

/** Every command the CLI has, as an operator types it. */
const COMMANDS = ["add agent", "add channel", "doctor", "replay", "inspect", "rerun", "discord register", "discord gateway"];

const appKey = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });

let emulator: RunningEmulator;
let worker: RunningWorker;
let persistTo: string;
let vars: Record<string, string>;
/** The dev configuration, as a file: what `npm run dev` runs the Worker with. */
let devFile: string;

beforeAll(async () => {
  persistTo = mkdtempSync(join(tmpdir(), "switchboard-cli-worker-"));
  const [emulatorPort, workerPort] = [await freePort(), await freePort()];
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  vars = devVars(emulatorUrl);
  emulator = await startEmulator({
    ...devOptions({ publicKeyPem: appKey.publicKey }),
    port: emulatorPort,
    front: createPlayground({ workerUrl: `http://127.0.0.1:${workerPort}`, emulatorUrl, vars }),
  });
  worker = await startWorker({ vars, persistTo, port: workerPort });
  devFile = envFile(vars);
});

afterAll(async () => {
  worker?.kill("SIGKILL");
  await worker?.exited;
  await emulator?.close();
  rmSync(persistTo, { recursive: true, force: true });
  removeEnvFiles();
});

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${worker.output().slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The conversation as the operator endpoint reports it. */
async function report(key: string): Promise<{ counts: { done: number; failed: number; pending: number }; inbox: { seq: number; status: string }[] }> {
  const response = await fetch(`${worker.url}/operator/conversations/${encodeURIComponent(key)}`, { headers: { authorization: `Bearer ${vars.ADMIN_TOKEN}` } });
  return (await response.json()) as never;
}

const settled = (key: string) => until(`${key} to settle`, async () => {
  const { counts } = await report(key);
  return counts.pending === 0 && counts.done + counts.failed > 0 ? counts : null;
});

async function commentPosts(owner: string, repo: string): Promise<{ status: number }[]> {
  const calls = (await (await fetch(`${emulator.url}/_emulator/calls?platform=github`)).json()) as { method: string; path: string; status: number }[];
  return calls.filter((call) => call.method === "POST" && call.path === `/repos/${owner}/${repo}/issues/1/comments`);
}

/** A saved GitHub delivery: an issue opened in a repository of its own. */
function issueFile(repo: string): { path: string; key: string; delivery: string } {
  const payload = inRepository(githubExample("issues", "opened"), "acme", repo);
  Object.assign(payload.issue as object, {
    number: 1,
    title: "App crashes with TypeError when saving settings",
    body: "Steps to reproduce:\n1. Open settings\n2. Click save\n\nTypeError: Cannot read properties of undefined (reading 'id')",
    labels: [],
  });
  const delivery = randomUUID();
  const path = join(persistTo, `${repo}.json`);
  writeFileSync(path, JSON.stringify({ platform: "github", headers: { "x-github-event": "issues", "x-github-delivery": delivery }, body: payload }));
  return { path, key: `github:acme/${repo}#1`, delivery };
}

describe("switchboard --help", () => {
  it("lists every command, and each command answers --help with its own usage", async () => {
    const help = await switchboard(["--help"]);
    expect(help.code).toBe(0);
    const every = help.stdout.slice(help.stdout.indexOf("Every command"));
    for (const command of COMMANDS) expect(every).toMatch(new RegExp(`switchboard ${command}\\b`));
    for (const command of COMMANDS) {
      const own = await switchboard([...command.split(" "), "--help"]);
      expect(own.code, command).toBe(0);
      expect(own.stdout).toMatch(new RegExp(`^Usage: switchboard ${command}\\b`));
    }
  });
});

describe("switchboard doctor", () => {
  it("on the dev configuration: finds Discord's commands missing, then, once registered, nothing to fix", async () => {
    const before = await switchboard(["doctor", "--env-file", devFile]);
    expect(before.code).toBe(1);
    expect(before.output).toContain('the commands "triage", "Triage this message" are not registered: npx switchboard discord register');

    const registered = await switchboard(["discord", "register", "--env-file", devFile]);
    expect(registered.code).toBe(0);
    expect(registered.stdout).toContain('Registered "triage", "Triage this message"');

    const after = await switchboard(["doctor", "--env-file", devFile]);
    expect(after.code, after.output).toBe(0);
    expect(after.output).toContain("No problems found.");
    for (const line of [/github identity\s+ok\s+a token of @switchboard; scopes: repo/, /slack identity\s+ok\s+@switchboard \(U0SWITCHDEV\)/, /linear identity\s+ok/, /discord identity\s+ok\s+bot @switchboard/]) {
      expect(after.stdout).toMatch(line);
    }
    // One progress line per identity call, ending in its outcome.
    for (const call of ["github: GET /user", "slack: auth.test", "linear: viewer", "discord: GET /users/@me"]) expect(after.stderr).toMatch(new RegExp(`✔ ${call}.*: `));
  });

  it("names each broken variable, and none of the values", async () => {
    const broken = envFile({
      ...vars,
      SLACK_BOT_TOKEN: "xoxb-not-the-apps-token-000",
      LINEAR_API_KEY: "lin_api_not_the_bots_key_0000",
      DISCORD_PUBLIC_KEY: "a public key that is not hex",
      MODEL: "openai:gpt-4.1-mini",
      GITHUB_PRIVATE_KEY: "not-a-pem-private-key",
    });
    const run = await switchboard(["doctor", "--env-file", broken]);
    expect(run.code).toBe(1);
    expect(run.output).toContain("SLACK_BOT_TOKEN: auth.test answered invalid_auth");
    expect(run.output).toContain("LINEAR_API_KEY: Linear answered AUTHENTICATION_ERROR");
    expect(run.output).toContain("DISCORD_PUBLIC_KEY: must be the 64-character hex public key");
    expect(run.output).toContain("OPENAI_API_KEY: required for MODEL=openai");
    expect(run.output).toContain("GITHUB_PRIVATE_KEY: must be a PEM private key");
    expect(run.stdout).toContain("5 problem(s)");
    expect(run.output).not.toContain("a public key that is not hex");
  });

  it("a configuration that enables no channel is a problem: the Worker would answer nothing", async () => {
    const run = await switchboard(["doctor", "--env-file", envFile({ BOT_NAME: "switchboard" })]);
    expect(run.code).toBe(1);
    expect(run.output).toContain("no channel is enabled: set one of GITHUB_WEBHOOK_SECRET, SLACK_SIGNING_SECRET, DISCORD_PUBLIC_KEY, LINEAR_WEBHOOK_SECRET");
    expect(run.stdout).toMatch(/slack settings\s+ok\s+disabled \(SLACK_SIGNING_SECRET not set\)/);
  });

  it("a GitHub App: signs a JWT, checks the App's slug, events and its installation's permissions", async () => {
    const app = { ...vars, BOT_NAME: DEV_GITHUB_APP_SLUG, GITHUB_TOKEN: "", GITHUB_APP_ID: String(DEV_GITHUB_APP_ID), GITHUB_PRIVATE_KEY: appKey.privateKey.replace(/\n/g, "\\n") };
    delete (app as Record<string, string>).GITHUB_TOKEN;
    const ok = await switchboard(["doctor", "--env-file", envFile(app)]);
    expect(ok.stdout).toMatch(new RegExp(`github identity\\s+ok\\s+App ${DEV_GITHUB_APP_SLUG} \\(id ${DEV_GITHUB_APP_ID}\\), 1 installation\\(s\\)`));

    const otherKey = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
    const wrong = await switchboard(["doctor", "--env-file", envFile({ ...app, BOT_NAME: "switchboard", GITHUB_PRIVATE_KEY: otherKey.replace(/\n/g, "\\n") })]);
    expect(wrong.code).toBe(1);
    expect(wrong.output).toContain("GITHUB_APP_ID, GITHUB_PRIVATE_KEY: GitHub refused the App JWT (401");

    const misnamed = await switchboard(["doctor", "--env-file", envFile({ ...app, BOT_NAME: "switchboard" })]);
    expect(misnamed.output).toContain(`BOT_NAME: is not the App's slug (${DEV_GITHUB_APP_SLUG})`);
  });

  it("names the scopes manifest.yaml asks for that Slack did not grant", async () => {
    const stingy = await startEmulator({ ...devOptions(), slack: { ...devOptions().slack!, scopes: DEV_SLACK_SCOPES.filter((scope) => scope !== "reactions:write" && scope !== "commands") } });
    try {
      const run = await switchboard(["doctor", "--env-file", envFile({ ...vars, SLACK_API_URL: `${stingy.url}/slack/` })]);
      expect(run.code).toBe(1);
      expect(run.output).toContain("SLACK_BOT_TOKEN: the app lacks the scopes commands, reactions:write that channels/slack/manifest.yaml asks for");
    } finally {
      await stingy.close();
    }
  });

  it("prints each platform's webhook URL for the Worker, and what to enable there", async () => {
    const run = await switchboard(["doctor", "--env-file", devFile, "--worker-url", "https://bot.example.workers.dev"]);
    for (const url of ["/webhooks/github", "/webhooks/slack/events", "/webhooks/slack/commands", "/webhooks/slack/interactions", "/webhooks/linear", "/webhooks/discord/interactions"]) {
      expect(run.stdout).toContain(`https://bot.example.workers.dev${url}`);
    }
    expect(run.stdout).toContain(`Subscribe to events: ${GITHUB_SETUP.events.join(", ")}`);
    expect(run.stdout).toContain(`Bot token scopes: ${readSlackManifest(ROOT).scopes.join(", ")}`);
    // The emulated Discord application has no Interactions Endpoint URL: for this Worker, a problem.
    expect(run.output).toContain("the Interactions Endpoint URL is not set; set it to https://bot.example.workers.dev/webhooks/discord/interactions");
  });

  it("what it tells an operator to enable is what the channel guides and the Slack manifest say", () => {
    const guide = (name: string) => readFileSync(join(ROOT, `channels/${name}/README.md`), "utf8");
    for (const item of [...GITHUB_SETUP.events, ...GITHUB_SETUP.permissions]) expect(guide("github")).toContain(item);
    for (const item of LINEAR_SETUP.categories) expect(guide("linear")).toContain(`**${item}**`);
    expect(guide("linear")).toContain(`scope=${LINEAR_SETUP.scopes.join(",")}`);
    for (const item of [...DISCORD_SETUP.scopes, ...DISCORD_SETUP.permissions]) expect(guide("discord")).toContain(item);
    const manifest = readFileSync(join(ROOT, "channels/slack/manifest.yaml"), "utf8");
    for (const item of [...readSlackManifest(ROOT).scopes, ...readSlackManifest(ROOT).events]) expect(manifest).toContain(`- ${item}`);
    expect([...DEV_SLACK_SCOPES]).toEqual(readSlackManifest(ROOT).scopes);
  });

  it("--remote: reads the deployed Worker's /health, and says why it could not list the secrets", async () => {
    // No Cloudflare login here (nor a token): wrangler refuses, and doctor says so.
    const run = await switchboard(["doctor", "--remote", "--worker-url", worker.url], { env: { HOME: persistTo, CLOUDFLARE_API_TOKEN: undefined, CLOUDFLARE_ACCOUNT_ID: undefined } });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/wrangler secret list failed: .*CLOUDFLARE_API_TOKEN/);
    expect(run.stdout).toMatch(/\/health\s+ok\s+bot @switchboard, model embedded, enabled: github, slack, discord, linear/);
  });
});

describe("switchboard replay", () => {
  it("a saved GitHub delivery: one turn and one comment; replayed again, a duplicate and still one comment", async () => {
    const repo = `replay-${randomUUID().slice(0, 8)}`;
    const file = issueFile(repo);
    const first = await switchboard(["replay", file.path, "--to", worker.url, "--env-file", devFile]);
    expect(first.code, first.output).toBe(0);
    expect(first.stdout).toContain(`POST /webhooks/github → 200 accepted: conversation ${file.key}, delivery ${file.delivery}`);
    await settled(file.key);
    expect((await commentPosts("acme", repo)).map((call) => call.status)).toEqual([201]);

    const again = await switchboard(["replay", file.path, "--to", worker.url, "--env-file", devFile]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`POST /webhooks/github → 200 duplicate: conversation ${file.key}, delivery ${file.delivery}`);
    const after = await report(file.key);
    expect(after.counts).toMatchObject({ pending: 0, done: 1, failed: 0 });
    expect(after.inbox).toHaveLength(1);
    expect(await commentPosts("acme", repo)).toHaveLength(1);
  });

  it("what the playground sent, by its delivery id, re-signed for each platform: the Worker already has it", async () => {
    const sends: [string, Record<string, unknown>][] = [
      ["slack", { channel: `C${randomUUID().slice(0, 8).toUpperCase()}`, text: "the login page returns 500" }],
      ["linear", { action: "assign", title: "Export fails with a TypeError", description: "Steps: click export. TypeError: x is undefined" }],
      ["discord", { kind: "command", channelId: String(1_300_000_000_000_000_100n + BigInt(Math.floor(Math.random() * 1e6))), text: "the app crashes on save" }],
    ];
    for (const [platform, action] of sends) {
      const sent = (await (await fetch(`${emulator.url}/playground/send/${platform}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(action) })).json()) as { status: number; response: { conversationKey: string } };
      expect(sent.status, platform).toBe(200);
      const [latest] = (await (await fetch(`${emulator.url}/_emulator/deliveries?platform=${platform}`)).json()) as { id: string }[];
      await settled(sent.response.conversationKey);

      const run = await switchboard(["replay", "--delivery", latest!.id, "--emulator", emulator.url, "--to", worker.url, "--env-file", devFile]);
      expect(run.code, run.output).toBe(0);
      // Discord's acknowledgement is the deferred response again (type 5); the others say duplicate.
      expect(run.stdout, platform).toMatch(platform === "discord" ? /→ 200 interaction response type 5/ : /→ 200 duplicate: conversation /);
      expect((await report(sent.response.conversationKey)).inbox, platform).toHaveLength(1);
    }
  });

  it("a Discord delivery cannot be re-signed for a Worker that trusts another key, and says why", async () => {
    const [latest] = (await (await fetch(`${emulator.url}/_emulator/deliveries?platform=discord`)).json()) as { id: string }[];
    const run = await switchboard(["replay", "--delivery", latest!.id, "--emulator", emulator.url, "--to", worker.url, "--env-file", envFile({ ...vars, DISCORD_PUBLIC_KEY: TEST_DISCORD_PUBLIC_KEY })]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Discord signs interactions with the application's private Ed25519 key, which only Discord holds");
  });
});

describe("switchboard inspect and rerun", () => {
  it("the operator endpoint refuses a request without ADMIN_TOKEN (401), and the CLI with a wrong one says so", async () => {
    const bare = await fetch(`${worker.url}/operator/conversations/${encodeURIComponent("github:acme/app#1")}`);
    expect(bare.status).toBe(401);
    const run = await switchboard(["inspect", "github:acme/app#1", "--to", worker.url, "--env-file", devFile], { env: { ADMIN_TOKEN: "not-the-workers-admin-token-0000000000" } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${worker.url} refused ADMIN_TOKEN (401)`);
  });

  it("with ADMIN_TOKEN: the conversation's inbox and counts, and its message text only with --content", async () => {
    const repo = `inspect-${randomUUID().slice(0, 8)}`;
    const file = issueFile(repo);
    expect((await switchboard(["replay", file.path, "--to", worker.url, "--env-file", devFile])).code).toBe(0);
    await settled(file.key);

    const run = await switchboard(["inspect", file.key, "--to", worker.url, "--env-file", devFile]);
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain(`Conversation ${file.key}`);
    expect(run.stdout).toMatch(/agent\s+triage/);
    expect(run.stdout).toMatch(/turns\s+1 done, 0 failed, 0 pending/);
    expect(run.stdout).toMatch(new RegExp(`\\n1\\s+${file.delivery}\\s+done\\s+1\\s`));
    expect(run.output).not.toContain("Cannot read properties");

    const withContent = await switchboard(["inspect", file.key, "--content", "--to", worker.url, "--env-file", devFile]);
    expect(withContent.stdout).toContain("Cannot read properties");
  });

  it("rerun: a turn that failed for good runs again from its journal and posts its one comment", async () => {
    const repo = `rerun-${randomUUID().slice(0, 8)}`;
    const file = issueFile(repo);
    await fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ platform: "github", method: "POST", pathPattern: `^/repos/acme/${repo}/issues/1/comments$`, kind: "status", status: 422, times: 1 }),
    });
    expect((await switchboard(["replay", file.path, "--to", worker.url, "--env-file", devFile])).code).toBe(0);
    expect((await settled(file.key)).failed).toBe(1);

    const failed = await switchboard(["inspect", file.key, "--to", worker.url, "--env-file", devFile]);
    expect(failed.stdout).toMatch(/Failed turn 1 \(issue_opened, delivery [^)]+\), 1 attempt\(s\):/);
    expect(failed.stdout).toContain(`re-run it: npx switchboard rerun '${file.key}' 1`);

    const rerun = await switchboard(["rerun", file.key, "1", "--to", worker.url, "--env-file", devFile]);
    expect(rerun.code, rerun.output).toBe(0);
    await until("the re-run to finish", async () => (await report(file.key)).counts.done === 1);
    expect((await commentPosts("acme", repo)).map((call) => call.status)).toEqual([422, 201]);
    const again = await switchboard(["rerun", file.key, "1", "--to", worker.url, "--env-file", devFile]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`turn 1 is not a failed turn of ${file.key}`);
  });
});

describe("switchboard discord gateway", () => {
  it("starts the Worker's Gateway connection, shows it connected, and stops it, behind ADMIN_TOKEN", async () => {
    const gateway = (action: string) => switchboard(["discord", "gateway", action, "--to", worker.url, "--env-file", devFile]);
    expect((await gateway("start")).code).toBe(0);
    await until("the Gateway to connect", async () => (JSON.parse((await gateway("status")).stdout) as { connected: boolean }).connected);
    const stopped = JSON.parse((await gateway("stop")).stdout) as { state: string; connected: boolean };
    expect(stopped).toMatchObject({ state: "stopped", connected: false });
    const refused = await switchboard(["discord", "gateway", "status", "--to", worker.url], { env: { ADMIN_TOKEN: "not-the-workers-admin-token-0000000000" } });
    expect(refused.code).toBe(1);
  });
});

describe("switchboard doctor: installations", () => {
  // A Worker of its own that installs into Slack workspaces and Linear organizations (whose
  // access tokens expire after an hour at the emulated Linear, as Linear's do after a day).
  const LINEAR_OAUTH = { clientId: "switchboard-doctor-linear-client", clientSecret: "switchboard-doctor-linear-secret" };
  let installs: { emulator: RunningEmulator; worker: RunningWorker; persistTo: string; vars: Record<string, string> };

  beforeAll(async () => {
    const persistTo = mkdtempSync(join(tmpdir(), "switchboard-cli-installs-"));
    const [emulatorPort, workerPort] = [await freePort(), await freePort()];
    const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
    const options = devOptions();
    const emulator = await startEmulator({ ...options, linear: { ...options.linear!, oauth: LINEAR_OAUTH }, port: emulatorPort });
    const vars = {
      ...devVars(emulatorUrl),
      LINEAR_CLIENT_ID: LINEAR_OAUTH.clientId,
      LINEAR_CLIENT_SECRET: LINEAR_OAUTH.clientSecret,
      LINEAR_AUTHORIZE_URL: `${emulatorUrl}/linear/oauth/authorize`,
    };
    installs = { emulator, worker: await startWorker({ vars, persistTo, port: workerPort }), persistTo, vars };
  });

  afterAll(async () => {
    installs?.worker.kill("SIGKILL");
    await installs?.worker.exited;
    await installs?.emulator.close();
    if (installs) rmSync(installs.persistTo, { recursive: true, force: true });
  });

  /** The Worker's install link as a browser follows it: the redirect and its cookie, the consent page's Allow, the callback. */
  async function install(channel: "slack" | "linear", choice: Record<string, string>): Promise<void> {
    const start = await fetch(`${installs.worker.url}/oauth/${channel}/install`, { redirect: "manual" });
    const authorize = new URL(start.headers.get("location")!);
    const cookie = start.headers.get("set-cookie")!.split(";")[0]!;
    const form = new URLSearchParams({ ...Object.fromEntries(authorize.searchParams), decision: "allow", ...choice });
    const consent = await fetch(`${authorize.origin}${authorize.pathname}`, { method: "POST", body: form, redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded" } });
    const back = await fetch(consent.headers.get("location")!, { headers: { cookie }, redirect: "manual" });
    expect(back.status, await back.clone().text()).toBe(200);
  }

  async function linearHealth(): Promise<{ active: number; broken: number }> {
    const health = (await (await fetch(`${installs.worker.url}/health`)).json()) as { channels: { linear: { installations: { active: number; broken: number } } } };
    return health.channels.linear.installations;
  }

  it("reports each channel's installations and the next token expiry, and a broken installation as a problem naming it", async () => {
    await install("slack", { team: "new", team_name: "Acme" });
    const [kept, revoked] = [randomUUID(), randomUUID()];
    await install("linear", { organization_id: kept });
    await install("linear", { organization_id: revoked });

    // The organization revokes the app; the next event there makes the Worker renew its token, which Linear refuses.
    await fetch(`${installs.emulator.url}/_emulator/linear/oauth/revoke`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ organizationId: revoked }) });
    const seed = async <T>(path: string, body: unknown): Promise<T> =>
      (await fetch(`${installs.emulator.url}/_emulator/linear${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json() as Promise<T>;
    const team = await seed<{ id: string }>("/teams", { key: "DOC", name: "Doctor" });
    const issue = await seed<SeededIssue>("/issues", { teamId: team.id, title: "Exports are empty", description: "CSV exports have headers only." });
    const session = await seed<{ id: string }>("/sessions", { issueId: issue.id });
    const body = JSON.stringify(linearEvents({ organizationId: revoked, botUserId: installs.vars.LINEAR_BOT_USER_ID! }).sessionCreatedWebhook(issue, session.id));
    const delivered = await fetch(`${installs.worker.url}/webhooks/linear`, { method: "POST", headers: await signLinear(body, installs.vars.LINEAR_WEBHOOK_SECRET!), body });
    expect(delivered.status).toBe(200);
    await until("the revoked installation to be broken", async () => (await linearHealth()).broken === 1);

    const file = envFile(installs.vars);
    const local = await switchboard(["doctor", "--env-file", file, "--worker-url", installs.worker.url]);
    expect(local.code).toBe(1);
    expect(local.stdout).toMatch(/slack installations\s+ok\s+1 active, 0 broken, 0 removed; no token expires/);
    expect(local.stdout).toMatch(/linear installations\s+PROBLEM\s+1 active, 1 broken, 0 removed; next token expiry in (59|60) min \(\d{4}-\d\d-\d\dT/);
    expect(local.output).toMatch(new RegExp(`the Worker's linear installation ${revoked} \\(Workspace \\w+\\) is broken since \\S+: .*invalid_grant.* \\(install link: ${installs.worker.url}/oauth/linear/install\\)`));
    expect(local.output).not.toContain(kept);
    expect(local.stderr).toMatch(new RegExp(`✔ GET ${installs.worker.url}/health: bot @switchboard`));

    // The same for a deployed Worker, read through --remote (wrangler cannot list secrets here: no login).
    const remote = await switchboard(["doctor", "--remote", "--worker-url", installs.worker.url], { env: { HOME: installs.persistTo, CLOUDFLARE_API_TOKEN: undefined, CLOUDFLARE_ACCOUNT_ID: undefined } });
    expect(remote.stdout).toMatch(/slack installations\s+ok\s+1 active/);
    expect(remote.stdout).toMatch(/linear installations\s+PROBLEM\s+1 active, 1 broken/);
    expect(remote.output).toMatch(new RegExp(`the Worker's linear installation ${revoked} \\(Workspace \\w+\\) is broken since`));
  });
});
