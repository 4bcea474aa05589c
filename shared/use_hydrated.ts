/**
 * Whether the island has hydrated. Server-rendered forms start disabled (they need the island's
 * code to work) and come alive once it runs, so an early click never submits a dead form.
 */
import { useEffect, useState } from "preact/hooks";

export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}
