/**
 * Static files: built assets under /static/build (content-hashed, cached for a year), icons
 * under /static, the web app manifest, the service worker, and the calls setup guide.
 */
import { Hono } from "hono";
import type { AppEnv } from "./context.ts";
import { allAssetUrls, assetUrl } from "./pages/assets.ts";
import { notFound } from "../shared/errors.ts";

const STATIC = new URL("../static/", import.meta.url);

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  json: "application/json",
};

async function file(path: string): Promise<Uint8Array<ArrayBuffer>> {
  // Only plain file names: no separators, no dot-dot.
  if (!/^(build\/)?[\w.-]+$/.test(path) || path.includes("..")) throw notFound("No such file");
  try {
    return await Deno.readFile(new URL(path, STATIC));
  } catch {
    throw notFound("No such file");
  }
}

function typeOf(name: string): string {
  return TYPES[name.split(".").pop() ?? ""] ?? "application/octet-stream";
}

export function staticRoutes() {
  const app = new Hono<AppEnv>();

  app.get("/static/build/:name", async (c) => {
    const name = c.req.param("name");
    const body = await file(`build/${name}`);
    // Our entries carry a 12-hex content hash; esbuild's chunks an 8-character one.
    const hashed = /-([0-9a-f]{12}|[A-Z0-9]{8})\.\w+$/.test(name);
    c.header("Content-Type", typeOf(name));
    c.header("Cache-Control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
    return c.body(body);
  });

  app.get("/static/:name", async (c) => {
    const name = c.req.param("name");
    const body = await file(name);
    c.header("Content-Type", typeOf(name));
    c.header("Cache-Control", "public, max-age=86400");
    return c.body(body);
  });

  app.get("/manifest.webmanifest", (c) => {
    c.header("Content-Type", "application/manifest+json");
    c.header("Cache-Control", "public, max-age=3600");
    return c.body(JSON.stringify({
      name: "Парта",
      short_name: "Парта",
      description: "Общение школы: чаты классов, каналы, файлы, опросы и видеоуроки",
      lang: "ru",
      start_url: "/chats",
      scope: "/",
      display: "standalone",
      background_color: "#ffffff",
      theme_color: "#1f5fbf",
      icons: [
        { src: "/static/icon-192.png", sizes: "192x192", type: "image/png" },
        { src: "/static/icon-512.png", sizes: "512x512", type: "image/png" },
        { src: "/static/icon.svg", sizes: "any", type: "image/svg+xml" },
      ],
    }));
  });

  // The guide to setting up calls, linked from the admin console while calls are off: the
  // project's own document, as text.
  app.get("/docs/calls", async (c) => {
    const text = await Deno.readTextFile(new URL("../docs/calls.md", import.meta.url));
    c.header("Content-Type", "text/plain; charset=utf-8");
    c.header("Cache-Control", "public, max-age=3600");
    return c.body(text);
  });

  // The service worker caches the app shell so the app opens offline to a clear state.
  app.get("/sw.js", (c) => {
    const shell = ["/offline", assetUrl("app.css"), ...allAssetUrls(), "/static/icon.svg"];
    const version = shell.join("|");
    c.header("Content-Type", "text/javascript; charset=utf-8");
    c.header("Cache-Control", "no-cache");
    // A worker runs under its own script's policy: it must be allowed to fetch the shell.
    c.header("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
    return c.body(serviceWorker([...new Set(shell)], version));
  });

  return app;
}

function serviceWorker(shell: string[], version: string): string {
  return `// Parta service worker: the shell comes from the cache when the network is away; pushes
// become notifications.
const CACHE = ${JSON.stringify(`parta-${hashCode(version)}`)};
const SHELL = ${JSON.stringify(shell)};
self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys().then((keys) => Promise.all(
    keys.filter((k) => k !== CACHE).map((k) => caches.delete(k)),
  )).then(() => self.clients.claim()));
});
self.addEventListener("fetch", (e) => {
  const req = e.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== location.origin || url.pathname.startsWith("/api/")) return;
  if (url.pathname.startsWith("/static/build/")) {
    e.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
    return;
  }
  if (req.mode === "navigate") {
    e.respondWith(fetch(req).catch(() => caches.match("/offline")));
  }
});

// Notifications: one per chat (its tag), the latest lines of what came, counted on the badge.
const LINES = 4;
self.addEventListener("push", (e) => {
  let data;
  try {
    data = e.data.json();
  } catch {
    return;
  }
  if (!data || data.v !== 1 || typeof data.title !== "string") return;
  e.waitUntil((async () => {
    const shown = await self.registration.getNotifications({ tag: data.tag });
    const before = shown[0]?.data ?? { count: 0, lines: [], seq: 0 };
    // The same push twice (a retry that had in fact arrived) changes nothing.
    const again = data.seq !== undefined && before.seq >= data.seq;
    const lines = again ? before.lines : [...before.lines, data.body].slice(-LINES);
    const count = again ? before.count : before.count + data.count;
    await self.registration.showNotification(data.title, {
      body: lines.join("\\n"),
      tag: data.tag,
      renotify: !again,
      icon: "/static/icon-192.png",
      badge: "/static/icon-192.png",
      lang: "ru",
      timestamp: Date.now(),
      data: { url: data.url, count, lines, seq: data.seq ?? 0 },
    });
    if (self.navigator.setAppBadge) {
      const all = await self.registration.getNotifications();
      const total = all.reduce((n, x) => n + (x.data?.count ?? 0), 0);
      await self.navigator.setAppBadge(total).catch(() => {});
    }
  })());
});
self.addEventListener("notificationclick", (e) => {
  e.notification.close();
  const url = new URL(e.notification.data?.url ?? "/chats", location.origin);
  if (url.origin !== location.origin) return;
  e.waitUntil((async () => {
    const windows = await clients.matchAll({ type: "window", includeUncontrolled: true });
    const open = windows.find((w) => new URL(w.url).origin === location.origin);
    if (open) {
      await open.focus().catch(() => {});
      if (new URL(open.url).pathname !== url.pathname) await open.navigate(url.href);
      return;
    }
    await clients.openWindow(url.href);
  })());
});
// The push service renewed the subscription: the server learns the new one.
self.addEventListener("pushsubscriptionchange", (e) => {
  e.waitUntil((async () => {
    const res = await fetch("/api/v1/push/vapid-public-key");
    const { publicKey } = await res.json();
    const b64 = publicKey.replace(/-/g, "+").replace(/_/g, "/");
    const key = Uint8Array.from(atob(b64 + "=".repeat((4 - b64.length % 4) % 4)), (c) => c.charCodeAt(0));
    const sub = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    await fetch("/api/v1/push-subscriptions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(sub.toJSON()),
    });
  })());
});
`;
}

function hashCode(s: string): string {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36);
}
