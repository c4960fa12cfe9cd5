import type { ActiveFault, FaultRule } from "../../dev/emulator/core.ts";
import { emulatorUrl, injectFault } from "./emulator.ts";

/** The emulator's fault rules that still have uses left (a rule is gone once it was used up). */
export async function activeFaults(): Promise<ActiveFault[]> {
  return (await fetch(`${emulatorUrl}/_emulator/faults`)).json() as Promise<ActiveFault[]>;
}

/** True once the emulator used up the rule: the call it matched is being held, or was answered. */
export async function faultSpent(id: string): Promise<boolean> {
  return !(await activeFaults()).some((rule) => rule.id === id);
}

export async function removeFault(id: string): Promise<void> {
  await fetch(`${emulatorUrl}/_emulator/faults/${id}`, { method: "DELETE" });
}

/**
 * Fault injection scoped to one test: call `cleanUp` after each test, so a rule a failing test
 * left unused never hits the next test's calls.
 */
export function faultsOfThisTest() {
  const injected: string[] = [];
  return {
    async inject(rule: FaultRule): Promise<string> {
      const id = await injectFault({ ...rule });
      injected.push(id);
      return id;
    },
    async cleanUp(): Promise<void> {
      for (const id of injected.splice(0)) await removeFault(id);
    },
  };
}
