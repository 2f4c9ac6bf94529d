import type { TopicSegment, TranscriptEventMessage, TranscriptStatus, TranscriptSubscriptionError } from "@reflector/relay-client";

/** A topic as the transcript page lists it (Reflector's `GetTranscriptTopic`). */
export interface LiveTopic {
  id: string;
  title: string;
  summary: string;
  timestamp: number;
  duration: number | null;
  transcript: string;
  segments: TopicSegment[];
}

/** One piece of live text, shown for a while before the next. */
export interface LiveLine {
  readonly text: string;
  readonly translation: string;
}

/** A transcript page's live state; its fields after `transcriptId` are those of Reflector's `UseWebSockets`. */
export interface LiveTranscriptState {
  readonly transcriptId: string | null;
  /** Live text waiting to be shown; its head is on screen. */
  readonly queue: readonly LiveLine[];
  /** What is on screen: the queue's head, or the last line once the queue ran out. */
  readonly shown: LiveLine | null;
  readonly accumulatedText: string;
  readonly title: string;
  readonly topics: LiveTopic[];
  readonly finalSummary: { readonly summary: string };
  readonly status: { readonly value: TranscriptStatus } | null;
  readonly waveform: { readonly data: number[] } | null;
  readonly duration: number | null;
  readonly error: TranscriptSubscriptionError | null;
  readonly subscribed: boolean;
}

export type LiveTranscriptAction =
  | { kind: "follow"; transcriptId: string | null }
  | { kind: "subscribing"; transcriptId: string }
  | { kind: "subscribed"; transcriptId: string }
  | { kind: "closed"; transcriptId: string }
  | { kind: "refused"; transcriptId: string; error: TranscriptSubscriptionError }
  | { kind: "event"; message: TranscriptEventMessage }
  | { kind: "paced"; line: LiveLine };

export function emptyLiveTranscript(transcriptId: string | null): LiveTranscriptState {
  return {
    transcriptId,
    queue: [],
    shown: null,
    accumulatedText: "",
    title: "",
    topics: [],
    finalSummary: { summary: "" },
    status: null,
    waveform: null,
    duration: null,
    error: null,
    subscribed: false,
  };
}

export function reduceLiveTranscript(state: LiveTranscriptState, action: LiveTranscriptAction): LiveTranscriptState {
  switch (action.kind) {
    case "follow":
      return action.transcriptId === state.transcriptId ? state : emptyLiveTranscript(action.transcriptId);
    case "subscribing":
      return action.transcriptId === state.transcriptId ? { ...state, error: null, subscribed: false } : state;
    case "subscribed":
      return action.transcriptId === state.transcriptId ? { ...state, subscribed: true } : state;
    case "closed":
      return action.transcriptId === state.transcriptId && state.subscribed ? { ...state, subscribed: false } : state;
    case "refused":
      return action.transcriptId === state.transcriptId ? { ...state, error: action.error, subscribed: false } : state;
    case "paced": {
      if (state.queue[0] !== action.line) {
        return state;
      }

      const queue = state.queue.slice(1);
      return { ...state, queue, shown: queue[0] ?? state.shown };
    }
    case "event":
      return action.message.transcriptId === state.transcriptId ? applyEvent(state, action.message) : state;
  }
}

function applyEvent(state: LiveTranscriptState, message: TranscriptEventMessage): LiveTranscriptState {
  switch (message.type) {
    case "transcript": {
      const text = (message.text ?? "").trim();
      if (!text) {
        return state;
      }

      const line: LiveLine = { text, translation: (message.translation ?? "").trim() };
      return {
        ...state,
        queue: [...state.queue, line],
        shown: state.queue.length === 0 ? line : state.shown,
        accumulatedText: state.accumulatedText ? `${state.accumulatedText} ${text}` : text,
      };
    }
    case "topic": {
      const { type: _type, transcriptId: _transcriptId, ...topic } = message;
      const index = state.topics.findIndex((existing) => existing.id === topic.id);
      if (index >= 0) {
        // An update: in its place, in a new array, so that whatever renders the list renders again.
        return { ...state, topics: state.topics.map((existing, i) => (i === index ? topic : existing)) };
      }

      // A new topic covers the text spoken so far: what is left accumulating is what came after it.
      return {
        ...state,
        topics: [...state.topics, topic],
        accumulatedText: state.accumulatedText.slice(topic.transcript?.length ?? 0).trimStart(),
      };
    }
    case "finalTitle":
      return { ...state, title: message.title };
    case "finalLongSummary":
      return { ...state, finalSummary: { summary: message.longSummary } };
    case "status":
      return { ...state, status: { value: message.status } };
    case "waveform":
      return { ...state, waveform: { data: message.waveform } };
    case "duration":
      return { ...state, duration: message.duration };
    default:
      // finalShortSummary and actionItems only make the page refetch; resync keeps what is shown (Reflector's replay
      // upserts the same topics again); a kind this version does not know changes nothing.
      return state;
  }
}

/**
 * How long a line of live text stays before the next: read at about 200 words a minute, faster by 10 words a minute
 * for each line waiting (Reflector's pace).
 */
export function paceMs(line: LiveLine, waiting: number): number {
  const words = line.text.split(/\s+/).length;
  return (words / (200 + waiting * 10)) * 60_000;
}
