#!/usr/bin/env node
// `npx switchboard <command>`; `npx switchboard --help` lists them. Node 22 runs these files as
// they are (type stripping): `npx` puts the project's own Node 22 (node_modules/.bin) first.
import { registerHooks } from "node:module";

/**
 * `cloudflare:*` modules exist only inside workerd. The CLI reads the Worker's own schemas (each
 * channel's config.ts), and a module on their path may also define a Durable Object class; these
 * stand-ins let it load in Node. Nothing the CLI runs calls them.
 */
const WORKER_MODULES = `
export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }
export class WorkerEntrypoint { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }
export class WorkflowEntrypoint { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }
export class RpcTarget {}
export const env = {};
export function waitUntil() {}
`;

registerHooks({
  resolve(specifier, context, next) {
    if (specifier.startsWith("cloudflare:")) return { url: `data:text/javascript,${encodeURIComponent(WORKER_MODULES)}`, shortCircuit: true };
    return next(specifier, context);
  },
});

await import("./program.ts");
