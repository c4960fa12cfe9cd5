import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { eventCallback } from "../dev/slack-events.ts";
import { signState } from "../src/installations/state.ts";
import { unseal } from "../src/installations/seal.ts";
import { TEST_INSTALLATIONS_KEY, TEST_SLACK } from "./env.ts";
import { settled } from "./support/agents.ts";
import { emulatorUrl, recordedCalls } from "./support/emulator.ts";
import { approve, callback, health, installSlack, startInstall, uniqueTeam, WORKER } from "./support/installs.ts";
import { newTs, postEvent, slackState, uniqueChannel } from "./support/slack.ts";

/** An @-mention in `teamId`'s channel, as Slack delivers it to the app installed there. */
function mentionIn(teamId: string, botUserId: string, channel: string, text: string, ts = newTs()) {
  return eventCallback({ teamId, appId: TEST_SLACK.appId, botUserId }, { type: "app_mention", user: "U0HUMAN001", text: `<@${botUserId}> ${text}`, ts, channel });
}

async function botMessagesIn(channel: string) {
  return ((await slackState()).channels[channel] ?? []).filter((message) => message.bot_id !== undefined);
}

afterEach(() => vi.restoreAllMocks());

describe("Slack: installing the app through the Worker's own link", () => {
  it("a forged state is refused with 400, and no code is exchanged", async () => {
    const start = await startInstall("slack");
    const back = await approve(start, { team: uniqueTeam() });
    const state = back.searchParams.get("state")!;
    back.searchParams.set("state", `${state.split(".")[0]}.${"A".repeat(43)}`);
    const response = await callback(back, start.cookie);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("was not issued by this Worker");
    const exchanges = (await recordedCalls("slack", "/oauth.v2.access")).filter((call) => (call.body as { code?: string }).code === back.searchParams.get("code"));
    expect(exchanges).toEqual([]);
  });

  it("a state older than ten minutes is refused with 400, even with its cookie", async () => {
    const start = await startInstall("slack");
    const back = await approve(start, { team: uniqueTeam() });
    const nonce = start.cookie.split("=")[1]!;
    back.searchParams.set("state", await signState(TEST_INSTALLATIONS_KEY, "slack", nonce, Date.now() - 11 * 60_000));
    const response = await callback(back, start.cookie);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("It expired");
  });

  it("a callback from another browser (no install cookie) is refused with 400", async () => {
    const start = await startInstall("slack");
    const response = await callback(await approve(start, { team: uniqueTeam() }), "switchboard_oauth_slack=someone-else");
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("another browser");
  });

  it("an org-wide Enterprise Grid install is refused with a page that says what to do", async () => {
    const start = await startInstall("slack");
    const team = uniqueTeam();
    const response = await callback(await approve(start, { team, enterprise_install: "1" }), start.cookie);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("install the app into each workspace");
    expect(await env.INSTALLATIONS.getByName(`slack:${team}`).summary()).toBeNull();
  });

  it("two workspaces are each answered with their own token, as their own bot user", async () => {
    const [first, second] = [uniqueTeam(), uniqueTeam()];
    const a = await installSlack(first, "Acme");
    const b = await installSlack(second, "Globex");
    expect(a.page).toContain("Installed in Acme");
    expect(a.botUserId).not.toBe(b.botUserId);

    const [channelA, channelB] = [uniqueChannel(), uniqueChannel()];
    const [tsA, tsB] = [newTs(), newTs()];
    expect((await postEvent(mentionIn(first, a.botUserId, channelA, "the login page returns 500", tsA))).status).toBe(200);
    expect((await postEvent(mentionIn(second, b.botUserId, channelB, "checkout is slow since Monday", tsB))).status).toBe(200);
    await settled(`slack:${first}:${channelA}:${tsA}`);
    await settled(`slack:${second}:${channelB}:${tsB}`);

    // The emulator posts as the workspace whose token the call carried.
    const [inA, inB] = [await botMessagesIn(channelA), await botMessagesIn(channelB)];
    expect(inA.map((m) => [m.team, m.user])).toEqual([[first, a.botUserId]]);
    expect(inB.map((m) => [m.team, m.user])).toEqual([[second, b.botUserId]]);
  });

  it("uninstalling stops answering that workspace only", async () => {
    const [gone, kept] = [uniqueTeam(), uniqueTeam()];
    const a = await installSlack(gone);
    const b = await installSlack(kept);
    // Slack revokes the workspace's tokens, then sends app_uninstalled (and tokens_revoked).
    await fetch(`${emulatorUrl}/_emulator/slack/workspaces/${gone}/uninstall`, { method: "POST" });
    const uninstalled = await postEvent(eventCallback({ teamId: gone, appId: TEST_SLACK.appId, botUserId: a.botUserId }, { type: "app_uninstalled" }));
    expect(uninstalled.status).toBe(200);
    expect(await uninstalled.json()).toMatchObject({ status: "recorded", installation: gone, state: "removed" });
    const revoked = await postEvent(eventCallback({ teamId: gone, appId: TEST_SLACK.appId, botUserId: a.botUserId }, { type: "tokens_revoked", tokens: { bot: [a.botUserId] } }));
    expect(await revoked.json()).toMatchObject({ status: "recorded", state: "removed" });

    const [channelA, channelB] = [uniqueChannel(), uniqueChannel()];
    const ignored = await postEvent(mentionIn(gone, a.botUserId, channelA, "are you still there?"));
    expect(ignored.status).toBe(202);
    expect((await ignored.json()) as { reason: string }).toMatchObject({ status: "ignored", reason: expect.stringMatching(/removed from slack installation .* \((app_uninstalled|tokens_revoked)\)/) });

    const ts = newTs();
    expect((await postEvent(mentionIn(kept, b.botUserId, channelB, "the export button does nothing", ts))).status).toBe(200);
    await settled(`slack:${kept}:${channelB}:${ts}`);
    expect(await botMessagesIn(channelB)).toHaveLength(1);
    expect(await botMessagesIn(channelA)).toEqual([]);
  });

  it("the secret's workspace keeps its SLACK_BOT_TOKEN next to installed ones", async () => {
    const channel = uniqueChannel();
    const ts = newTs();
    const mention = eventCallback(TEST_SLACK, { type: "app_mention", user: "U0HUMAN001", text: `<@${TEST_SLACK.botUserId}> is the VPN down?`, ts, channel });
    expect((await postEvent(mention)).status).toBe(200);
    await settled(`slack:${TEST_SLACK.teamId}:${channel}:${ts}`);
    expect((await botMessagesIn(channel)).map((m) => m.team)).toEqual([TEST_SLACK.teamId]);
  });
});

describe("Slack installations at rest, in logs and in /health", () => {
  it("the stored rows hold the token sealed, never in plain text; logs and /health never show it", async () => {
    const logged: string[] = [];
    const spy = (...args: unknown[]) => void logged.push(args.map(String).join(" "));
    vi.spyOn(console, "log").mockImplementation(spy);
    vi.spyOn(console, "warn").mockImplementation(spy);
    vi.spyOn(console, "error").mockImplementation(spy);
    const team = uniqueTeam();
    const { botUserId } = await installSlack(team, "Initech");
    const channel = uniqueChannel();
    const ts = newTs();
    await postEvent(mentionIn(team, botUserId, channel, "the build is red", ts));
    await settled(`slack:${team}:${channel}:${ts}`);

    const stub = env.INSTALLATIONS.getByName(`slack:${team}`);
    const tables = await runInDurableObject(stub, (_instance, state) => {
      const names = state.storage.sql.exec<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`).toArray().map((row) => row.name);
      return Object.fromEntries(names.map((name) => [name, state.storage.sql.exec(`SELECT * FROM "${name}"`).toArray()]));
    });
    const row = (tables.installation as { access_token: string; details: string }[])[0]!;
    expect(row.access_token).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    const token = await unseal(TEST_INSTALLATIONS_KEY, row.access_token, `slack:${team}`);
    expect(token).toMatch(/^xoxb-/);
    expect(JSON.stringify(tables)).not.toContain(token);
    expect(JSON.parse(row.details)).toMatchObject({ name: "Initech", botUserId, scopes: expect.arrayContaining(["chat:write"]) });
    // Sealed for this installation only: the same bytes do not open as another's.
    await expect(unseal(TEST_INSTALLATIONS_KEY, row.access_token, `slack:${uniqueTeam()}`)).rejects.toThrow("does not open");

    const report = await health();
    expect(JSON.stringify(report)).not.toContain(token);
    expect(report.channels.slack!.installations).toMatchObject({ active: expect.any(Number), broken: expect.any(Number), nextTokenExpiry: null });
    expect((report.channels.slack!.installations as { active: number }).active).toBeGreaterThan(0);
    expect(logged.join("\n")).not.toContain(token);
    expect(logged.join("\n")).toContain("installation.saved");
  });

  it("the install link is a 302 to Slack's consent page with the manifest's scopes and a signed state", async () => {
    const start = await startInstall("slack");
    expect(start.authorize.pathname).toBe("/slack/oauth/v2/authorize");
    expect(start.authorize.searchParams.get("redirect_uri")).toBe(`${WORKER}/oauth/slack/callback`);
    expect(start.authorize.searchParams.get("scope")!.split(",")).toContain("chat:write");
    expect(start.authorize.searchParams.get("state")).toMatch(/^[\w-]+\.[\w-]{43}$/);
    expect(start.cookie).toMatch(/^switchboard_oauth_slack=[\w-]+$/);
  });
});
