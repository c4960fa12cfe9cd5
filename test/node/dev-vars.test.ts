import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { devVars, parseDotenv, resolveDevVars } from "../../dev/defaults.ts";
import { ROOT } from "../../dev/workerd.ts";

describe("npm run dev's variables", () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it("needs no .dev.vars: the defaults enable all four channels against the emulator", () => {
    const vars = devVars("http://127.0.0.1:9999");
    for (const name of ["GITHUB_WEBHOOK_SECRET", "SLACK_SIGNING_SECRET", "DISCORD_PUBLIC_KEY", "LINEAR_WEBHOOK_SECRET"]) expect(vars[name]).toBeTruthy();
    for (const name of ["GITHUB_API_URL", "SLACK_API_URL", "DISCORD_API_URL", "LINEAR_API_URL"]) expect(vars[name]).toMatch(/^http:\/\/127\.0\.0\.1:9999\//);
  });

  it("a fresh copy of .dev.vars.example overrides only what it actually sets", () => {
    dir = mkdtempSync(join(tmpdir(), "switchboard-devvars-"));
    writeFileSync(join(dir, ".dev.vars"), `${readFileSync(join(ROOT, ".dev.vars.example"), "utf8")}\nMAX_BODY_BYTES=2048\n`);
    const { vars, overridden } = resolveDevVars(dir, "http://127.0.0.1:9999");
    expect(overridden.sort()).toEqual(["BOT_NAME", "MAX_BODY_BYTES"]);
    expect(vars.GITHUB_WEBHOOK_SECRET).toBe(devVars().GITHUB_WEBHOOK_SECRET);
    expect(vars.MAX_BODY_BYTES).toBe("2048");
  });

  it("reads the dotenv forms wrangler reads: quotes, comments, export", () => {
    expect(parseDotenv('A=1 # one\nexport B="two words"\nC=\'x#y\'\n# D=4\nE=   # nothing\nF="multi\\nline"')).toEqual({
      A: "1",
      B: "two words",
      C: "x#y",
      E: "",
      F: "multi\nline",
    });
  });
});
