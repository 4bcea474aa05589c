/** A fake at the edge: KV contention as another worker on the same SQLite file causes it. */

/**
 * A KV store whose every atomic commit, `set` and `delete` first fails with SQLite's "database
 * is locked" while `state.on` (what a second worker on the same file causes), then works.
 */
export function lockingKv(real: Deno.Kv) {
  const state = { on: false, thrown: 0 };
  const locked = () => {
    state.thrown++;
    return Promise.reject(new TypeError("database is locked"));
  };
  const forward = <T extends object>(target: T, self: () => T, prop: string | symbol) => {
    const value = Reflect.get(target, prop, target);
    if (typeof value !== "function") return value;
    return (...args: unknown[]) => {
      const out = value.apply(target, args);
      return out === target ? self() : out;
    };
  };
  const wrapOp = (op: Deno.AtomicOperation): Deno.AtomicOperation => {
    let failed = false;
    const proxy: Deno.AtomicOperation = new Proxy(op, {
      get(target, prop) {
        if (prop === "commit" && state.on && !failed) {
          return () => (failed = true, locked());
        }
        return forward(target, () => proxy, prop);
      },
    });
    return proxy;
  };
  const failedOnce = new Set<string>();
  const kv: Deno.Kv = new Proxy(real, {
    get(target, prop) {
      if (prop === "atomic") return () => wrapOp(target.atomic());
      if ((prop === "set" || prop === "delete") && state.on) {
        return (key: Deno.KvKey, ...rest: unknown[]) => {
          const id = `${String(prop)}:${JSON.stringify(key)}`;
          if (!failedOnce.has(id)) {
            failedOnce.add(id);
            return locked();
          }
          return (target[prop] as (...a: unknown[]) => unknown).call(target, key, ...rest);
        };
      }
      return forward(target, () => kv, prop);
    },
  });
  return { kv, state };
}
