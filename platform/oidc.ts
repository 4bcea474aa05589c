/**
 * Optional single sign-on with an OpenID Connect provider: authorization code flow with PKCE,
 * state and nonce, via oauth4webapi. The provider vouches for the email; Parta signs that
 * email in as if it had been confirmed by a code.
 */
import * as oauth from "oauth4webapi";
import type { OidcConfig } from "./config.ts";
import type { Clock } from "../shared/ids.ts";
import { keys } from "./kv_keys.ts";
import { commit } from "./kv_util.ts";
import { AppError } from "../shared/errors.ts";

const FLOW_TTL_MS = 10 * 60_000;

interface Flow {
  verifier: string;
  nonce: string;
  createdAt: number;
}

export interface OidcClient {
  /** Starts a sign-in: stores the flow and returns where to send the browser. */
  start(): Promise<{ url: URL; state: string }>;
  /** Finishes the flow named by `state` from the provider's redirect; returns the email. */
  finish(callbackUrl: URL, state: string): Promise<{ email: string }>;
}

const failed = (why: string) => new AppError(400, "sso_failed", `Single sign-on failed: ${why}`);

/** An OIDC client for `config`, redirecting back to `redirectUri`. */
export function oidcClient(
  config: OidcConfig,
  redirectUri: string,
  kv: Deno.Kv,
  clock: Clock,
): OidcClient {
  const insecure = config.issuer.protocol === "http:";
  const options = { [oauth.allowInsecureRequests]: insecure };
  const client: oauth.Client = { client_id: config.clientId };
  let server: Promise<oauth.AuthorizationServer> | null = null;

  function discover(): Promise<oauth.AuthorizationServer> {
    if (!server) {
      server = (async () => {
        const response = await oauth.discoveryRequest(config.issuer, {
          ...options,
          algorithm: "oidc",
        });
        return await oauth.processDiscoveryResponse(config.issuer, response);
      })();
      // A failed discovery is retried on the next sign-in rather than cached.
      server.catch(() => server = null);
    }
    return server;
  }

  async function authorizationServer(): Promise<oauth.AuthorizationServer> {
    try {
      return await discover();
    } catch (err) {
      console.error("oidc discovery failed:", err instanceof Error ? err.message : err);
      throw new AppError(503, "sso_unavailable", "The single sign-on provider is not reachable");
    }
  }

  return {
    async start() {
      const as = await authorizationServer();
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const nonce = oauth.generateRandomNonce();
      const flow: Flow = { verifier, nonce, createdAt: clock.now() };
      await commit(kv.atomic().set(keys.oidcFlow(state), flow, { expireIn: FLOW_TTL_MS }));
      const url = new URL(as.authorization_endpoint!);
      url.searchParams.set("client_id", config.clientId);
      url.searchParams.set("redirect_uri", redirectUri);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("scope", "openid email profile");
      url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(verifier));
      url.searchParams.set("code_challenge_method", "S256");
      url.searchParams.set("state", state);
      url.searchParams.set("nonce", nonce);
      return { url, state };
    },

    async finish(callbackUrl, state) {
      const entry = await kv.get<Flow>(keys.oidcFlow(state));
      if (!entry.value || entry.value.createdAt + FLOW_TTL_MS <= clock.now()) {
        throw failed("the sign-in took too long or was already used; start again");
      }
      // A flow is single-use.
      const used = await commit(kv.atomic().check(entry).delete(keys.oidcFlow(state)));
      if (!used.ok) throw failed("the sign-in was already used; start again");
      const as = await authorizationServer();
      // client_secret_basic is the default method; use the body only where it is all there is.
      const methods = as.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
      const clientAuth = methods.includes("client_secret_basic")
        ? oauth.ClientSecretBasic(config.clientSecret)
        : oauth.ClientSecretPost(config.clientSecret);
      try {
        const params = oauth.validateAuthResponse(as, client, callbackUrl, state);
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          clientAuth,
          params,
          redirectUri,
          entry.value.verifier,
          options,
        );
        const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: entry.value.nonce,
          requireIdToken: true,
        });
        const claims = oauth.getValidatedIdTokenClaims(result)!;
        let email = claims.email;
        let verified = claims.email_verified;
        if (typeof email !== "string") {
          const info = await oauth.processUserInfoResponse(
            as,
            client,
            claims.sub,
            await oauth.userInfoRequest(as, client, result.access_token, options),
          );
          email = info.email;
          verified = info.email_verified;
        }
        if (typeof email !== "string" || email.length > 254) {
          throw failed("the provider did not share an email address");
        }
        // Only an email the provider vouches for may sign in to an existing account.
        if (verified !== true) throw failed("the provider has not verified the email address");
        return { email: email.trim().toLowerCase() };
      } catch (err) {
        if (err instanceof AppError) throw err;
        console.error("oidc callback failed:", err instanceof Error ? err.message : err);
        throw failed("the provider's answer was not accepted");
      }
    },
  };
}
