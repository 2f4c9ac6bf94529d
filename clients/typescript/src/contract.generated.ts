// Generated from the C# contract (src/Reflector.Relay/Events) by the relay's tests; do not edit.
// After changing the C# records: REFLECTOR_UPDATE_GENERATED=1 dotnet test --filter TypeScriptContract

export type TranscriptStatus = "idle" | "uploaded" | "recording" | "processing" | "error" | "ended";
export const TRANSCRIPT_STATUS_VALUES = ["idle", "uploaded", "recording", "processing", "error", "ended"] as const;

export type ResyncReason = "upstreamReconnected" | "overflow" | "clientReconnected";
export const RESYNC_REASON_VALUES = ["upstreamReconnected", "overflow", "clientReconnected"] as const;

export type UpstreamState = "connecting" | "connected" | "reconnecting" | "unauthorized";
export const UPSTREAM_STATE_VALUES = ["connecting", "connected", "reconnecting", "unauthorized"] as const;

export interface TranscriptCreated {
  type: "transcriptCreated";
  transcriptId: string;
}

export interface TranscriptDeleted {
  type: "transcriptDeleted";
  transcriptId: string;
}

export interface TranscriptRestored {
  type: "transcriptRestored";
  transcriptId: string;
}

export interface TranscriptStatusChanged {
  type: "transcriptStatusChanged";
  transcriptId: string;
  status: TranscriptStatus;
}

export interface TranscriptTitleChanged {
  type: "transcriptTitleChanged";
  transcriptId: string;
  title: string;
}

export interface TranscriptDurationChanged {
  type: "transcriptDurationChanged";
  transcriptId: string;
  duration: number;
}

export interface TranscriptChanged {
  type: "transcriptChanged";
  transcriptId: string;
  event: string;
}

export interface Resync {
  type: "resync";
  reason: ResyncReason;
}

export type InvalidateMessage =
  | TranscriptCreated
  | TranscriptDeleted
  | TranscriptRestored
  | TranscriptStatusChanged
  | TranscriptTitleChanged
  | TranscriptDurationChanged
  | TranscriptChanged
  | Resync;

export const INVALIDATE_MESSAGE_TYPES = ["transcriptCreated", "transcriptDeleted", "transcriptRestored", "transcriptStatusChanged", "transcriptTitleChanged", "transcriptDurationChanged", "transcriptChanged", "resync"] as const;

export interface TranscriptEventLiveText {
  type: "transcript";
  text: string;
  translation: string | null;
  transcriptId: string;
}

export interface TranscriptEventTopicUpdated {
  type: "topic";
  id: string;
  title: string;
  summary: string;
  timestamp: number;
  duration: number | null;
  transcript: string;
  segments: TopicSegment[];
  transcriptId: string;
}

export interface TranscriptEventStatusChanged {
  type: "status";
  status: TranscriptStatus;
  transcriptId: string;
}

export interface TranscriptEventFinalTitle {
  type: "finalTitle";
  title: string;
  transcriptId: string;
}

export interface TranscriptEventFinalLongSummary {
  type: "finalLongSummary";
  longSummary: string;
  transcriptId: string;
}

export interface TranscriptEventFinalShortSummary {
  type: "finalShortSummary";
  shortSummary: string;
  transcriptId: string;
}

export interface TranscriptEventActionItemsChanged {
  type: "actionItems";
  actionItems: Record<string, unknown>;
  transcriptId: string;
}

export interface TranscriptEventDurationChanged {
  type: "duration";
  duration: number;
  transcriptId: string;
}

export interface TranscriptEventWaveformChanged {
  type: "waveform";
  waveform: number[];
  transcriptId: string;
}

export interface TranscriptEventUnknown {
  type: "unknown";
  event: string;
  data: Record<string, unknown>;
  transcriptId: string;
}

export interface TranscriptEventResync {
  type: "resync";
  reason: ResyncReason;
  transcriptId: string;
}

export type TranscriptEventMessage =
  | TranscriptEventLiveText
  | TranscriptEventTopicUpdated
  | TranscriptEventStatusChanged
  | TranscriptEventFinalTitle
  | TranscriptEventFinalLongSummary
  | TranscriptEventFinalShortSummary
  | TranscriptEventActionItemsChanged
  | TranscriptEventDurationChanged
  | TranscriptEventWaveformChanged
  | TranscriptEventUnknown
  | TranscriptEventResync;

export const TRANSCRIPT_EVENT_MESSAGE_TYPES = ["transcript", "topic", "status", "finalTitle", "finalLongSummary", "finalShortSummary", "actionItems", "duration", "waveform", "unknown", "resync"] as const;

export interface UpstreamStatus {
  state: UpstreamState;
  retryInMs?: number;
}

export interface TopicSegment {
  text: string;
  start: number;
  speaker: number;
}
