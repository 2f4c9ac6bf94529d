// The slice of Reflector's REST API this app reads, typed the way openapi-typescript writes Reflector's
// `reflector-api.d.ts`, and read through openapi-react-query as Reflector's `apiHooks.ts` does: so the query keys in
// the cache are the ones Reflector's cache holds.
import createClient from "openapi-fetch";
import createQueryClient from "openapi-react-query";
import { QueryClient } from "@tanstack/react-query";

export type TranscriptStatus = "idle" | "uploaded" | "recording" | "processing" | "error" | "ended";

export interface Transcript {
  id: string;
  title: string | null;
  status: TranscriptStatus;
  duration: number;
}

export interface Topic {
  id: string;
  title: string;
  summary: string;
  timestamp: number;
  duration: number | null;
  transcript: string;
  segments: { text: string; start: number; speaker: number }[];
}

export interface Participant {
  id: string;
  speaker: number | null;
  name: string;
}

type Json<T> = { 200: { headers: { [name: string]: unknown }; content: { "application/json": T } } };
type ByTranscript<T> = {
  parameters: { query?: never; header?: never; path: { transcript_id: string }; cookie?: never };
  get: {
    parameters: { query?: never; header?: never; path: { transcript_id: string }; cookie?: never };
    requestBody?: never;
    responses: Json<T>;
  };
};

export interface paths {
  "/v1/transcripts/search": {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: {
      parameters: { query: { q: string; limit?: number; offset?: number }; header?: never; path?: never; cookie?: never };
      requestBody?: never;
      responses: Json<{ results: Transcript[]; total: number; limit: number; offset: number }>;
    };
  };
  "/v1/transcripts/{transcript_id}": ByTranscript<Transcript>;
  "/v1/transcripts/{transcript_id}/topics": ByTranscript<Topic[]>;
  "/v1/transcripts/{transcript_id}/audio/waveform": ByTranscript<{ data: number[] }>;
  "/v1/transcripts/{transcript_id}/participants": ByTranscript<Participant[]>;
}

/** Reflector's query client defaults (www/app/lib/queryClient.tsx). */
export function createReflectorQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 60 * 1000, gcTime: 5 * 60 * 1000, retry: 1, refetchOnWindowFocus: false },
      mutations: { retry: 0 },
    },
  });
}

export function createApi(getToken: () => string | null, count: (url: URL, phase: "issued" | "done") => void) {
  const client = createClient<paths>({
    baseUrl: location.origin,
    fetch: async (request: Request) => {
      const url = new URL(request.url);
      count(url, "issued");
      try {
        return await fetch(request);
      } finally {
        count(url, "done");
      }
    },
  });
  client.use({
    onRequest({ request }) {
      const token = getToken();
      if (token) {
        request.headers.set("Authorization", `Bearer ${token}`);
      }

      return request;
    },
  });
  return createQueryClient(client);
}

export type Api = ReturnType<typeof createApi>;
