// The Slack workspace a playground action happens in: the dev workspace, or one the app was
// installed in through the Worker's /oauth/slack/install (the emulator made it on its consent
// page, with a bot user of its own). Events from it carry its team and its bot user, as Slack's do.
import { DEV_SLACK } from "../emulator/slack.ts";
import type { PlaygroundOptions } from "./server.ts";

export interface PlaygroundWorkspace {
  readonly teamId: string;
  readonly appId: string;
  readonly botUserId: string;
  readonly botId: string;
}

interface EmulatedWorkspace {
  teamId: string;
  botUserId: string;
  botId: string;
  installed: boolean;
}

/** The workspace `team` names (default: the dev workspace), or null when the app is not installed there. */
export async function slackWorkspace(options: PlaygroundOptions, team?: string): Promise<PlaygroundWorkspace | null> {
  const home = { ...DEV_SLACK, botUserId: options.vars.SLACK_BOT_USER_ID ?? DEV_SLACK.botUserId };
  if (!team || team === home.teamId) return home;
  const response = await fetch(`${options.emulatorUrl}/_emulator/slack/workspaces`);
  if (!response.ok) return null;
  const found = ((await response.json()) as EmulatedWorkspace[]).find((workspace) => workspace.teamId === team && workspace.installed);
  return found ? { teamId: found.teamId, appId: DEV_SLACK.appId, botUserId: found.botUserId, botId: found.botId } : null;
}
