import {
  HubConnection,
  HubConnectionBuilder,
  HubConnectionState,
  HttpTransportType,
  LogLevel,
  type IHubProtocol,
} from "@microsoft/signalr";
import { MessagePackHubProtocol } from "@microsoft/signalr-protocol-msgpack";
import { backoffDelay, type BackoffOptions } from "./backoff.js";
import type { InvalidateMessage, Resync, TranscriptEventMessage, UpstreamStatus } from "./contract.generated.js";
import {
  TranscriptSubscriptions,
  type SubscribeTranscriptOptions,
  type TranscriptEventHandler,
  type Unsubscribe,
} from "./transcripts.js";

export * from "./contract.generated.js";
export { backoffDelay, type BackoffOptions } from "./backoff.js";
export {
  TranscriptSubscriptionError,
  type SubscribeTranscriptOptions,
  type TranscriptEventHandler,
  type TranscriptEventOf,
  type Unsubscribe,
} from "./transcripts.js";

/** The hub's path on the relay. */
export const USER_EVENTS_PATH = "/hubs/user-events";

/** Where the browser's own connection to the relay stands (not the relay's socket to Reflector: see `onStatus`). */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "stopped";

/** The reason of the `resync` this client makes up itself after a full reconnect to the relay. */
export const CLIENT_RECONNECTED = "clientReconnected";

const UNAUTHORIZED_GRACE_MS = 5000;

export interface UserEventsOptions {
  /** The hub URL, e.g. `https://relay.example.com/hubs/user-events` (relative URLs work in a browser). */
  url: string;
  /**
   * Returns the user's Reflector JWT. Called at every connect, reconnect and stateful transport reconnect, so
   * return a fresh token when the old one is about to expire. Left out, the connection offers no token: an
   * anonymous viewer of public transcripts (the relay's `Anonymous:Enabled`), which gets no user events.
   */
  accessTokenFactory?: () => string | Promise<string>;
  /** Every `invalidate` message, plus a `resync` with reason `clientReconnected` after a full reconnect. */
  onInvalidate: (message: InvalidateMessage) => void;
  /** The state of the relay's socket to Reflector, on every change and right after each connect. */
  onStatus?: (status: UpstreamStatus) => void;
  /** The state of this browser's connection to the relay. */
  onConnectionState?: (state: ConnectionState, connectionId: string | null) => void;
  /** `json` (default) or `messagepack`; the messages have the same shape either way. */
  protocol?: "json" | "messagepack";
  /** Backoff between reconnect attempts (first immediate, then doubling, capped). */
  backoff?: BackoffOptions;
  /**
   * When the relay reports `unauthorized` (Reflector refused the token, or it expired), reconnect so that
   * `accessTokenFactory` supplies a fresh one. Default true.
   */
  reconnectWhenUnauthorized?: boolean;
  /** Restricts the transports; SignalR picks the best one by default. */
  transport?: HttpTransportType;
  logLevel?: LogLevel;
}

export interface UserEventsConnection {
  /** Resolves once the first connection is established (attempts are retried forever until then). */
  readonly ready: Promise<void>;
  readonly state: ConnectionState;
  /** SignalR's connection id: it stays the same over a stateful reconnect and changes on a full one. */
  readonly connectionId: string | null;
  /**
   * Follows one transcript's live stream (Reflector's `/v1/transcripts/{id}/events`) over this connection.
   * `onEvent` gets the transcript's history first (every stored event; a topic as its latest version), then live
   * events, in order. Resolves once the relay holds the stream, with the function that ends this subscription;
   * rejects with a `TranscriptSubscriptionError` carrying the relay's message when the transcript is missing, not
   * the user's to see, or over the relay's limit of transcripts per connection. Waits for a connection if there is
   * none yet.
   *
   * Several handlers may follow one transcript: the relay is asked once, and a handler added later first gets what
   * the others have seen (the latest of each kind, every topic). After a full reconnect (a new connection id) the
   * client subscribes again by itself, and each handler gets `{ type: "resync", reason: "clientReconnected" }`
   * before the history that follows.
   */
  subscribeTranscript(transcriptId: string, onEvent: TranscriptEventHandler, options?: SubscribeTranscriptOptions): Promise<Unsubscribe>;
  /** Closes the connection for good. */
  stop(): Promise<void>;
}

/** Connects to the relay's user-events hub and keeps the connection up until `stop()`. */
export function connectUserEvents(options: UserEventsOptions): UserEventsConnection {
  return new UserEventsClient(options);
}

class UserEventsClient implements UserEventsConnection {
  readonly ready: Promise<void>;
  private readonly connection: HubConnection;
  private stopped = false;
  private lastConnectionId: string | null = null;
  private currentState: ConnectionState = "connecting";
  private restarting: Promise<void> | null = null;
  private unauthorizedRestarts = 0;
  private statusSeenOnConnection = false;
  private heldUnauthorized: ReturnType<typeof setTimeout> | undefined;
  private connectedWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private readonly transcripts: TranscriptSubscriptions;

  constructor(private readonly options: UserEventsOptions) {
    const protocol: IHubProtocol | undefined = options.protocol === "messagepack" ? new MessagePackHubProtocol() : undefined;
    let builder = new HubConnectionBuilder()
      .withUrl(options.url, {
        accessTokenFactory: options.accessTokenFactory ?? (() => ""),
        ...(options.transport === undefined ? {} : { transport: options.transport }),
      })
      // No withAutomaticReconnect: its reconnect keeps the old stateful-reconnect message buffer until the new
      // handshake is done, and that buffer discards the new connection's first messages as duplicates (the
      // relay's upstreamStatus). Restarting from onclose gives each connection a fresh buffer.
      .withStatefulReconnect()
      .configureLogging(options.logLevel ?? LogLevel.Warning);
    if (protocol) {
      builder = builder.withHubProtocol(protocol);
    }

    this.connection = builder.build();
    this.connection.on("invalidate", (message: InvalidateMessage) => options.onInvalidate(message));
    this.connection.on("upstreamStatus", (status: UpstreamStatus) => this.handleStatus(status));
    this.transcripts = new TranscriptSubscriptions({
      liveConnectionId: () => (this.currentState === "connected" ? this.connection.connectionId : null),
      whenConnected: () => this.whenConnected(),
      invoke: (method, ...args) => this.connection.invoke(method, ...args),
    });
    this.connection.on("transcriptEvent", (message: TranscriptEventMessage) => this.transcripts.route(message));
    this.connection.onclose(() => {
      // A brief drop is bridged by the stateful reconnect; this is a connection lost for good, or stop().
      if (!this.stopped && !this.restarting) {
        this.setState("reconnecting");
        void this.startUntilConnected();
      }
    });
    this.ready = this.startUntilConnected();
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get connectionId(): string | null {
    return this.connection.connectionId;
  }

  subscribeTranscript(transcriptId: string, onEvent: TranscriptEventHandler, options?: SubscribeTranscriptOptions): Promise<Unsubscribe> {
    if (this.stopped) {
      return Promise.reject(new Error("The connection was stopped."));
    }

    return this.transcripts.subscribe(transcriptId, onEvent, options);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.heldUnauthorized);
    this.transcripts.clear();
    const waiters = this.connectedWaiters.splice(0);
    for (const waiter of waiters) {
      waiter.reject(new Error("The connection was stopped."));
    }

    await this.connection.stop();
    this.setState("stopped");
  }

  private handleStatus(status: UpstreamStatus): void {
    const firstOnConnection = !this.statusSeenOnConnection;
    this.statusSeenOnConnection = true;
    clearTimeout(this.heldUnauthorized);
    this.heldUnauthorized = undefined;
    if (status.state !== "unauthorized" || !(this.options.reconnectWhenUnauthorized ?? true)) {
      if (status.state === "connected") {
        this.unauthorizedRestarts = 0;
      }

      this.options.onStatus?.(status);
      return;
    }

    if (firstOnConnection && this.unauthorizedRestarts > 0) {
      // A new connection is told the state from before its fresh token arrived, while the relay is already
      // retrying with that token. Only an unauthorized state that lasts is real.
      this.heldUnauthorized = setTimeout(() => {
        this.options.onStatus?.(status);
        void this.restartWithFreshToken();
      }, UNAUTHORIZED_GRACE_MS);
      return;
    }

    // Recovered by reconnecting with a fresh token: to the caller that is a reconnect, not a sign-out.
    this.setState("reconnecting");
    this.options.onStatus?.(status);
    void this.restartWithFreshToken();
  }

  // The relay keeps the token a connection arrived with; a fresh one needs a new connection.
  private restartWithFreshToken(): Promise<void> {
    if (this.restarting || this.stopped) {
      return this.restarting ?? Promise.resolve();
    }

    const delay = backoffDelay(this.unauthorizedRestarts++, this.options.backoff);
    this.restarting = (async () => {
      try {
        await sleep(delay);
        if (this.stopped) {
          return;
        }

        this.setState("reconnecting");
        await this.connection.stop();
        await this.startUntilConnected();
      } finally {
        this.restarting = null;
      }
    })();
    return this.restarting;
  }

  private async startUntilConnected(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      if (this.connection.state === HubConnectionState.Connected) {
        return;
      }

      await sleep(backoffDelay(attempt, this.options.backoff));
      if (this.stopped) {
        return;
      }

      try {
        if (this.connection.state === HubConnectionState.Disconnected) {
          this.statusSeenOnConnection = false;
          await this.connection.start();
          this.connected(this.connection.connectionId);
          return;
        }
      } catch {
        // Not reachable or not authorized yet: try again after the backoff.
      }
    }
  }

  private connected(connectionId: string | null): void {
    const previous = this.lastConnectionId;

    this.lastConnectionId = connectionId;
    this.setState("connected");
    if (previous !== null && previous !== connectionId) {
      // A new connection: whatever the relay sent in between went to the old one and is lost.
      const resync: Resync = { type: "resync", reason: CLIENT_RECONNECTED };
      this.options.onInvalidate(resync);
    }

    if (connectionId !== null && previous !== connectionId) {
      this.transcripts.reconnected(connectionId);
    }

    for (const waiter of this.connectedWaiters.splice(0)) {
      waiter.resolve();
    }
  }

  private whenConnected(): Promise<void> {
    if (this.stopped) {
      return Promise.reject(new Error("The connection was stopped."));
    }

    if (this.currentState === "connected") {
      return Promise.resolve();
    }

    return new Promise((resolve, reject) => this.connectedWaiters.push({ resolve, reject }));
  }

  private setState(state: ConnectionState): void {
    this.currentState = state;
    this.options.onConnectionState?.(state, this.connection.connectionId);
  }
}

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
