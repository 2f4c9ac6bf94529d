"use client";

export { RelayProvider, useRelayConnection, useRelayStatus, type RelayProviderProps } from "./RelayProvider.js";
export { useUserEvents } from "./useUserEvents.js";
export { ReflectorQuerySync, applyUserEvent, useReflectorQuerySync, type ReflectorQuerySyncProps } from "./ReflectorQuerySync.js";
export { reflectorQueryKeys, withQueryKeys, type ReflectorQueryKeys } from "./queryKeys.js";
export { useTranscriptStream, type TranscriptStream, type TranscriptStreamOptions } from "./useTranscriptStream.js";
export { paceMs, type LiveLine, type LiveTopic } from "./liveTranscript.js";
export type { AuthStatus, RelayPhase, RelayStatus } from "./status.js";
// The client's types that appear in this package's signatures.
export {
  TranscriptSubscriptionError,
  type ConnectionState,
  type InvalidateMessage,
  type TopicSegment,
  type TranscriptEventMessage,
  type TranscriptStatus,
  type UpstreamState,
} from "@reflector/relay-client";
