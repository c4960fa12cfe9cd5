import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import {
  TEST_ADMIN_TOKEN,
  TEST_BOT_NAME,
  TEST_DISCORD,
  TEST_DISCORD_BOT_TOKEN,
  TEST_DISCORD_PUBLIC_KEY,
  TEST_GITHUB_TOKEN,
  TEST_GITHUB_WEBHOOK_SECRET,
  TEST_INSTALLATIONS_KEY,
  TEST_LINEAR_API_KEY,
  TEST_LINEAR_OAUTH,
  TEST_LINEAR_WEBHOOK_SECRET,
  TEST_SLACK,
  TEST_SLACK_BOT_TOKEN,
  TEST_SLACK_OAUTH,
  TEST_SLACK_SIGNING_SECRET,
  TEST_TICKET_TRACKERS,
} from "./test/env.ts";

// Two projects: `workers` runs inside workerd (the same runtime as production),
// `node` runs process-level tests (emulator, wrangler dev kill -9, browser, scripts).
/** A Worker project inside workerd, against the platform emulator the global setup starts. */
function workersProject(name: string, options: { main?: string; include: string[]; exclude?: string[] }) {
  return {
    plugins: [
      cloudflareTest(({ inject }) => ({
        wrangler: { configPath: "./wrangler.toml" },
        ...(options.main ? { main: options.main } : {}),
        miniflare: {
          // The pool sends each module the Worker imports over one WebSocket message; acorn (which
          // @cloudflare/codemode and the sandbox's guard parse with) is ~1 MB with its source map,
          // over workerd's default message cap. This flag raises the cap. The list repeats
          // wrangler.toml's flags, since it replaces them.
          compatibilityFlags: ["nodejs_compat", "increase_websocket_message_size"],
          // A bucket the workspace test passes for large files (WORKSPACE_FILES stays unbound, so
          // conversations keep the lean store).
          r2Buckets: ["LARGE_FILES_TEST"],
          bindings: {
            ...testBindings,
            GITHUB_API_URL: `${inject<string>("emulatorUrl")}/github`,
            SLACK_API_URL: `${inject<string>("emulatorUrl")}/slack/`,
            SLACK_AUTHORIZE_URL: `${inject<string>("emulatorUrl")}/slack/oauth/v2/authorize`,
            LINEAR_AUTHORIZE_URL: `${inject<string>("emulatorUrl")}/linear/oauth/authorize`,
            DISCORD_API_URL: `${inject<string>("emulatorUrl")}/discord/api/v10`,
            LINEAR_API_URL: `${inject<string>("emulatorUrl")}/linear/graphql`,
            DISCORD_GATEWAY_URL: `${inject<string>("emulatorUrl").replace(/^http/, "ws")}/discord/gateway`,
          },
        },
      })),
    ],
    test: {
      name,
      include: options.include,
      exclude: options.exclude ?? [],
      globalSetup: ["./test/global-setup.ts"],
      // Crash tests abort every Durable Object in the runtime; run files one at a time.
      fileParallelism: false,
      testTimeout: 30_000,
    },
  };
}

export default defineConfig({
  test: {
    // The Worker's structured logs are shown for failing tests only.
    silent: "passed-only",
    projects: [
      workersProject("workers", { include: ["test/**/*.test.ts"], exclude: ["test/node/**", "test/framework/**"] }),
      // The same Worker with a third agent a test declares (test/framework/worker.ts).
      workersProject("framework", { main: "./test/framework/worker.ts", include: ["test/framework/**/*.test.ts"] }),
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

const testBindings = {
  BOT_NAME: TEST_BOT_NAME,
  GITHUB_WEBHOOK_SECRET: TEST_GITHUB_WEBHOOK_SECRET,
  GITHUB_TOKEN: TEST_GITHUB_TOKEN,
  SLACK_SIGNING_SECRET: TEST_SLACK_SIGNING_SECRET,
  SLACK_BOT_TOKEN: TEST_SLACK_BOT_TOKEN,
  SLACK_BOT_USER_ID: TEST_SLACK.botUserId,
  DISCORD_PUBLIC_KEY: TEST_DISCORD_PUBLIC_KEY,
  DISCORD_BOT_TOKEN: TEST_DISCORD_BOT_TOKEN,
  DISCORD_APPLICATION_ID: TEST_DISCORD.applicationId,
  DISCORD_MENTION_ROLE_IDS: TEST_DISCORD.roleId,
  DISCORD_GATEWAY_SUPERVISE_MS: "1000",
  LINEAR_WEBHOOK_SECRET: TEST_LINEAR_WEBHOOK_SECRET,
  LINEAR_API_KEY: TEST_LINEAR_API_KEY,
  // Installs next to the tokens in secrets: workspaces without an installation keep the secret's token.
  INSTALLATIONS_KEY: TEST_INSTALLATIONS_KEY,
  SLACK_CLIENT_ID: TEST_SLACK_OAUTH.clientId,
  SLACK_CLIENT_SECRET: TEST_SLACK_OAUTH.clientSecret,
  LINEAR_CLIENT_ID: TEST_LINEAR_OAUTH.clientId,
  LINEAR_CLIENT_SECRET: TEST_LINEAR_OAUTH.clientSecret,
  ADMIN_TOKEN: TEST_ADMIN_TOKEN,
  TICKET_TRACKERS: TEST_TICKET_TRACKERS,
};
