import {
  connectUserEvents,
  type BackoffOptions,
  type ConnectionState,
  type InvalidateMessage,
  type UpstreamState,
  type UpstreamStatus,
  type UserEventsConnection,
  type UserEventsOptions,
} from "@reflector/relay-client";
import { OFF_STATUS, relayPhase, type RelayStatus } from "./status.js";

/** What the session needs to (re)connect; the provider hands it the latest props on every render. */
export interface RelaySessionOptions {
  url: string;
  /** Read at every connect and reconnect, never kept: return the current token (or nothing while there is none). */
  getAccessToken: () => string | null | undefined | Promise<string | null | undefined>;
  protocol?: "json" | "messagepack";
  backoff?: BackoffOptions;
  logLevel?: UserEventsOptions["logLevel"];
}

type Listener<T> = (value: T) => void;

/** Whose connection: the signed-in user's, or an anonymous viewer's (no token; transcript streams only). */
export type RelayMode = "user" | "anonymous";

/**
 * The one connection of a provider (so of a tab), held across renders: started and stopped by the auth state, with
 * the user-event listeners and the status the hooks read. Callbacks of a connection that is no longer the current
 * one are ignored, so a sign-out followed by a sign-in never mixes the two.
 */
export class RelaySession {
  private options: RelaySessionOptions;
  private connection: UserEventsConnection | null = null;
  private mode: RelayMode = "user";
  private pendingStop: ReturnType<typeof setTimeout> | undefined;
  private status: RelayStatus = OFF_STATUS;
  private connectionState: ConnectionState | "off" = "off";
  private upstream: UpstreamState | null = null;
  private retryInMs: number | null = null;
  private connectionId: string | null = null;
  private everLive = false;
  // Reflector refused the token on a connection that stayed up, and no connection has been live since.
  private refused = false;
  private publishedConnection: UserEventsConnection | null = null;
  private readonly eventListeners = new Set<Listener<InvalidateMessage>>();
  private readonly changeListeners = new Set<() => void>();

  constructor(options: RelaySessionOptions) {
    this.options = options;
  }

  /** Takes the provider's latest props; a new URL or protocol means a new connection. */
  configure(options: RelaySessionOptions): void {
    const previous = this.options;
    this.options = options;
    if (this.connection && (previous.url !== options.url || previous.protocol !== options.protocol)) {
      const mode = this.mode;
      this.stop();
      this.start(mode);
    }
  }

  /** Connects unless a connection of this mode is already there (or on its way); one of the other mode is closed. */
  start(mode: RelayMode = "user"): void {
    clearTimeout(this.pendingStop);
    this.pendingStop = undefined;
    if (this.connection && this.mode === mode) {
      return;
    }

    this.stop();
    this.mode = mode;
    const { url, protocol, backoff, logLevel } = this.options;
    let connection: UserEventsConnection | null = null;
    const current = () => connection !== null && this.connection === connection;
    connection = connectUserEvents({
      url,
      // Through the session, not the props of the first render: the token is never pinned. An anonymous viewer offers
      // none at all.
      accessTokenFactory: mode === "user" ? async () => (await this.options.getAccessToken()) ?? "" : () => "",
      onInvalidate: (message) => {
        if (current()) {
          this.emit(message);
        }
      },
      onStatus: (status) => {
        if (current()) {
          this.upstreamChanged(status);
        }
      },
      onConnectionState: (state, connectionId) => {
        if (current()) {
          this.connectionChanged(state, connectionId);
        }
      },
      ...(protocol === undefined ? {} : { protocol }),
      ...(backoff === undefined ? {} : { backoff }),
      ...(logLevel === undefined ? {} : { logLevel }),
    });
    this.connection = connection;
    this.everLive = false;
    this.refused = false;
    this.connectionState = "connecting";
    this.upstream = null;
    this.retryInMs = null;
    this.connectionId = null;
    this.publish();
  }

  /** Closes the connection now (signed out). */
  stop(): void {
    clearTimeout(this.pendingStop);
    this.pendingStop = undefined;
    const connection = this.connection;
    if (!connection) {
      return;
    }

    this.connection = null;
    this.refused = false;
    this.connectionState = "off";
    this.upstream = null;
    this.retryInMs = null;
    this.connectionId = null;
    this.publish();
    void connection.stop().catch(() => undefined);
  }

  /**
   * Closes the connection unless something starts it again within the same commit: React's StrictMode runs an
   * effect's cleanup and then the effect again, and that must not cost a reconnect.
   */
  stopSoon(): void {
    clearTimeout(this.pendingStop);
    this.pendingStop = setTimeout(() => this.stop(), 0);
  }

  readonly subscribe = (onChange: () => void): (() => void) => {
    this.changeListeners.add(onChange);
    return () => this.changeListeners.delete(onChange);
  };

  readonly getStatus = (): RelayStatus => this.status;

  readonly getConnection = (): UserEventsConnection | null => this.connection;

  /** Every `invalidate` message of the current connection (and of the ones after it), until the returned function runs. */
  addEventListener(listener: Listener<InvalidateMessage>): () => void {
    // Wrapped, so that the same function added twice counts twice and leaves once per removal.
    const entry: Listener<InvalidateMessage> = (message) => listener(message);
    this.eventListeners.add(entry);
    return () => {
      this.eventListeners.delete(entry);
    };
  }

  private emit(message: InvalidateMessage): void {
    for (const listener of [...this.eventListeners]) {
      try {
        listener(message);
      } catch (error) {
        // One failing handler must not keep the message from the others; it still surfaces as an uncaught error.
        setTimeout(() => {
          throw error;
        });
      }
    }
  }

  private connectionChanged(state: ConnectionState, connectionId: string | null): void {
    this.connectionState = state;
    this.connectionId = connectionId;
    if (state !== "connected") {
      // The relay tells a connection where its socket to Reflector stands right after it joins; until then, unknown.
      this.upstream = null;
      this.retryInMs = null;
    }

    this.publish();
  }

  private upstreamChanged(status: UpstreamStatus): void {
    this.upstream = status.state;
    this.retryInMs = status.retryInMs ?? null;
    this.publish();
  }

  private publish(): void {
    // An anonymous viewer gets no user events and no upstream status: as far as live updates go, it is signed out.
    let phase = this.mode === "anonymous" ? "off" : relayPhase(this.connectionState, this.upstream, this.everLive);
    if (phase === "live") {
      this.everLive = true;
      this.refused = false;
    } else if (phase === "signInRequired") {
      this.refused = true;
    } else if (this.refused && phase !== "off") {
      // The client keeps retrying with whatever token it is given; until one works, the user still has to sign in.
      phase = "signInRequired";
    }

    const next: RelayStatus = {
      phase,
      live: phase === "live",
      anonymous: this.connection !== null && this.mode === "anonymous",
      connection: this.connectionState,
      upstream: this.upstream,
      retryInMs: this.retryInMs,
      connectionId: this.connectionId,
    };
    const previous = this.status;
    const unchanged =
      previous.phase === next.phase &&
      previous.anonymous === next.anonymous &&
      previous.connection === next.connection &&
      previous.upstream === next.upstream &&
      previous.retryInMs === next.retryInMs &&
      previous.connectionId === next.connectionId;
    if (unchanged && this.publishedConnection === this.connection) {
      return;
    }

    // The same object until something changes: React's useSyncExternalStore compares snapshots by identity.
    this.status = unchanged ? previous : next;
    this.publishedConnection = this.connection;
    for (const onChange of [...this.changeListeners]) {
      onChange();
    }
  }
}
