"use client";

import { createContext, useContext, useEffect, useState, useSyncExternalStore, type ReactNode } from "react";
import type { BackoffOptions, UserEventsConnection, UserEventsOptions } from "@reflector/relay-client";
import { RelaySession } from "./relaySession.js";
import { OFF_STATUS, type AuthStatus, type RelayStatus } from "./status.js";

const RelayContext = createContext<RelaySession | null>(null);

export interface RelayProviderProps {
  /** The relay's hub URL, e.g. `https://relay.example.com/hubs/user-events`. */
  url: string;
  /**
   * The user's Reflector token. Called at every connect and reconnect (never kept), so it returns whatever the auth
   * library holds then; return nothing while there is no token.
   */
  getAccessToken: () => string | null | undefined | Promise<string | null | undefined>;
  /**
   * The auth library's state. `authenticated` connects; `loading` and `refreshing` keep what is there (a refresh
   * must not cost a reconnect); `unauthenticated` closes the connection at once (and, with `anonymous`, opens an
   * anonymous viewer's instead).
   */
  authStatus: AuthStatus;
  /**
   * While signed out, hold a connection without a token, so that `useTranscriptStream` can follow public transcripts
   * (Reflector's share links, deployments without login). The relay must run with `Anonymous:Enabled`; such a
   * connection gets no user events. Default false: signed out, no connection.
   */
  anonymous?: boolean;
  /** `json` (default) or `messagepack`: the same messages either way. */
  protocol?: "json" | "messagepack";
  /** Delays between reconnect attempts (first at once, then doubling with jitter up to 30 s by default). */
  backoff?: BackoffOptions;
  logLevel?: UserEventsOptions["logLevel"];
  children?: ReactNode;
}

/**
 * Holds the tab's one connection to the relay, opened while the user is signed in. Put it once near the root, inside
 * React Query's `QueryClientProvider` and the auth provider.
 */
export function RelayProvider({ url, getAccessToken, authStatus, anonymous = false, protocol, backoff, logLevel, children }: RelayProviderProps) {
  const [session] = useState(() => new RelaySession({ url, getAccessToken, protocol, backoff, logLevel }));

  // Before the auth effect below, so that a connect in the same commit reads these props.
  useEffect(() => {
    session.configure({ url, getAccessToken, protocol, backoff, logLevel });
  });

  useEffect(() => {
    if (authStatus === "authenticated") {
      session.start("user");
    } else if (authStatus === "unauthenticated") {
      if (anonymous) {
        session.start("anonymous");
      } else {
        session.stop();
      }
    }
  }, [session, authStatus, anonymous]);

  useEffect(() => () => session.stopSoon(), [session]);

  return <RelayContext.Provider value={session}>{children}</RelayContext.Provider>;
}

export function useRelaySession(hook: string): RelaySession {
  const session = useContext(RelayContext);
  if (!session) {
    throw new Error(`${hook} must be used inside <RelayProvider>.`);
  }

  return session;
}

/** Where live updates stand, for a badge, a toast or a page that polls only while they are not live. */
export function useRelayStatus(): RelayStatus {
  const session = useRelaySession("useRelayStatus");
  return useSyncExternalStore(session.subscribe, session.getStatus, () => OFF_STATUS);
}

/**
 * The tab's current connection (null while signed out), for code that uses the client directly, e.g. to follow a
 * transcript outside `useTranscriptStream`.
 */
export function useRelayConnection(): UserEventsConnection | null {
  const session = useRelaySession("useRelayConnection");
  return useSyncExternalStore(session.subscribe, session.getConnection, () => null);
}
