// Composes the emulator: core (recorder, faults, ids) + control API + one router per platform.
import { Hono } from "hono";
import { createControlApi } from "./control.ts";
import { createCore, type Core, type CoreOptions, type PlatformModule } from "./core.ts";
import { createGitHubPlatform, type GitHubOptions } from "./github.ts";

export interface EmulatorOptions extends CoreOptions {
  github: GitHubOptions;
}

export interface Emulator {
  /** The Hono app: `/github/*` platform API, `/_emulator/*` control API. */
  app: Hono;
  core: Core;
  platforms: readonly PlatformModule[];
}

export function createEmulator(options: EmulatorOptions): Emulator {
  const core = createCore(options);
  const platforms: PlatformModule[] = [createGitHubPlatform(core, options.github)];
  const app = new Hono();
  app.route("/_emulator", createControlApi(core, platforms));
  for (const platform of platforms) platform.mount(app);
  app.notFound((c) => c.json({ error: "not emulated", path: c.req.path }, 404));
  return { app, core, platforms };
}
