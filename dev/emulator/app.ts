// Composes the emulator: core (recorder, faults, ids) + control API + one router per platform.
import { Hono } from "hono";
import { createControlApi } from "./control.ts";
import { createCore, type Core, type CoreOptions, type PlatformModule } from "./core.ts";
import { createDiscordPlatform, type DiscordOptions } from "./discord.ts";
import type { FakeGateway } from "./discord-gateway.ts";
import { createGitHubPlatform, type GitHubOptions } from "./github.ts";
import { createLinearPlatform, type LinearOptions } from "./linear.ts";
import { createSlackPlatform, type SlackOptions } from "./slack.ts";

export interface EmulatorOptions extends CoreOptions {
  github: GitHubOptions;
  /** Slack Web API at `/slack/`; mounted when given. */
  slack?: SlackOptions;
  /** Discord REST at `/discord/api/v10` and the fake Gateway at `ws://…/discord/gateway`; mounted when given. */
  discord?: DiscordOptions;
  /** Linear GraphQL at `/linear/graphql`; mounted when given. */
  linear?: LinearOptions;
}

export interface Emulator {
  /** The Hono app: `/github/*` platform API, `/_emulator/*` control API. */
  app: Hono;
  core: Core;
  platforms: readonly PlatformModule[];
  /** WebSocket upgrades (the Discord Gateway); returns false for paths it does not serve. */
  upgrade: FakeGateway["upgrade"];
}

export function createEmulator(options: EmulatorOptions): Emulator {
  const core = createCore(options);
  const platforms: PlatformModule[] = [createGitHubPlatform(core, options.github)];
  if (options.slack) platforms.push(createSlackPlatform(core, options.slack));
  const discord = options.discord ? createDiscordPlatform(core, options.discord) : undefined;
  if (discord) platforms.push(discord);
  if (options.linear) platforms.push(createLinearPlatform(core, options.linear));
  const app = new Hono();
  app.route("/_emulator", createControlApi(core, platforms));
  for (const platform of platforms) platform.mount(app);
  app.notFound((c) => c.json({ error: "not emulated", path: c.req.path }, 404));
  return { app, core, platforms, upgrade: discord ? discord.gateway.upgrade : () => false };
}
