"use client";

import { useQueryClient, type QueryClient, type QueryKey } from "@tanstack/react-query";
import type { InvalidateMessage } from "@reflector/relay-client";
import { withQueryKeys, type ReflectorQueryKeys } from "./queryKeys.js";
import { useUserEvents } from "./useUserEvents.js";

export interface ReflectorQuerySyncProps {
  /** Key builders to use instead of Reflector's (see `reflectorQueryKeys`). */
  keys?: Partial<ReflectorQueryKeys>;
  /** The client to invalidate; by default the one of the enclosing `QueryClientProvider`. */
  queryClient?: QueryClient;
}

/**
 * Keeps React Query's cache in step with the user's events: each event about a transcript invalidates the transcript
 * lists and that transcript; a `resync` invalidates the lists and every cached transcript with its topics, waveform
 * and participants. Active queries refetch at once, the others when next used. Renders nothing.
 */
export function ReflectorQuerySync(props: ReflectorQuerySyncProps): null {
  useReflectorQuerySync(props);
  return null;
}

/** `<ReflectorQuerySync />` as a hook. */
export function useReflectorQuerySync({ keys, queryClient }: ReflectorQuerySyncProps = {}): void {
  const client = useQueryClient(queryClient);
  useUserEvents((message) => applyUserEvent(client, message, withQueryKeys(keys)));
}

/** What `<ReflectorQuerySync />` does with one message, for code outside React. */
export function applyUserEvent(queryClient: QueryClient, message: InvalidateMessage, keys: ReflectorQueryKeys = withQueryKeys(undefined)): void {
  const invalidate = (queryKey: QueryKey) => void queryClient.invalidateQueries({ queryKey });
  switch (message.type) {
    case "resync":
      // Events may have been missed: whatever is cached about transcripts may be stale.
      invalidate(keys.transcriptLists());
      for (const prefix of keys.everyTranscript()) {
        invalidate(prefix);
      }

      return;
    case "transcriptCreated":
    case "transcriptDeleted":
    case "transcriptRestored":
    case "transcriptStatusChanged":
    case "transcriptTitleChanged":
    case "transcriptDurationChanged":
    case "transcriptChanged":
      invalidate(keys.transcriptLists());
      invalidate(keys.transcript(message.transcriptId));
      return;
    default: {
      // A kind this version does not know (a newer relay's): if it names a transcript, that transcript and the
      // lists are what may have changed.
      const transcriptId = (message as { transcriptId?: unknown }).transcriptId;
      if (typeof transcriptId === "string" && transcriptId.length > 0) {
        invalidate(keys.transcriptLists());
        invalidate(keys.transcript(transcriptId));
      }
    }
  }
}
