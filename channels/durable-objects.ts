// Durable Object classes the channels need, re-exported by the Worker entry so wrangler.toml
// can bind them. Adding a channel with its own object adds a line here.
export { DiscordGateway } from "./discord/gateway-object.ts";
