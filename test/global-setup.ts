import { generateKeyPairSync } from "node:crypto";
import type { TestProject } from "vitest/node";
import { startEmulator } from "../dev/emulator/server.ts";
import { TEST_APP, TEST_BOT_NAME, TEST_GITHUB_TOKEN } from "./env.ts";

declare module "vitest" {
  export interface ProvidedContext {
    emulatorUrl: string;
    githubAppKeyPkcs8: string;
    githubAppKeyPkcs1: string;
  }
}

/** One platform emulator for the whole run; tests reset it between cases. */
export default async function setup(project: TestProject) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const emulator = await startEmulator({
    github: {
      tokens: [TEST_GITHUB_TOKEN],
      botLogin: TEST_BOT_NAME,
      app: { ...TEST_APP, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() },
    },
  });
  project.provide("emulatorUrl", emulator.url);
  project.provide("githubAppKeyPkcs8", privateKey.export({ type: "pkcs8", format: "pem" }).toString());
  project.provide("githubAppKeyPkcs1", privateKey.export({ type: "pkcs1", format: "pem" }).toString());
  return () => emulator.close();
}
