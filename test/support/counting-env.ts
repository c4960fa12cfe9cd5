// The Worker's bindings with every Durable Object namespace counting what is asked of it: each
// stub taken (`get`, `getByName`…) and each method called on a stub, by binding. A request that
// touches no namespace cannot have woken, created or written to any object.
export interface NamespaceCalls {
  /** By binding: the namespace and stub calls made, e.g. `getByName`, `hears`. */
  readonly calls: Record<string, string[]>;
  /** Every call on every namespace, in order. */
  all(): string[];
}

export function countingEnv(env: Env): { env: Env; touched: NamespaceCalls } {
  const calls: Record<string, string[]> = {};
  const record = (binding: string, call: string) => (calls[binding] ??= []).push(call);
  const counted: Record<string, unknown> = { ...env };
  for (const [binding, value] of Object.entries(env)) {
    if (typeof value !== "object" || value === null || typeof (value as { idFromName?: unknown }).idFromName !== "function") continue;
    counted[binding] = new Proxy(value, {
      get(target, property) {
        const member = Reflect.get(target, property, target) as unknown;
        if (typeof member !== "function") return member;
        return (...args: unknown[]) => {
          record(binding, String(property));
          const result = Reflect.apply(member as (...a: unknown[]) => unknown, target, args);
          if (property !== "get" && property !== "getByName") return result;
          return new Proxy(result as object, {
            get(stub, method) {
              const called = Reflect.get(stub, method, stub) as unknown;
              if (typeof called !== "function" || typeof method === "symbol" || method === "then") return called;
              return (...rpcArgs: unknown[]) => {
                record(binding, String(method));
                return Reflect.apply(called as (...a: unknown[]) => unknown, stub, rpcArgs);
              };
            },
          });
        };
      },
    });
  }
  return { env: counted as unknown as Env, touched: { calls, all: () => Object.values(calls).flat() } };
}
