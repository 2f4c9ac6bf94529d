// How an app that caches Reflector's API with React Query (or anything with the same shape) reacts to the relay.
// Compiled with `tsc --noEmit` by the contract test: a new message type in the C# contract breaks this switch.
import { connectUserEvents, type InvalidateMessage, type UpstreamStatus } from "../src/index.js";

/** The part of React Query's QueryClient used here. */
export interface QueryClientLike {
  invalidateQueries(filters?: { queryKey?: readonly unknown[] }): Promise<void> | void;
}

export const transcriptKeys = {
  lists: ["transcripts", "list"] as const,
  one: (id: string) => ["transcripts", "detail", id] as const,
};

export function applyInvalidate(queryClient: QueryClientLike, message: InvalidateMessage): void {
  switch (message.type) {
    case "transcriptCreated":
    case "transcriptDeleted":
    case "transcriptRestored":
    case "transcriptStatusChanged":
    case "transcriptTitleChanged":
    case "transcriptDurationChanged":
    case "transcriptChanged":
      void queryClient.invalidateQueries({ queryKey: transcriptKeys.lists });
      void queryClient.invalidateQueries({ queryKey: transcriptKeys.one(message.transcriptId) });
      return;
    case "resync":
      // Events may have been missed: everything on screen may be stale.
      void queryClient.invalidateQueries();
      return;
    default: {
      const _exhaustive: never = message;
      throw new Error(`Unhandled invalidate message ${JSON.stringify(_exhaustive)}`);
    }
  }
}

export function livePausedLabel(status: UpstreamStatus): string | null {
  switch (status.state) {
    case "connected":
      return null;
    case "connecting":
    case "reconnecting":
      return "Live updates paused, reconnecting…";
    case "unauthorized":
      return "Live updates paused: sign in again";
    default: {
      const _exhaustive: never = status.state;
      return _exhaustive;
    }
  }
}

export function start(queryClient: QueryClientLike, getAccessToken: () => Promise<string>, showBadge: (label: string | null) => void) {
  return connectUserEvents({
    url: "https://relay.example.com/hubs/user-events",
    accessTokenFactory: getAccessToken,
    onInvalidate: (message) => applyInvalidate(queryClient, message),
    onStatus: (status) => showBadge(livePausedLabel(status)),
  });
}
