// What channels/slack/manifest.yaml asks of a Slack app: the doctor checks a token against it
// and prints it for the operator to enable.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";

const Manifest = z.object({
  features: z.object({ slash_commands: z.array(z.object({ command: z.string(), url: z.url() })).default([]) }),
  oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string()) }) }),
  settings: z.object({
    event_subscriptions: z.object({ request_url: z.url(), bot_events: z.array(z.string()) }),
    interactivity: z.object({ request_url: z.url() }).optional(),
  }),
});

export interface SlackManifest {
  readonly scopes: readonly string[];
  readonly events: readonly string[];
  /** Where each of Slack's settings sends requests, as Worker paths. */
  readonly requestPaths: { readonly label: string; readonly path: string }[];
}

export function readSlackManifest(root: string): SlackManifest {
  const manifest = Manifest.parse(parse(readFileSync(join(root, "channels/slack/manifest.yaml"), "utf8")));
  const path = (url: string) => new URL(url).pathname;
  return {
    scopes: manifest.oauth_config.scopes.bot,
    events: manifest.settings.event_subscriptions.bot_events,
    requestPaths: [
      { label: "Event Subscriptions → Request URL", path: path(manifest.settings.event_subscriptions.request_url) },
      ...manifest.features.slash_commands.map((command) => ({ label: `Slash Commands → ${command.command}`, path: path(command.url) })),
      ...(manifest.settings.interactivity ? [{ label: "Interactivity → Request URL", path: path(manifest.settings.interactivity.request_url) }] : []),
    ],
  };
}
