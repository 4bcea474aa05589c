/** Builds the dependency graph from configuration; shared by `main.ts` and the tests. */
import type { Config } from "../lib/config.ts";
import { type Clock, type Ids, systemClock, ulidSource } from "../lib/ids.ts";
import { type Mailer, outboxMailer, smtpMailer } from "../lib/mail.ts";
import { oidcClient } from "../lib/oidc.ts";
import type { OrgId } from "../lib/ids.ts";
import { ActorHost } from "../actors/host.ts";
import { OrgActor } from "../actors/org_actor.ts";
import type { Deps } from "./context.ts";

export interface WiringOptions {
  clock?: Clock;
  ids?: Ids;
  mailer?: Mailer;
}

/** Everything the app needs, built once per isolate. */
export function createDeps(config: Config, kv: Deno.Kv, options: WiringOptions = {}): Deps {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? ulidSource(clock);
  const mailer = options.mailer ??
    (config.smtp
      ? smtpMailer(config.smtp, new URL(config.appOrigin).hostname)
      : outboxMailer(kv, clock, ids));
  const orgs = new ActorHost(
    (address) => new OrgActor(address as OrgId, { kv, clock, ids }),
    { clock },
  );
  const oidc = config.oidc
    ? oidcClient(config.oidc, `${config.appOrigin}/api/v1/auth/oidc/callback`, kv, clock)
    : null;
  return { config, kv, clock, ids, mailer, orgs, oidc };
}

/** Lets queued actor work finish and releases connections. */
export async function stopDeps(deps: Deps): Promise<void> {
  await deps.orgs.stop();
  deps.mailer.close();
}
