// Builds Slack Events API deliveries exactly as Slack sends them: the envelope an app receives
// and the v0 signature. Runtime-agnostic: used by the playground in Node and by tests in workerd.
import { slackSignature } from "../channels/slack/verify.ts";

export interface SlackWorkspace {
  readonly teamId: string;
  readonly appId: string;
  readonly botUserId: string;
}

let counter = 0;
/** A Slack-looking ts, unique within the process. */
export function newTs(): string {
  return `${Math.floor(Date.now() / 1000)}.${String(++counter * 7 + 100_000).padStart(6, "0")}`;
}
export const newEventId = () => `Ev${crypto.randomUUID().replace(/-/g, "").slice(0, 10).toUpperCase()}`;

/** An Events API envelope as Slack sends it to the app installed in `workspace`. */
export function eventCallback(workspace: SlackWorkspace, event: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return {
    token: "legacy-verification-token",
    team_id: workspace.teamId,
    api_app_id: workspace.appId,
    event: { team: workspace.teamId, event_ts: event.ts, ...event },
    type: "event_callback",
    event_id: newEventId(),
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: workspace.teamId, user_id: workspace.botUserId, is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    ...overrides,
  };
}

/** Slack's headers for `body`: the request timestamp and the v0 HMAC over `v0:{ts}:{body}`. */
export async function signSlack(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): Promise<Record<string, string>> {
  return {
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": await slackSignature(secret, timestamp, body),
  };
}
