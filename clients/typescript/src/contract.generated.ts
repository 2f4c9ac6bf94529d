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
  | Resync;

export const INVALIDATE_MESSAGE_TYPES = ["transcriptCreated", "transcriptDeleted", "transcriptRestored", "transcriptStatusChanged", "transcriptTitleChanged", "transcriptDurationChanged", "resync"] as const;

export interface UpstreamStatus {
  state: UpstreamState;
  retryInMs?: number;
}
