import type { InstallationStore } from "./store.ts";

/**
 * A channel's `/health` entry for its installations: counts, broken ones with the reason, the
 * soonest token expiry. Nothing about a token but when it expires. Channels without installs
 * set up add nothing.
 */
export async function installationsHealth<Config extends { readonly install?: { readonly store: InstallationStore } }>(_env: Env, config: Config): Promise<Record<string, unknown>> {
  const store = config.install?.store;
  if (!store) return {};
  try {
    return { installations: await store.report() };
  } catch {
    return { installations: { error: "the installation index did not answer" } };
  }
}
