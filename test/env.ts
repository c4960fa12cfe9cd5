// Dev-only values the test suites share. They sign fixtures; they protect nothing.
export const TEST_BOT_NAME = "switchboard";
export const TEST_GITHUB_WEBHOOK_SECRET = "test-github-webhook-secret";
export const TEST_GITHUB_TOKEN = "ghp_test_token_switchboard";
export const TEST_APP = { id: 424242, slug: "switchboard-test" } as const;
export const TEST_SLACK_SIGNING_SECRET = "test-slack-signing-secret";
export const TEST_SLACK_BOT_TOKEN = "xoxb-test-switchboard-token";
export const TEST_SLACK = { teamId: "T0SWITCHTST", botUserId: "U0SWITCHBOT", botId: "B0SWITCHBOT", appId: "A0SWITCHAPP" } as const;
/** The test workspace's people: an admin (approves by default), a member, and a user group. */
export const TEST_SLACK_PEOPLE = {
  users: { U0ADMIN001: { name: "ada", is_admin: true }, U0HUMAN001: { name: "hugo" }, U0LEAD0001: { name: "lea" } },
  usergroups: { S0LEADS001: ["U0LEAD0001"] },
} as const;
/** Ed25519 seed (the PKCS#8 private key's 32 bytes) and its public key, hex; Discord's ids from the recorded fixtures. */
export const TEST_DISCORD_KEY_SEED = "ff429716f478ebad05cf98a484914866dc71517c360650597a836787b89ee7de";
export const TEST_DISCORD_PUBLIC_KEY = "0f1884e1f6cc1033a61d26f72a81ae5567cef01c02439c6b46aca7d073d74ba0";
export const TEST_DISCORD_BOT_TOKEN = "test-discord-bot-token.switchboard";
export const TEST_DISCORD = { applicationId: "1457469483726668048", roleId: "1457473602180878604", guildId: "1457468924290662599" } as const;
/** Installs (OAuth): the app's client credentials at the emulated platforms, and the key that seals tokens. */
export const TEST_INSTALLATIONS_KEY = "c3dpdGNoYm9hcmQtdGVzdC1pbnN0YWxsYXRpb25zLWtleS0zMmI=";
export const TEST_SLACK_OAUTH = { clientId: "1111111111.2222222222", clientSecret: "test-slack-client-secret" } as const;
export const TEST_LINEAR_OAUTH = { clientId: "test-linear-client-id", clientSecret: "test-linear-client-secret" } as const;
export const TEST_LINEAR_WEBHOOK_SECRET = "lin_wh_test_switchboard_secret";
export const TEST_LINEAR_API_KEY = "lin_api_testswitchboardkey000000000000000000";
export const TEST_LINEAR = { botUserId: "6f0c1b2a-0000-4000-8000-00000000b07a", organizationId: "2b7e4c1d-0000-4000-8000-0000000000a1" } as const;
/** The operator endpoints' bearer (src/operator.ts). */
export const TEST_ADMIN_TOKEN = "test-admin-token-switchboard-0123456789";
/** The chat channels the ticket tests report in, and the trackers TICKET_TRACKERS maps them to. */
export const TEST_TICKETS = {
  slackToGitHub: "C0TICKETGH",
  slackToLinear: "C0TICKETLN",
  discordToGitHub: "1457468924290000101",
  discordToLinear: "1457468924290000102",
  owner: "tickets-org",
  repo: "app",
  team: "TIX",
} as const;
export const TEST_TICKET_TRACKERS = [
  `slack:${TEST_TICKETS.slackToGitHub}=github:${TEST_TICKETS.owner}/${TEST_TICKETS.repo}`,
  `slack:${TEST_TICKETS.slackToLinear}=linear:${TEST_TICKETS.team}`,
  `discord:${TEST_TICKETS.discordToGitHub}=github:${TEST_TICKETS.owner}/${TEST_TICKETS.repo}`,
  `discord:${TEST_TICKETS.discordToLinear}=linear:${TEST_TICKETS.team}`,
].join(" ");
