import type { ConnectionState, UpstreamState } from "@reflector/relay-client";

/** Where the user's auth library stands, in the four states of Reflector's `useAuth().status`. */
export type AuthStatus = "loading" | "authenticated" | "refreshing" | "unauthenticated";

/**
 * What a page shows about live updates, one word for each case it has to tell apart:
 * - `off`: not signed in (an anonymous viewer's connection included), or the provider has not connected yet (auth
 *   still loading);
 * - `connecting`: signed in, the first connection is being made;
 * - `live`: connected to the relay, and the relay to Reflector;
 * - `reconnecting`: it was live and is not any more (the tab lost the relay, or the relay lost Reflector): what is
 *   on screen may be stale until it is live again ("Connection lost. Reconnecting…");
 * - `signInRequired`: Reflector refused the user's token and a fresh one did not help ("please sign in again").
 */
export type RelayPhase = "off" | "connecting" | "live" | "reconnecting" | "signInRequired";

export interface RelayStatus {
  readonly phase: RelayPhase;
  /** `phase === "live"`: events arrive; a page may stop polling while this holds. */
  readonly live: boolean;
  /** The connection is an anonymous viewer's: transcript streams only, no user events. */
  readonly anonymous: boolean;
  /** This tab's own connection to the relay; `off` when the provider holds none. */
  readonly connection: ConnectionState | "off";
  /** The relay's socket to Reflector, as the relay last reported it on the current connection; null when unknown. */
  readonly upstream: UpstreamState | null;
  /** When the relay is waiting to reconnect to Reflector: how long, as it last said. */
  readonly retryInMs: number | null;
  /** SignalR's id of the current connection; it changes on every full reconnect. */
  readonly connectionId: string | null;
}

export const OFF_STATUS: RelayStatus = {
  phase: "off",
  live: false,
  anonymous: false,
  connection: "off",
  upstream: null,
  retryInMs: null,
  connectionId: null,
};

export function relayPhase(connection: ConnectionState | "off", upstream: UpstreamState | null, everLive: boolean): RelayPhase {
  if (connection === "off" || connection === "stopped") {
    return "off";
  }

  if (connection === "connected" && upstream === "connected") {
    return "live";
  }

  // Reported while the client is already reconnecting, the refusal is being answered with a fresh token; reported on
  // a connection that stays up, the fresh token did not help (or the client was told not to try).
  if (connection === "connected" && upstream === "unauthorized") {
    return "signInRequired";
  }

  return everLive ? "reconnecting" : "connecting";
}
