import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../dev/workerd.ts";

function sources(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

const imports = (file: string) => [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)[^'"]*?from\s+["']([^"']+)["']/gm)].map((m) => m[1]!);

describe("layering the design depends on", () => {
  it("the core (src/) never imports a specific channel", () => {
    const offenders = sources("src").flatMap((file) =>
      imports(file)
        .filter((spec) => /channels\/(?!index\.ts|durable-objects\.ts)[^/]+\//.test(spec))
        .map((spec) => `${relative(ROOT, file)} → ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it("code that runs in the Worker uses no Node built-ins, so it runs in workerd without polyfills", () => {
    const worker = [...sources("src"), ...sources("channels"), ...sources("agents")].filter((file) => !file.endsWith(".d.ts"));
    const offenders = worker.flatMap((file) => imports(file).filter((spec) => spec.startsWith("node:")).map((spec) => `${relative(ROOT, file)} → ${spec}`));
    expect(offenders).toEqual([]);
  });
});
