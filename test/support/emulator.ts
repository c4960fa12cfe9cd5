import { inject } from "vitest";
import type { RecordedCall } from "../../dev/emulator/core.ts";

export const emulatorUrl = inject("emulatorUrl");

/**
 * Calls the bot made to the emulated platform. Test files run in parallel against one
 * emulator, so each test works in its own repository and filters by it.
 */
export async function recordedCalls(platform: string, pathIncludes: string): Promise<RecordedCall[]> {
  const response = await fetch(`${emulatorUrl}/_emulator/calls?platform=${platform}`);
  const calls = (await response.json()) as RecordedCall[];
  return calls.filter((call) => call.path.includes(pathIncludes));
}

export async function injectFault(rule: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${emulatorUrl}/_emulator/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(rule),
  });
  if (!response.ok) throw new Error(`fault rejected: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** Polls until `probe` returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const isCommentPost = (call: RecordedCall) => call.method === "POST" && /\/issues\/\d+\/comments$/.test(call.path);
export const isLabelPost = (call: RecordedCall) => call.method === "POST" && /\/issues\/\d+\/labels$/.test(call.path);
