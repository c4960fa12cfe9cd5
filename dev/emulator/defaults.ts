// Dev-only defaults for the emulator and the bot pointed at it. They protect nothing.
export const DEV_EMULATOR_PORT = 8790;
export const DEV_EMULATOR_HOST = "127.0.0.1";
export const DEV_GITHUB_TOKEN = "ghp_switchboard_dev_token";
export const DEV_GITHUB_BOT_LOGIN = "switchboard";
export const DEV_GITHUB_APP_ID = 1_234_567;
export const DEV_GITHUB_APP_SLUG = "switchboard-dev";
export const DEV_GITHUB_INSTALLATION_ID = 55_000_001;
