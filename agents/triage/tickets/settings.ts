import { z } from "zod";

/** Where a chat channel's reports are filed: a GitHub repository or a Linear team. */
export type TrackerRef = { readonly kind: "github"; readonly owner: string; readonly repo: string } | { readonly kind: "linear"; readonly team: string };

/** One `chat=tracker` entry of TICKET_TRACKERS. */
export interface TrackerRoute {
  /** `slack`, `discord`, or `*` for any chat platform. */
  readonly platform: string;
  /** The Slack or Discord channel id, or `*` for every channel of the platform. */
  readonly channelId: string;
  readonly tracker: TrackerRef;
}

export interface TicketSettings {
  readonly routes: readonly TrackerRoute[];
}

const CHAT = /^(?:(slack|discord):([A-Za-z0-9]+|\*)|\*)$/;
const TRACKER = /^(?:github:([A-Za-z0-9_.-]{1,64})\/([A-Za-z0-9._-]{1,100})|linear:([A-Z][A-Z0-9]{0,6}))$/;
const FORMAT = "must look like slack:C0123=github:acme/app, discord:987=linear:ENG or *=github:acme/app";

/**
 * TICKET_TRACKERS: which tracker each chat channel files into, as space- or comma-separated
 * `chat=tracker` entries. `chat` is `slack:<channel id>`, `discord:<channel id>`, `slack:*`,
 * `discord:*` or `*`; `tracker` is `github:<owner>/<repo>` or `linear:<TEAM KEY>`. The most
 * specific entry wins. Unset: chat reports are triaged but not filed. A tracker whose channel is
 * not enabled is a problem named here (and in /health), not a surprise at the first approval.
 */
export const TicketSettings: z.ZodType<TicketSettings> = z
  .object({
    TICKET_TRACKERS: z.string().optional(),
    GITHUB_WEBHOOK_SECRET: z.string().optional(),
    LINEAR_WEBHOOK_SECRET: z.string().optional(),
  })
  .transform((env, ctx) => {
    const routes: TrackerRoute[] = [];
    const entries = (env.TICKET_TRACKERS ?? "").split(/[\s,]+/).filter(Boolean);
    entries.forEach((entry, index) => {
      const problem = (message: string) => ctx.addIssue({ code: "custom", path: ["TICKET_TRACKERS"], message: `entry ${index + 1} ${message}` });
      const [chat = "", tracker = "", extra] = entry.split("=");
      const chatMatch = CHAT.exec(chat);
      const trackerMatch = TRACKER.exec(tracker);
      if (extra !== undefined || !chatMatch || !trackerMatch) return problem(FORMAT);
      const ref: TrackerRef = trackerMatch[3] ? { kind: "linear", team: trackerMatch[3] } : { kind: "github", owner: trackerMatch[1]!, repo: trackerMatch[2]! };
      if (ref.kind === "github" && !env.GITHUB_WEBHOOK_SECRET) return problem("files into GitHub, which is not enabled (GITHUB_WEBHOOK_SECRET is not set)");
      if (ref.kind === "linear" && !env.LINEAR_WEBHOOK_SECRET) return problem("files into Linear, which is not enabled (LINEAR_WEBHOOK_SECRET is not set)");
      const platform = chatMatch[1] ?? "*";
      const channelId = chatMatch[2] ?? "*";
      if (routes.some((route) => route.platform === platform && route.channelId === channelId)) return problem("repeats a chat channel an earlier entry maps");
      routes.push({ platform, channelId, tracker: ref });
    });
    return { routes };
  });

/** The tracker a chat channel files into: its own entry, else its platform's `*`, else `*`. */
export function trackerFor(settings: TicketSettings, platform: string, channelId: string): TrackerRef | undefined {
  const find = (p: string, c: string) => settings.routes.find((route) => route.platform === p && route.channelId === c)?.tracker;
  return find(platform, channelId) ?? find(platform, "*") ?? find("*", "*");
}

export function trackerName(ref: TrackerRef): string {
  return ref.kind === "github" ? `github:${ref.owner}/${ref.repo}` : `linear:${ref.team}`;
}
