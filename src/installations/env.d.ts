// The installations' secret; wrangler.toml declares their bindings (INSTALLATIONS, INSTALLATION_INDEX).
interface Env {
  /** Base64 of at least 32 random bytes: seals installation tokens and signs OAuth `state`. */
  readonly INSTALLATIONS_KEY?: string;
}
