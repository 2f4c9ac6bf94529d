// What a transcript page (React, or anything with a reducer and an effect) does with each kind of transcript event,
// written out with the client alone; @reflector/relay-react's useTranscriptStream is this for a React app.
// Compiled with `tsc --noEmit` by the contract test: a new kind in the C# contract breaks the reducer's switch.
//
// In a component:
//
//   const [live, dispatch] = useReducer(liveTranscriptReducer, emptyLiveTranscript);
//   useEffect(() => followTranscript(connection, transcriptId, queryClient, dispatch), [connection, transcriptId]);
//   // live.topics → the topic list, live.text → the running caption, live.waveform → the player's waveform, …
import { transcriptKeys, type QueryClientLike } from "./invalidate-queries.js";
import type {
  TopicSegment,
  TranscriptEventMessage,
  TranscriptEventOf,
  TranscriptStatus,
  TranscriptSubscriptionError,
  UserEventsConnection,
} from "../src/index.js";

export interface LiveTopic {
  id: string;
  title: string;
  summary: string;
  timestamp: number;
  duration: number | null;
  transcript: string;
  segments: TopicSegment[];
}

/** What the page shows while it follows the transcript, on top of what it fetched through the REST API. */
export interface LiveTranscript {
  /** The latest version of each topic, in the order they first appeared. */
  topics: LiveTopic[];
  /** The words being recognised right now (never replayed: empty until the next one). */
  text: string | null;
  translation: string | null;
  status: TranscriptStatus | null;
  title: string | null;
  shortSummary: string | null;
  longSummary: string | null;
  actionItems: Record<string, unknown> | null;
  duration: number | null;
  waveform: number[] | null;
  /** Set when the stream had a gap: the page refetched, and applies the events that follow. */
  lastResync: TranscriptEventOf<"resync"> | null;
}

export const emptyLiveTranscript: LiveTranscript = {
  topics: [],
  text: null,
  translation: null,
  status: null,
  title: null,
  shortSummary: null,
  longSummary: null,
  actionItems: null,
  duration: null,
  waveform: null,
  lastResync: null,
};

export function liveTranscriptReducer(state: LiveTranscript, message: TranscriptEventMessage): LiveTranscript {
  switch (message.type) {
    case "topic": {
      // A topic comes again with the same id when it is updated: replace it where it is.
      const { type: _type, transcriptId: _transcriptId, ...topic } = message;
      const index = state.topics.findIndex((existing) => existing.id === topic.id);
      const topics = index < 0 ? [...state.topics, topic] : state.topics.map((existing, i) => (i === index ? topic : existing));
      return { ...state, topics };
    }
    case "transcript":
      return { ...state, text: message.text, translation: message.translation };
    case "status":
      return { ...state, status: message.status };
    case "finalTitle":
      return { ...state, title: message.title };
    case "finalShortSummary":
      return { ...state, shortSummary: message.shortSummary };
    case "finalLongSummary":
      return { ...state, longSummary: message.longSummary };
    case "actionItems":
      return { ...state, actionItems: message.actionItems };
    case "duration":
      return { ...state, duration: message.duration };
    case "waveform":
      return { ...state, waveform: message.waveform };
    case "unknown":
      // An event of a newer Reflector (its name in message.event, its data as sent): nothing to show yet.
      return state;
    case "resync":
      // Events may be missing. The REST data is refetched (see followTranscript); the topics and finals are
      // replayed by the stream right after, so they start over. Status and live text are never replayed: kept.
      return { ...emptyLiveTranscript, status: state.status, text: state.text, translation: state.translation, lastResync: message };
    default: {
      const _exhaustive: never = message;
      throw new Error(`Unhandled transcript event ${JSON.stringify(_exhaustive)}`);
    }
  }
}

/**
 * Subscribes while the page is shown and returns the effect's cleanup. Side effects live here, not in the reducer:
 * a resync invalidates the transcript's queries, and an `ended` status lets go of the stream (the relay keeps it
 * otherwise; Reflector's own page closes its socket then).
 */
export function followTranscript(
  connection: UserEventsConnection,
  transcriptId: string,
  queryClient: QueryClientLike,
  dispatch: (message: TranscriptEventMessage) => void,
  onRefused: (error: TranscriptSubscriptionError) => void = () => undefined,
): () => void {
  const cleanup = new AbortController();
  connection
    .subscribeTranscript(
      transcriptId,
      (message) => {
        dispatch(message);
        if (message.type === "resync") {
          void queryClient.invalidateQueries({ queryKey: transcriptKeys.one(transcriptId) });
          void queryClient.invalidateQueries({ queryKey: transcriptKeys.topics(transcriptId) });
          void queryClient.invalidateQueries({ queryKey: transcriptKeys.waveform(transcriptId) });
        } else if (message.type === "status" && message.status === "ended") {
          // As Reflector's own page does: the finals have come by then. Unsubscribing is the page's choice.
          cleanup.abort();
        }
      },
      { signal: cleanup.signal, onError: onRefused },
    )
    .catch((error: unknown) => {
      if (!cleanup.signal.aborted) {
        // Missing, not this user's, or too many transcripts followed on this connection: the relay's message.
        onRefused(error as TranscriptSubscriptionError);
      }
    });
  return () => cleanup.abort();
}
