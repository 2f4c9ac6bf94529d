// Hand-written stand-in for the transcript stream's generated types (TranscriptEventMessage in
// src/Reflector.Relay/Events), until contract.generated.ts carries them; then this file goes.

export interface TopicSegment {
  text: string;
  start: number;
  speaker: number;
}

export type TranscriptEventMessage =
  | { type: "transcript"; transcriptId: string; text: string; translation?: string }
  | {
      type: "topic";
      transcriptId: string;
      id: string;
      title: string;
      summary: string;
      timestamp: number;
      duration?: number;
      transcript: string;
      segments: TopicSegment[];
    }
  | { type: "status"; transcriptId: string; status: import("./contract.generated.js").TranscriptStatus }
  | { type: "finalTitle"; transcriptId: string; title: string }
  | { type: "finalLongSummary"; transcriptId: string; longSummary: string }
  | { type: "finalShortSummary"; transcriptId: string; shortSummary: string }
  | { type: "actionItems"; transcriptId: string; actionItems: unknown }
  | { type: "duration"; transcriptId: string; duration: number }
  | { type: "waveform"; transcriptId: string; waveform: number[] }
  | { type: "resync"; transcriptId: string; reason: import("./contract.generated.js").ResyncReason };
