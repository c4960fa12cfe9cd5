// In Node, not workerd: discord-api-types' values load only where CommonJS does.
import { PermissionFlagsBits } from "discord-api-types/v10";
import { expect, it } from "vitest";
import { ELEVATED_PERMISSIONS } from "../../channels/discord/permissions.ts";

it("the permission bits approvals read are Discord's own (discord-api-types agrees on every one)", () => {
  for (const [name, bit] of Object.entries(ELEVATED_PERMISSIONS)) {
    const pascal = name.toLowerCase().replace(/(^|_)([a-z])/g, (_all, _sep, letter: string) => letter.toUpperCase()) as keyof typeof PermissionFlagsBits;
    expect(PermissionFlagsBits[pascal], name).toBe(bit);
  }
});
