import type { Channel } from "../channel.ts";

/**
 * Why an event's installation cannot be answered (removed, broken, or never installed while no
 * token in a secret covers it), or null to go on. Channels without installs set up cost nothing.
 */
export async function installationGate(channel: Channel<unknown>, replyTo: unknown, config: unknown): Promise<string | null> {
  const installs = channel.installations;
  const store = installs?.store(config);
  if (!installs || !store) return null;
  const id = installs.of(replyTo);
  if (id === undefined) return null;
  const summary = await store.summary(id);
  if (summary?.status === "removed") return `the app was removed from ${channel.name} installation ${id} (${summary.reason ?? "uninstalled"}); install it again to use it there`;
  if (summary?.status === "broken") return `the ${channel.name} installation ${id} is broken (${summary.reason ?? "its token stopped working"}); install the app again`;
  if (!summary && !installs.answersUnknown(config)) return `${channel.name} installation ${id} has not installed the app; install it through /oauth/${channel.name}/install`;
  return null;
}
