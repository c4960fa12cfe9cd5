/**
 * The bot scopes Switchboard's Slack app asks for, each for the calls it allows. manifest.yaml
 * lists the same (a test holds them together); an install asks Slack for exactly these.
 */
export const BOT_SCOPES = [
  "app_mentions:read", // app_mention events
  "assistant:write", // the assistant pane (assistant_thread_started)
  "channels:history", // message.channels: thread replies in public channels
  "groups:history", // message.groups: thread replies in private channels
  "im:history", // message.im: direct messages
  "mpim:history", // message.mpim: group DMs
  "chat:write", // replies, streamed replies, approval requests and their outcome, ephemeral notes
  "commands", // the slash command
  "reactions:write", // the 👀 working indicator outside assistant threads
  "users:read", // who may approve by default: users.info's is_admin and is_owner
  "usergroups:read", // SLACK_APPROVERS naming a user group: usergroups.users.list
] as const;
