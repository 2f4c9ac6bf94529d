// How an app that caches Reflector's API with React Query (or anything with the same shape) reacts to the relay,
// without React: @reflector/relay-react's <ReflectorQuerySync /> does this for a React app.
// Compiled with `tsc --noEmit` by the contract test: a new message type in the C# contract breaks this switch.
import { connectUserEvents, type InvalidateMessage, type UpstreamStatus } from "../src/index.js";

/** The part of React Query's QueryClient used here. */
export interface QueryClientLike {
  invalidateQueries(filters?: { queryKey?: readonly unknown[] }): Promise<void> | void;
}

// Reflector's own keys: its frontend reads the API through openapi-react-query, whose keys are [method, path, init],
// and invalidateQueries matches a key as a prefix.
export const transcriptKeys = {
  lists: ["get", "/v1/transcripts/search"] as const,
  one: (id: string) => ["get", "/v1/transcripts/{transcript_id}", { params: { path: { transcript_id: id } } }] as const,
  topics: (id: string) => ["get", "/v1/transcripts/{transcript_id}/topics", { params: { path: { transcript_id: id } } }] as const,
  waveform: (id: string) => ["get", "/v1/transcripts/{transcript_id}/audio/waveform", { params: { path: { transcript_id: id } } }] as const,
  /** Prefixes of every cached transcript and what belongs to it. */
  everyTranscript: [
    ["get", "/v1/transcripts/{transcript_id}"],
    ["get", "/v1/transcripts/{transcript_id}/topics"],
    ["get", "/v1/transcripts/{transcript_id}/audio/waveform"],
    ["get", "/v1/transcripts/{transcript_id}/participants"],
  ] as const,
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
      // Events may have been missed: every transcript shown may be stale.
      void queryClient.invalidateQueries({ queryKey: transcriptKeys.lists });
      for (const prefix of transcriptKeys.everyTranscript) {
        void queryClient.invalidateQueries({ queryKey: prefix });
      }

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
