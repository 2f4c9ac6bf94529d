"use client";

import { useEffect, useReducer, useRef } from "react";
import { useQueryClient, type QueryClient, type QueryKey } from "@tanstack/react-query";
import { TranscriptSubscriptionError, type TranscriptEventMessage, type TranscriptStatus } from "@reflector/relay-client";
import { emptyLiveTranscript, paceMs, reduceLiveTranscript, type LiveTopic } from "./liveTranscript.js";
import { withQueryKeys, type ReflectorQueryKeys } from "./queryKeys.js";
import { useRelayConnection } from "./RelayProvider.js";

export interface TranscriptStreamOptions {
  /** Called when the transcript's status becomes `error`: where Reflector's page shows an error toast. */
  onStatusError?: (transcriptId: string) => void;
  /** Key builders to use instead of Reflector's. */
  keys?: Partial<ReflectorQueryKeys>;
  /** The client to invalidate; by default the one of the enclosing `QueryClientProvider`. */
  queryClient?: QueryClient;
}

/** The transcript page's live state: the fields of Reflector's `UseWebSockets`, plus how the subscription stands. */
export interface TranscriptStream {
  /** The line of live text on screen now (paced: each stays long enough to be read). */
  transcriptTextLive: string;
  /** Its translation, or "". */
  translateText: string;
  /** Live text since the last new topic. */
  accumulatedText: string;
  title: string;
  /** Every topic, the latest version of each, in the order they first came. */
  topics: LiveTopic[];
  finalSummary: { summary: string };
  status: { value: TranscriptStatus } | null;
  waveform: { data: number[] } | null;
  duration: number | null;
  /** The relay refused the transcript (missing, not this user's, too many followed at once): shown, never thrown. */
  error: TranscriptSubscriptionError | null;
  /** The relay holds the stream for this tab; false before, after `ended`, and while signed out. */
  subscribed: boolean;
}

/**
 * Follows one transcript through the relay, on the tab's connection, while the component is mounted and the user is
 * signed in; after a reconnect the client subscribes again and the relay's history fills in what was missed. Each event
 * updates the state and invalidates what Reflector's page invalidates for it. On a live `ended` status it lets go.
 */
export function useTranscriptStream(transcriptId: string | null | undefined, options: TranscriptStreamOptions = {}): TranscriptStream {
  const id = transcriptId || null;
  const connection = useRelayConnection();
  const queryClient = useQueryClient(options.queryClient);
  const [state, dispatch] = useReducer(reduceLiveTranscript, id, emptyLiveTranscript);
  if (state.transcriptId !== id) {
    // Another transcript: start from nothing, before anything of the old one is shown under the new id.
    dispatch({ kind: "follow", transcriptId: id });
  }

  const latest = useRef({ queryClient, keys: withQueryKeys(options.keys), onStatusError: options.onStatusError });
  useEffect(() => {
    latest.current = { queryClient, keys: withQueryKeys(options.keys), onStatusError: options.onStatusError };
  });

  useEffect(() => {
    if (!connection || !id) {
      return;
    }

    const following = new AbortController();
    const close = () => {
      following.abort();
      dispatch({ kind: "closed", transcriptId: id });
    };
    dispatch({ kind: "subscribing", transcriptId: id });
    const onEvent = (message: TranscriptEventMessage) => {
      if (following.signal.aborted) {
        return;
      }

      dispatch({ kind: "event", message });
      applyTranscriptEvent(id, message, latest.current, close);
    };
    const refused = (error: unknown) => {
      if (!following.signal.aborted && isRefusal(error)) {
        dispatch({ kind: "refused", transcriptId: id, error });
      }
    };
    connection.subscribeTranscript(id, onEvent, { signal: following.signal, onError: refused }).then(
      () => {
        if (!following.signal.aborted) {
          dispatch({ kind: "subscribed", transcriptId: id });
        }
      },
      // Anything but a refusal is the connection being stopped (signed out): nothing to show.
      refused,
    );
    return close;
  }, [connection, id]);

  const head = state.queue[0];
  const waiting = state.queue.length;
  useEffect(() => {
    if (!head) {
      return;
    }

    const timer = setTimeout(() => dispatch({ kind: "paced", line: head }), paceMs(head, waiting));
    return () => clearTimeout(timer);
    // The pace is set when a line comes on screen, by the queue behind it then.
  }, [head]);

  const shown = state.transcriptId === id ? state : emptyLiveTranscript(id);
  return {
    transcriptTextLive: shown.shown?.text ?? "",
    translateText: shown.shown?.translation ?? "",
    accumulatedText: shown.accumulatedText,
    title: shown.title,
    topics: shown.topics,
    finalSummary: shown.finalSummary,
    status: shown.status,
    waveform: shown.waveform,
    duration: shown.duration,
    error: shown.error,
    subscribed: shown.subscribed,
  };
}

interface Effects {
  queryClient: QueryClient;
  keys: ReflectorQueryKeys;
  onStatusError?: (transcriptId: string) => void;
}

/** The invalidations of Reflector's transcript page, event by event, and the two things a status does. */
function applyTranscriptEvent(transcriptId: string, message: TranscriptEventMessage, { queryClient, keys, onStatusError }: Effects, close: () => void): void {
  const invalidate = (queryKey: QueryKey) => void queryClient.invalidateQueries({ queryKey });
  switch (message.type) {
    case "topic":
      invalidate(keys.transcriptTopics(transcriptId));
      return;
    case "waveform":
      invalidate(keys.transcriptWaveform(transcriptId));
      return;
    case "finalTitle":
    case "finalLongSummary":
    case "actionItems":
      invalidate(keys.transcript(transcriptId));
      return;
    case "status":
      if (message.status === "error") {
        onStatusError?.(transcriptId);
      }

      invalidate(keys.transcript(transcriptId));
      if (message.status === "ended") {
        // As Reflector's page closes its socket: the finals have come by then.
        close();
      }

      return;
    case "resync":
      // The stream had a gap; what the page fetched may be stale. The replay that follows refills the live state.
      invalidate(keys.transcript(transcriptId));
      invalidate(keys.transcriptTopics(transcriptId));
      invalidate(keys.transcriptWaveform(transcriptId));
      return;
    default:
      // transcript, duration and finalShortSummary change only the live state.
      return;
  }
}

function isRefusal(error: unknown): error is TranscriptSubscriptionError {
  // By name as well: an app that ends up with two copies of the client has two classes.
  return error instanceof TranscriptSubscriptionError || (error instanceof Error && error.name === "TranscriptSubscriptionError");
}
