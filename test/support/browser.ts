// Node side: a headless Chromium for the browser tests, with nothing installed beyond `npm install`.
import { existsSync } from "node:fs";
import packagedChromium from "@sparticuz/chromium";
import { chromium, type Browser } from "playwright-core";

/** Where a system Chromium lives when the machine has one (Debian's `chromium` package). */
export const SYSTEM_CHROMIUM = "/usr/bin/chromium";

/**
 * Flags for a browser on a machine with no network: without the background-networking ones
 * Chromium keeps dialling Google's hosts and logs every refusal.
 */
const QUIET = ["--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

export interface BrowserChoice {
  readonly executablePath: string;
  readonly args: readonly string[];
  readonly source: "system" | "packaged";
}

/**
 * The system Chromium when there is one, otherwise the build the npm package `@sparticuz/chromium`
 * ships (unpacked into the temp folder on first use, ~1.5 s). `SWITCHBOARD_BROWSER=packaged`
 * ignores the system one, which is how a machine without it is checked on one that has it.
 */
export async function chooseBrowser(env: NodeJS.ProcessEnv = process.env): Promise<BrowserChoice> {
  if (env.SWITCHBOARD_BROWSER !== "packaged" && existsSync(SYSTEM_CHROMIUM)) {
    return { executablePath: SYSTEM_CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", ...QUIET], source: "system" };
  }
  return { executablePath: await packagedChromium.executablePath(), args: [...packagedChromium.args, ...QUIET], source: "packaged" };
}

export async function launchBrowser(): Promise<Browser> {
  const { executablePath, args } = await chooseBrowser();
  return chromium.launch({ executablePath, args: [...args] });
}
