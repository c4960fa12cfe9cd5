// Dev-only values the test suites share. They sign fixtures; they protect nothing.
export const TEST_BOT_NAME = "switchboard";
export const TEST_GITHUB_WEBHOOK_SECRET = "test-github-webhook-secret";
export const TEST_GITHUB_TOKEN = "ghp_test_token_switchboard";
export const TEST_APP = { id: 424242, slug: "switchboard-test" } as const;
