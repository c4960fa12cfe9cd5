// The Slack emulator, driven by the real slack-web-api-client and by raw requests.
import { SlackAPIClient, SlackAPIError } from "slack-web-api-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../dev/emulator/server.ts";

const TOKEN = "xoxb-emulator-test-token";
const slackOptions = { tokens: [TOKEN], teamId: "T0EMULATOR", botUserId: "U0EMUBOT", botId: "B0EMUBOT", appId: "A0EMUAPP" };
let emu: RunningEmulator;
let client: SlackAPIClient;

beforeAll(async () => {
  emu = await startEmulator({ github: { tokens: ["ghp_unused"] }, slack: slackOptions });
  client = new SlackAPIClient(TOKEN, { baseUrl: `${emu.url}/slack/`, logLevel: "ERROR", retryHandlers: [] });
});
afterAll(() => emu.close());

const raw = (method: string, init: RequestInit) => fetch(`${emu.url}/slack/${method}`, init).then(async (r) => ({ status: r.status, body: await r.json() }));

describe("Slack emulator", () => {
  it("authenticates like Slack: not_authed, invalid_auth, Bearer or a form token, never a token in JSON", async () => {
    expect(await raw("auth.test", { method: "POST" })).toEqual({ status: 200, body: { ok: false, error: "not_authed" } });
    expect(await raw("auth.test", { method: "POST", headers: { authorization: "Bearer xoxb-wrong" } })).toEqual({ status: 200, body: { ok: false, error: "invalid_auth" } });
    const form = await raw("auth.test", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `token=${TOKEN}` });
    expect(form.body).toMatchObject({ ok: true, team_id: "T0EMULATOR", user_id: "U0EMUBOT", bot_id: "B0EMUBOT" });
    const json = await raw("auth.test", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: TOKEN }) });
    expect(json.body).toEqual({ ok: false, error: "not_authed" });
    expect(await client.auth.test()).toMatchObject({ ok: true, user_id: "U0EMUBOT" });
  });

  it("posts in threads with increasing ts and metadata, returned by conversations.replies only when asked", async () => {
    const metadata = { event_type: "switchboard_reply", event_payload: { key: "k1" } };
    const first = await client.chat.postMessage({ channel: "C0EMU1", thread_ts: "1700000000.000100", text: "one", metadata });
    const json = await raw("chat.postMessage", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ channel: "C0EMU1", thread_ts: "1700000000.000100", text: "two" }),
    });
    const second = json.body as { ok: boolean; ts: string };
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));
    const withMetadata = await client.conversations.replies({ channel: "C0EMU1", ts: "1700000000.000100", include_all_metadata: true });
    expect(withMetadata.messages?.map((m) => [m.text, m.metadata])).toEqual([["one", metadata], ["two", undefined]]);
    const without = await client.conversations.replies({ channel: "C0EMU1", ts: "1700000000.000100" });
    expect(without.messages?.every((m) => m.metadata === undefined)).toBe(true);
    await expect(client.conversations.replies({ channel: "C0EMU1", ts: "1600000000.000100" })).rejects.toMatchObject({ error: "thread_not_found" });
  });

  it("answers errors with Slack's codes", async () => {
    const code = (p: Promise<unknown>) => p.then(() => "ok", (e: unknown) => (e instanceof SlackAPIError ? e.error : String(e)));
    expect(await code(client.chat.postMessage({ channel: "not-a-channel", text: "x" }))).toBe("channel_not_found");
    expect(await code(client.chat.postMessage({ channel: "C0EMU2", text: "" }))).toBe("no_text");
    expect(await code(client.chat.update({ channel: "C0EMU2", ts: "1700000000.000100", text: "x" }))).toBe("message_not_found");
    expect(await code(client.reactions.add({ channel: "C0EMU2", timestamp: "1700000000.000200", name: "eyes" }))).toBe("ok");
    expect(await code(client.reactions.add({ channel: "C0EMU2", timestamp: "1700000000.000200", name: "eyes" }))).toBe("already_reacted");
    expect(await code(client.reactions.remove({ channel: "C0EMU2", timestamp: "1700000000.000200", name: "eyes" }))).toBe("ok");
    expect(await code(client.reactions.remove({ channel: "C0EMU2", timestamp: "1700000000.000200", name: "eyes" }))).toBe("no_reaction");
    expect(await code(client.assistant.threads.setStatus({ channel_id: "D0EMU3", thread_ts: "1700000000.000300", status: "is thinking" }))).toBe("ok");
    expect(await code(client.chat.postEphemeral({ channel: "C0EMU2", user: "U0HUMAN", text: "psst" }))).toBe("ok");
    expect(await raw("no.suchMethod", { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } })).toMatchObject({ status: 404, body: { ok: false, error: "unknown_method" } });
  });

  it("renders an injected 429 as ratelimited with Retry-After, and serves response URLs", async () => {
    await fetch(`${emu.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ platform: "slack", pathPattern: "^/chat\\.update$", kind: "status", status: 429, retryAfter: 3 }),
    });
    const limited = await fetch(`${emu.url}/slack/chat.update`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(await limited.json()).toEqual({ ok: false, error: "ratelimited" });

    const hook = await fetch(`${emu.url}/slack/hooks/commands/T0EMULATOR/123/secret`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ response_type: "in_channel", text: "answer" }),
    });
    expect(await hook.json()).toEqual({ ok: true });
    const state = (await (await fetch(`${emu.url}/_emulator/state/slack`)).json()) as { responses: unknown[]; channels: Record<string, unknown[]>; statuses: Record<string, string> };
    expect(state.responses).toEqual([{ path: "/hooks/commands/T0EMULATOR/123/secret", body: { response_type: "in_channel", text: "answer" } }]);
    expect(state.channels.C0EMU1).toHaveLength(2);
    expect(state.statuses).toEqual({ "D0EMU3:1700000000.000300": "is thinking" });
    // The recorder never stores the token.
    const calls = (await (await fetch(`${emu.url}/_emulator/calls?platform=slack`)).json()) as Array<{ headers: Record<string, string>; body: unknown }>;
    expect(JSON.stringify(calls)).not.toContain(TOKEN);
  });
});
