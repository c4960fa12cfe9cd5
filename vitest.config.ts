import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { TEST_BOT_NAME, TEST_GITHUB_TOKEN, TEST_GITHUB_WEBHOOK_SECRET } from "./test/env.ts";

// Two projects: `workers` runs inside workerd (the same runtime as production),
// `node` runs process-level tests (emulator, wrangler dev kill -9, browser, scripts).
export default defineConfig({
  test: {
    // The Worker's structured logs are shown for failing tests only.
    silent: "passed-only",
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                ...testBindings,
                GITHUB_API_URL: `${inject<string>("emulatorUrl")}/github`,
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/node/**"],
          globalSetup: ["./test/global-setup.ts"],
          // Crash tests abort every Durable Object in the runtime; run files one at a time.
          fileParallelism: false,
          testTimeout: 30_000,
        },
      },
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
};
