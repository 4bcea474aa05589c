/**
 * The browser side of islands: finds each server-rendered island by name, reads its props from
 * the JSON script element next to it (never executed: the CSP allows no inline script), and
 * hydrates the component in place.
 */
import { type ComponentType, h, hydrate } from "preact";

/** Hydrates every `[data-island=name]` element with `Component`. */
// deno-lint-ignore no-explicit-any
export function hydrateIslands(name: string, Component: ComponentType<any>): void {
  registerServiceWorker();
  for (const root of document.querySelectorAll<HTMLElement>(`[data-island="${name}"]`)) {
    const propsId = root.dataset.props;
    const script = propsId ? document.getElementById(propsId) : null;
    const props = script?.textContent ? JSON.parse(script.textContent) : {};
    hydrate(h(Component, props), root);
  }
}

let registered = false;

/** Installs the service worker that keeps the app shell for offline starts (once per page). */
export function registerServiceWorker(): void {
  if (registered || !("serviceWorker" in navigator)) return;
  registered = true;
  navigator.serviceWorker.register("/sw.js").catch(() => {
    // Not fatal: the app works online without it.
  });
}
