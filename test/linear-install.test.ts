import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { linearEvents } from "../dev/linear-events.ts";
import { unseal } from "../src/installations/seal.ts";
import { TEST_INSTALLATIONS_KEY, TEST_LINEAR, TEST_LINEAR_OAUTH } from "./env.ts";
import { settled } from "./support/agents.ts";
import { emulatorUrl, recordedCalls } from "./support/emulator.ts";
import { approve, callback, health, startInstall } from "./support/installs.ts";
import { postLinear, seedIssue, seedPrompt, seedSession, seedTeam } from "./support/linear.ts";

const uniqueOrganization = () => crypto.randomUUID();

async function installLinear(organizationId: string): Promise<string> {
  const start = await startInstall("linear");
  expect(Object.fromEntries(start.authorize.searchParams)).toMatchObject({ actor: "app", scope: "read,write,app:assignable,app:mentionable", response_type: "code" });
  const response = await callback(await approve(start, { organization_id: organizationId }), start.cookie);
  const page = await response.text();
  if (response.status !== 200) throw new Error(`callback answered ${response.status}: ${page}`);
  return page;
}

async function emulator(path: string, body: unknown) {
  return (await fetch(`${emulatorUrl}/_emulator/linear/oauth${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json();
}

/** Refresh-token grants the token endpoint answered since `since` (the call log's seq). */
async function refreshes(since: number) {
  return (await recordedCalls("linear", "/oauth/token")).filter((call) => call.seq > since && (call.body as { grant_type?: string }).grant_type === "refresh_token");
}

async function lastSeq(): Promise<number> {
  const calls = (await (await fetch(`${emulatorUrl}/_emulator/calls`)).json()) as { seq: number }[];
  return calls.at(-1)?.seq ?? 0;
}

/** The installation's stored refresh token, opened with the test key. */
async function storedRefreshToken(organizationId: string): Promise<string> {
  const row = await runInDurableObject(env.INSTALLATIONS.getByName(`linear:${organizationId}`), (_i, state) =>
    state.storage.sql.exec<{ refresh_token: string }>(`SELECT refresh_token FROM installation`).one(),
  );
  return unseal(TEST_INSTALLATIONS_KEY, row.refresh_token, `linear:${organizationId}`);
}

const refresh = () => ({ url: `${emulatorUrl}/linear/oauth/token`, clientId: TEST_LINEAR_OAUTH.clientId, clientSecret: TEST_LINEAR_OAUTH.clientSecret });

afterEach(() => vi.restoreAllMocks());

describe("Linear: an agent app installed with actor=app", () => {
  it("keeps answering after its access token expires mid-conversation: one refresh, the rotated refresh token stored", async () => {
    const organizationId = uniqueOrganization();
    expect(await installLinear(organizationId)).toContain("Installed in");
    const events = linearEvents({ organizationId, botUserId: TEST_LINEAR.botUserId });
    const issue = await seedIssue(await seedTeam(), "Sync fails after the upgrade", "Every sync since 4.2 ends with a timeout.");
    const session = await seedSession(issue);
    expect((await postLinear(events.sessionCreatedWebhook(issue, session.id))).status).toBe(200);
    const first = await settled(`linear:${issue.id}`);
    expect(first.last).toMatchObject({ status: "done" });
    const before = await storedRefreshToken(organizationId);

    // A day passes: Linear refuses the token the bot last used.
    await emulator("/expire", { organizationId });
    const since = await lastSeq();
    const prompt = await seedPrompt(session.id, "Any idea what changed in 4.2?");
    expect((await postLinear(events.sessionPromptedWebhook(issue, session.id, prompt, "Any idea what changed in 4.2?"))).status).toBe(200);
    const second = await settled(`linear:${issue.id}`);
    expect(second.turns).toEqual({ done: 2, failed: 0 });

    expect(await refreshes(since)).toHaveLength(1);
    const after = await storedRefreshToken(organizationId);
    expect(after).not.toBe(before);
    // Rotation: the old refresh token is spent, the stored one is the one Linear accepts now.
    const old = await fetch(refresh().url, { method: "POST", body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: before, client_id: TEST_LINEAR_OAUTH.clientId, client_secret: TEST_LINEAR_OAUTH.clientSecret }) });
    expect(await old.json()).toMatchObject({ error: "invalid_grant" });
    const calls = (await recordedCalls("linear", "/graphql")).filter((call) => call.seq > since);
    expect(calls.every((call) => call.headers.authorization === "Bearer ***")).toBe(true);
  });

  it("concurrent refreshes of one installation share one renewal instead of racing to a spent refresh token", async () => {
    const organizationId = uniqueOrganization();
    await installLinear(organizationId);
    const stub = env.INSTALLATIONS.getByName(`linear:${organizationId}`);
    const current = await stub.credentials();
    if (current.status !== "active") throw new Error("installation is not active");
    const since = await lastSeq();

    const answers = await Promise.all([1, 2, 3].map(() => stub.credentials({ refresh: refresh(), stale: current.accessToken })));
    expect(await refreshes(since)).toHaveLength(1);
    expect(answers.map((a) => a.status)).toEqual(["active", "active", "active"]);
    const tokens = new Set(answers.map((a) => (a.status === "active" ? a.accessToken : "")));
    expect(tokens.size).toBe(1);
    expect(tokens.has(current.accessToken)).toBe(false);
    // A caller still holding the replaced token gets the new one, with no second renewal.
    const late = await stub.credentials({ refresh: refresh(), stale: current.accessToken });
    expect(late).toMatchObject({ status: "active", accessToken: [...tokens][0] });
    expect(await refreshes(since)).toHaveLength(1);
  });

  it("a revoked refresh token marks the installation broken in /health, with one log line, and its events are ignored", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    const organizationId = uniqueOrganization();
    await installLinear(organizationId);
    const events = linearEvents({ organizationId, botUserId: TEST_LINEAR.botUserId });
    await emulator("/revoke", { organizationId });

    const issue = await seedIssue(await seedTeam(), "Exports are empty", "CSV exports have headers only.");
    const session = await seedSession(issue);
    expect((await postLinear(events.sessionCreatedWebhook(issue, session.id))).status).toBe(200);
    const state = await settled(`linear:${issue.id}`);
    expect(state.last).toMatchObject({ status: "failed", error: expect.stringContaining("broken") });
    expect(state.turns.failed).toBe(1);

    const report = (await health()).channels.linear!.installations as { broken: number; brokenInstallations: { id: string; reason: string }[] };
    expect(report.brokenInstallations).toContainEqual(expect.objectContaining({ id: organizationId, reason: expect.stringContaining("invalid_grant") }));

    const later = await seedIssue(await seedTeam(), "Still empty", "");
    const ignored = await postLinear(events.sessionCreatedWebhook(later, (await seedSession(later)).id));
    expect(ignored.status).toBe(202);
    expect(await ignored.json()).toMatchObject({ status: "ignored", reason: expect.stringContaining("broken") });
    expect(lines.filter((line) => line.includes('"installation.broken"') && line.includes(organizationId))).toHaveLength(1);
  });

  it("the workspace revoking the app (OAuthApp revoked) removes its installation", async () => {
    const organizationId = uniqueOrganization();
    await installLinear(organizationId);
    const revoked = await postLinear({ type: "OAuthApp", action: "revoked", organizationId, oauthClientId: TEST_LINEAR_OAUTH.clientId, createdAt: new Date().toISOString(), webhookId: crypto.randomUUID(), webhookTimestamp: Date.now() });
    expect(await revoked.json()).toMatchObject({ status: "recorded", installation: organizationId, state: "removed" });
    expect(await env.INSTALLATIONS.getByName(`linear:${organizationId}`).credentials()).toMatchObject({ status: "removed" });
  });
});
