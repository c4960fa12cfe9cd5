// In Node, not workerd: discord-api-types' values load only where CommonJS does.
import { PermissionFlagsBits } from "discord-api-types/v10";
import { expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { BOT_PERMISSIONS, ELEVATED_PERMISSIONS, inviteUrl } from "../../channels/discord/permissions.ts";

const pascal = (name: string) => name.toLowerCase().replace(/(^|_)([a-z])/g, (_all, _sep, letter: string) => letter.toUpperCase()) as keyof typeof PermissionFlagsBits;

it("the permission bits approvals read are Discord's own (discord-api-types agrees on every one)", () => {
  for (const [name, bit] of Object.entries(ELEVATED_PERMISSIONS)) expect(PermissionFlagsBits[pascal(name)], name).toBe(bit);
});

it("the bot's own permissions are Discord's bits, and the guide's invite link asks for exactly them", () => {
  for (const [name, { bit }] of Object.entries(BOT_PERMISSIONS)) expect(PermissionFlagsBits[pascal(name)], name).toBe(bit);
  const guide = readFileSync(new URL("../../channels/discord/README.md", import.meta.url), "utf8");
  expect(guide).toContain(inviteUrl("<application id>"));
  for (const { label } of Object.values(BOT_PERMISSIONS)) expect(guide).toContain(`*${label}*`);
});
