import type { TranscriptEventMessage } from "./contract.generated.js";

/** Receives one transcript's events: its history first, then live ones, and `resync` when there was a gap. */
export type TranscriptEventHandler = (message: TranscriptEventMessage) => void;

/** One kind of transcript event, e.g. `TranscriptEventOf<"topic">`. */
export type TranscriptEventOf<T extends TranscriptEventMessage["type"]> = Extract<TranscriptEventMessage, { type: T }>;

export interface SubscribeTranscriptOptions {
  /**
   * Called when the relay refuses this transcript after a full reconnect (it was deleted, or access was taken
   * away while the page was disconnected). The subscription is over by then; no further events arrive.
   */
  onError?: (error: TranscriptSubscriptionError) => void;
  /** Aborting it unsubscribes, or gives up a subscription still on its way (React's effect cleanup). */
  signal?: AbortSignal;
}

/** Stops this handler's subscription; the relay's is dropped with the last handler of the transcript. */
export type Unsubscribe = () => Promise<void>;

/** The relay refused a transcript subscription; `message` is the relay's own. */
export class TranscriptSubscriptionError extends Error {
  constructor(
    readonly transcriptId: string,
    message: string,
  ) {
    super(message);
    this.name = "TranscriptSubscriptionError";
  }
}

/** What the subscriptions need from the hub connection. */
export interface TranscriptHub {
  /** The current connection's id once it is connected and the client has taken note of it, otherwise null. */
  liveConnectionId(): string | null;
  /** Resolves when a connection is up (at once when it is); rejects once the client is stopped. */
  whenConnected(): Promise<void>;
  invoke(method: string, ...args: unknown[]): Promise<void>;
}

const SUBSCRIBE = "SubscribeTranscript";
const UNSUBSCRIBE = "UnsubscribeTranscript";

interface Handler {
  readonly onEvent: TranscriptEventHandler;
  readonly onError?: (error: TranscriptSubscriptionError) => void;
}

interface Subscription {
  readonly transcriptId: string;
  readonly handlers: Set<Handler>;
  // What a handler added later is given first, as the relay gives a late subscriber its history: the latest of
  // each kind Reflector replays, topics by id in the place of their first appearance, since the last resync.
  readonly state: Map<string, TranscriptEventMessage>;
  // The last resync said events were dropped (overflow): a late handler is told to refetch as well.
  incomplete: boolean;
  // The connection the relay holds this subscription for; null while it is being (re)made.
  connectionId: string | null;
  pending: Promise<void> | null;
  // Set once the last handler left: the relay is told, then the subscription is gone.
  removing: Promise<void> | null;
  // Events reached the handlers since the subscription was made on its connection.
  delivered: boolean;
}

/**
 * The transcript streams one client follows, by id: one relay subscription per transcript however many handlers
 * it has, made again on every new connection.
 */
export class TranscriptSubscriptions {
  private readonly subscriptions = new Map<string, Subscription>();

  constructor(private readonly hub: TranscriptHub) {}

  async subscribe(transcriptId: string, onEvent: TranscriptEventHandler, options: SubscribeTranscriptOptions = {}): Promise<Unsubscribe> {
    options.signal?.throwIfAborted();
    let subscription = this.subscriptions.get(transcriptId);
    while (subscription?.removing) {
      // The relay would take a subscribe before the unsubscribe as a repeat, and send no history.
      await subscription.removing;
      subscription = this.subscriptions.get(transcriptId);
    }

    if (!subscription) {
      subscription = {
        transcriptId,
        handlers: new Set(),
        state: new Map(),
        incomplete: false,
        connectionId: null,
        pending: null,
        removing: null,
        delivered: false,
      };
      this.subscriptions.set(transcriptId, subscription);
    }

    const handler: Handler = { onEvent, onError: options.onError };
    const established = subscription.pending === null && subscription.connectionId !== null;
    if (established) {
      this.catchUp(subscription, handler);
    }

    subscription.handlers.add(handler);
    let unsubscribed: Promise<void> | null = null;
    const unsubscribe: Unsubscribe = () => (unsubscribed ??= this.remove(subscription, handler));
    options.signal?.addEventListener("abort", () => void unsubscribe(), { once: true });
    if (!established) {
      try {
        await this.ensureSubscribed(subscription);
      } catch (error) {
        subscription.handlers.delete(handler);
        if (subscription.handlers.size === 0 && this.subscriptions.get(transcriptId) === subscription) {
          this.subscriptions.delete(transcriptId);
        }

        throw error;
      }
    }

    return unsubscribe;
  }

  /** A `transcriptEvent` from the relay. */
  route(message: TranscriptEventMessage): void {
    const subscription = this.subscriptions.get(message.transcriptId);
    if (!subscription) {
      // Sent before the relay took note of an unsubscribe.
      return;
    }

    remember(subscription, message);
    this.deliver(subscription, message);
  }

  /** A new connection (a full reconnect): the relay knows none of the old one's subscriptions. */
  reconnected(connectionId: string): void {
    for (const subscription of this.subscriptions.values()) {
      if (subscription.connectionId === connectionId || subscription.removing) {
        continue;
      }

      const seenBefore = subscription.delivered || subscription.connectionId !== null;
      subscription.connectionId = null;
      subscription.state.clear();
      subscription.incomplete = false;
      subscription.delivered = false;
      if (seenBefore) {
        // What the relay sent in between went to the old connection: refetch, then follow the history that comes.
        this.deliver(subscription, { type: "resync", transcriptId: subscription.transcriptId, reason: "clientReconnected" });
      }

      this.ensureSubscribed(subscription).catch((error: unknown) => this.refusedAfterReconnect(subscription, error));
    }
  }

  /** The client stopped for good. */
  clear(): void {
    this.subscriptions.clear();
  }

  private ensureSubscribed(subscription: Subscription): Promise<void> {
    subscription.pending ??= (async () => {
      try {
        for (;;) {
          await this.hub.whenConnected();
          if (subscription.handlers.size === 0) {
            // Every handler left while this waited for a connection.
            return;
          }

          const connectionId = this.hub.liveConnectionId();
          try {
            await this.hub.invoke(SUBSCRIBE, subscription.transcriptId);
          } catch (error) {
            if (connectionId !== null && this.hub.liveConnectionId() === connectionId) {
              // The relay answered on a connection that is still up: a refusal.
              throw new TranscriptSubscriptionError(subscription.transcriptId, serverMessage(error));
            }

            // The connection went down under the call; the next one is asked again.
            continue;
          }

          if (this.hub.liveConnectionId() === connectionId) {
            subscription.connectionId = connectionId;
            return;
          }
        }
      } finally {
        subscription.pending = null;
      }
    })();
    return subscription.pending;
  }

  private remove(subscription: Subscription, handler: Handler): Promise<void> {
    subscription.handlers.delete(handler);
    if (subscription.handlers.size > 0 || this.subscriptions.get(subscription.transcriptId) !== subscription) {
      return Promise.resolve();
    }

    subscription.removing ??= (async () => {
      try {
        await subscription.pending?.catch(() => undefined);
        if (subscription.connectionId !== null && subscription.connectionId === this.hub.liveConnectionId()) {
          await this.hub.invoke(UNSUBSCRIBE, subscription.transcriptId);
        }
      } catch {
        // Disconnected meanwhile: the relay dropped the connection's subscriptions with it.
      } finally {
        if (this.subscriptions.get(subscription.transcriptId) === subscription) {
          this.subscriptions.delete(subscription.transcriptId);
        }
      }
    })();
    return subscription.removing;
  }

  private refusedAfterReconnect(subscription: Subscription, error: unknown): void {
    if (this.subscriptions.get(subscription.transcriptId) === subscription) {
      this.subscriptions.delete(subscription.transcriptId);
    }

    const refusal = error instanceof TranscriptSubscriptionError ? error : new TranscriptSubscriptionError(subscription.transcriptId, serverMessage(error));
    for (const handler of [...subscription.handlers]) {
      handler.onError?.(refusal);
    }

    subscription.handlers.clear();
  }

  private catchUp(subscription: Subscription, handler: Handler): void {
    if (subscription.incomplete) {
      call(handler, { type: "resync", transcriptId: subscription.transcriptId, reason: "overflow" });
    }

    for (const message of subscription.state.values()) {
      call(handler, message);
    }
  }

  private deliver(subscription: Subscription, message: TranscriptEventMessage): void {
    subscription.delivered = true;
    for (const handler of [...subscription.handlers]) {
      call(handler, message);
    }
  }
}

function remember(subscription: Subscription, message: TranscriptEventMessage): void {
  switch (message.type) {
    case "resync":
      // Reflector's replay, or the relay's history, follows: it is the state from here on.
      subscription.state.clear();
      subscription.incomplete = message.reason === "overflow";
      return;
    case "transcript":
    case "status":
      // Live only, as with Reflector: a late subscriber does not see them either.
      return;
    case "topic":
      subscription.state.set(`topic:${message.id}`, message);
      return;
    case "unknown":
      // A newer Reflector's event: the latest of each name, as the relay's history keeps them all.
      subscription.state.set(`unknown:${message.event}`, message);
      return;
    default:
      subscription.state.set(message.type, message);
  }
}

function call(handler: Handler, message: TranscriptEventMessage): void {
  try {
    handler.onEvent(message);
  } catch (error) {
    // One failing handler must not starve the others; report it as an uncaught error.
    setTimeout(() => {
      throw error;
    });
  }
}

// SignalR wraps a HubException as "An unexpected error occurred invoking 'X' on the server. HubException: <message>".
function serverMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const marker = "HubException: ";
  const at = text.indexOf(marker);
  return at >= 0 ? text.slice(at + marker.length) : text;
}
