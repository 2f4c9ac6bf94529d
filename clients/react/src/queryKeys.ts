import type { QueryKey } from "@tanstack/react-query";

/**
 * The React Query keys the relay's messages invalidate. The defaults are Reflector's own: its frontend reads the API
 * through openapi-react-query, whose keys are `[method, path]` or `[method, path, init]`, and React Query matches a key
 * given to `invalidateQueries` as a prefix. Replace any of them for an app that caches under other keys.
 */
export interface ReflectorQueryKeys {
  /** A prefix of every cached transcript list. */
  transcriptLists(): QueryKey;
  transcript(transcriptId: string): QueryKey;
  transcriptTopics(transcriptId: string): QueryKey;
  transcriptWaveform(transcriptId: string): QueryKey;
  transcriptParticipants(transcriptId: string): QueryKey;
  /** Prefixes of every cached transcript and of what is refetched with it after a `resync`. */
  everyTranscript(): readonly QueryKey[];
}

const TRANSCRIPTS_SEARCH = "/v1/transcripts/search";
const TRANSCRIPT = "/v1/transcripts/{transcript_id}";
const TOPICS = `${TRANSCRIPT}/topics`;
const WAVEFORM = `${TRANSCRIPT}/audio/waveform`;
const PARTICIPANTS = `${TRANSCRIPT}/participants`;

// What `$api.queryOptions("get", path, { params: { path: { transcript_id } } }).queryKey` is.
const byTranscript = (path: string, transcriptId: string): QueryKey => ["get", path, { params: { path: { transcript_id: transcriptId } } }];

export const reflectorQueryKeys: ReflectorQueryKeys = {
  transcriptLists: () => ["get", TRANSCRIPTS_SEARCH],
  transcript: (transcriptId) => byTranscript(TRANSCRIPT, transcriptId),
  transcriptTopics: (transcriptId) => byTranscript(TOPICS, transcriptId),
  transcriptWaveform: (transcriptId) => byTranscript(WAVEFORM, transcriptId),
  transcriptParticipants: (transcriptId) => byTranscript(PARTICIPANTS, transcriptId),
  everyTranscript: () => [
    ["get", TRANSCRIPT],
    ["get", TOPICS],
    ["get", WAVEFORM],
    ["get", PARTICIPANTS],
  ],
};

/** Reflector's keys with the given ones in their place. */
export function withQueryKeys(keys: Partial<ReflectorQueryKeys> | undefined): ReflectorQueryKeys {
  return keys ? { ...reflectorQueryKeys, ...keys } : reflectorQueryKeys;
}
