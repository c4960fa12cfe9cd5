import { describe, expect, it } from "vitest";
import { buttonPress } from "../dev/discord-events.ts";
import { mayApprove, outcomeMessage, requestMessage } from "../channels/discord/approval.ts";
import { DiscordConfig } from "../channels/discord/config.ts";
import { interpretInteraction } from "../channels/discord/normalize.ts";
import { ELEVATED_PERMISSIONS } from "../channels/discord/permissions.ts";
import type { InboundRequest } from "../src/channel.ts";
import { NormalizedEvent } from "../src/event.ts";
import { TEST_DISCORD, TEST_DISCORD_BOT_TOKEN, TEST_DISCORD_PUBLIC_KEY } from "./env.ts";

const ROLE_LEADS = "1457473602180878699";
const config = (extra: Record<string, string> = {}) =>
  DiscordConfig.parse({ DISCORD_PUBLIC_KEY: TEST_DISCORD_PUBLIC_KEY, DISCORD_BOT_TOKEN: TEST_DISCORD_BOT_TOKEN, DISCORD_APPLICATION_ID: TEST_DISCORD.applicationId, ...extra });

function pressed(member: { roles?: string[]; permissions: string }, customId = "switchboard:approve:0123456789abcdef01234567") {
  const { payload } = buttonPress({
    applicationId: TEST_DISCORD.applicationId,
    guildId: TEST_DISCORD.guildId,
    channelId: "1457536551830421524",
    message: { id: "1457536567810854934", content: "asks for approval", author: { id: TEST_DISCORD.applicationId, username: "switchboard" } },
    customId,
    member: { user: { id: "1033044521375764530", username: "ada" }, ...member },
  });
  return payload;
}

function interpret(payload: unknown, settings = config()) {
  const text = JSON.stringify(payload);
  const request: InboundRequest = { text, body: new TextEncoder().encode(text), headers: new Headers(), now: Date.now() };
  return interpretInteraction(request, settings);
}

function eventOf(payload: unknown, settings = config()): NormalizedEvent {
  const result = interpret(payload, settings);
  if (result.type !== "event") throw new Error(`not an event: ${JSON.stringify(result)}`);
  return NormalizedEvent.parse(result.event);
}

const bits = (...names: (keyof typeof ELEVATED_PERMISSIONS)[]) => String(names.reduce((all, name) => all | ELEVATED_PERMISSIONS[name], 1n << 10n));

describe("Discord approvals: who may decide, from the signed interaction", () => {
  it("a press on Approve or Deny carries the request's id and the decision; other buttons carry none", () => {
    expect(eventOf(pressed({ permissions: bits() })).approval).toEqual({ id: "0123456789abcdef01234567", approve: true });
    expect(eventOf(pressed({ permissions: bits() }, "switchboard:deny:0123456789abcdef01234567")).approval).toEqual({ id: "0123456789abcdef01234567", approve: false });
    expect(eventOf(pressed({ permissions: bits() }, "hello")).approval).toBeUndefined();
    expect(eventOf(pressed({ permissions: bits() }, "switchboard:approve:")).approval).toBeUndefined();
  });

  it("the presser's roles and elevated permissions become actor.roles, everyday permissions do not", () => {
    const event = eventOf(pressed({ roles: [ROLE_LEADS], permissions: bits("MANAGE_GUILD", "KICK_MEMBERS") }));
    expect(event.actor.roles).toEqual(["permission:KICK_MEMBERS", "permission:MANAGE_GUILD", ROLE_LEADS]);
  });

  it("by default Manage Server or Administrator decides; a plain member does not", () => {
    expect(mayApprove(config(), eventOf(pressed({ permissions: bits("MANAGE_GUILD") })))).toBe(true);
    expect(mayApprove(config(), eventOf(pressed({ permissions: bits("ADMINISTRATOR") })))).toBe(true);
    expect(mayApprove(config(), eventOf(pressed({ permissions: bits("MANAGE_MESSAGES") })))).toBe(false);
    expect(mayApprove(config(), eventOf(pressed({ roles: [ROLE_LEADS], permissions: bits() })))).toBe(false);
  });

  it("DISCORD_APPROVER_ROLES lets a role decide; DISCORD_APPROVER_PERMISSION changes the permission", () => {
    const leads = config({ DISCORD_APPROVER_ROLES: ROLE_LEADS, DISCORD_APPROVER_PERMISSION: "MANAGE_MESSAGES" });
    expect(mayApprove(leads, eventOf(pressed({ roles: [ROLE_LEADS], permissions: bits() }), leads))).toBe(true);
    expect(mayApprove(leads, eventOf(pressed({ permissions: bits("MANAGE_MESSAGES") }), leads))).toBe(true);
    expect(mayApprove(leads, eventOf(pressed({ permissions: bits("MANAGE_GUILD") }), leads))).toBe(false);
    expect(mayApprove(leads, eventOf(pressed({ permissions: bits("ADMINISTRATOR") }), leads))).toBe(true);
  });

  it("a misspelled permission or a role that is not an id is a config problem naming the variable", () => {
    const bad = DiscordConfig.safeParse({ DISCORD_PUBLIC_KEY: TEST_DISCORD_PUBLIC_KEY, DISCORD_BOT_TOKEN: "t", DISCORD_APPLICATION_ID: TEST_DISCORD.applicationId, DISCORD_APPROVER_PERMISSION: "MANAGE_SERVER", DISCORD_APPROVER_ROLES: "leads" });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((issue) => issue.path[0]).sort()).toEqual(["DISCORD_APPROVER_PERMISSION", "DISCORD_APPROVER_ROLES"]);
  });

  it("a request whose summary is longer than a Discord message still fits in one, cut", () => {
    const request = { id: "0123456789abcdef01234567", tool: "file_ticket", summary: "x".repeat(5_000), agent: "triage", expiresAt: Date.now() + 86_400_000 };
    const asked = requestMessage(request).content;
    const decided = outcomeMessage(request, { approve: true, by: "Ada", expired: false }).content!;
    expect(asked.length).toBeLessThanOrEqual(2_000);
    expect(decided.length).toBeLessThanOrEqual(2_000);
    expect(asked).toContain("x…");
  });

  it("a permissions field that is not a bitfield is a 400 naming it", () => {
    expect(interpret(pressed({ permissions: "all" }))).toEqual({ type: "malformed", reason: "member.permissions: must be a permission bitfield (decimal digits)" });
  });
});
