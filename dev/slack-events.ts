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

/** A button on a message, as Slack's `block_actions` payload names it. */
export interface ButtonPress {
  readonly user: { readonly id: string; readonly name: string };
  readonly channel: string;
  /** The message carrying the button: its ts, and its thread when it sits in one. */
  readonly message: { readonly ts: string; readonly thread_ts?: string };
  readonly actionId: string;
  readonly value: string;
  readonly label: string;
}

/** The interactivity payload Slack posts (form field `payload`) when someone presses a button on the app's message. */
export function blockActions(workspace: SlackWorkspace & { readonly botId?: string }, press: ButtonPress) {
  const actionTs = newTs();
  return {
    type: "block_actions",
    user: { id: press.user.id, username: press.user.name, name: press.user.name, team_id: workspace.teamId },
    api_app_id: workspace.appId,
    token: "legacy-verification-token",
    container: { type: "message", message_ts: press.message.ts, channel_id: press.channel, is_ephemeral: false },
    trigger_id: `${Date.now()}.${Math.floor(Math.random() * 1e12)}.${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`,
    team: { id: workspace.teamId, domain: "switchboard" },
    channel: { id: press.channel, name: "channel" },
    message: {
      type: "message",
      user: workspace.botUserId,
      ...(workspace.botId ? { bot_id: workspace.botId } : {}),
      app_id: workspace.appId,
      ts: press.message.ts,
      ...(press.message.thread_ts ? { thread_ts: press.message.thread_ts } : {}),
    },
    response_url: `https://hooks.slack.com/actions/${workspace.teamId}/${Date.now()}/${crypto.randomUUID().replace(/-/g, "").slice(0, 24)}`,
    actions: [{ action_id: press.actionId, block_id: `approval.${press.value}`, value: press.value, type: "button", action_ts: actionTs, text: { type: "plain_text", text: press.label } }],
  };
}
