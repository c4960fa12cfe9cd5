import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { channels } from "../../channels/index.ts";
import { ChannelName } from "../../src/event.ts";
import { UsageError } from "../project.ts";
import { channelFiles, channelNames, channelNextSteps } from "../templates/channel.ts";

/**
 * Writes channels/<name>/ (config, target, verify, normalize, outbound, index, README.md,
 * BLUEPRINT.md) and its contract adapter and test. Every part compiles and throws
 * "not implemented: …" until written; the contract test lists them. Never overwrites.
 */
export function addChannel(root: string, name: string): { files: string[]; next: string } {
  if (!ChannelName.safeParse(name).success) throw new UsageError(`"${name}": a channel's name is lower-case letters, digits and -, starting with a letter (at most 32)`);
  if (channels.some((channel) => channel.name === name)) throw new UsageError(`${name} is already a channel (channels/index.ts)`);
  const names = channelNames(name);
  const files = channelFiles(names);
  const taken = [`channels/${name}`, ...Object.keys(files)].find((path) => existsSync(join(root, path)));
  if (taken) throw new UsageError(`${taken} already exists; pick another name or remove it`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return { files: Object.keys(files), next: channelNextSteps(names) };
}
