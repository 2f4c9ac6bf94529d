import { memo, useEffect, useState } from "react";
import { useRelayStatus, useTranscriptStream, type LiveTopic, type RelayPhase } from "@reflector/relay-react";
import type { Api, TranscriptStatus } from "./api.js";
import type { FakeAuth } from "./auth.js";
import { useAuth } from "./auth.js";

interface AppProps {
  api: Api;
  auth: FakeAuth;
  open: string[];
  live: string | null;
  probe: { toasts: string[]; liveLines: string[] };
}

// The app's own words for each phase; a page needs no more than this to tell the user where live updates stand.
const phaseLabels: Record<RelayPhase, string> = {
  off: "Signed out",
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Live updates lost, reconnecting…",
  signInRequired: "Please sign in again.",
};

const ACTIVE: TranscriptStatus[] = ["processing", "uploaded", "recording"];

export function App({ api, auth, open, live, probe }: AppProps) {
  const state = useAuth(auth);
  const status = useRelayStatus();
  const [toasts, setToasts] = useState<string[]>([]);
  const [user, setUser] = useState("");
  const showToast = (text: string) => {
    probe.toasts.push(text);
    setToasts((shown) => [...shown, text]);
  };

  return (
    <main>
      <header>
        <span id="phase" data-phase={status.phase} data-anonymous={String(status.anonymous)}>
          {phaseLabels[status.phase]}
        </span>{" "}
        <span id="who" data-status={state.status}>
          {state.status === "authenticated" || state.status === "refreshing" ? state.user : state.status}
        </span>{" "}
        <input id="user" value={user} onChange={(event) => setUser(event.target.value)} placeholder="user" />
        <button id="sign-in" onClick={() => void auth.signIn(user)}>
          Sign in
        </button>
        <button id="refresh" onClick={() => void auth.refresh()}>
          Refresh session
        </button>
        <button id="sign-out" onClick={() => auth.signOut()}>
          Sign out
        </button>
      </header>
      <div id="toasts">
        {toasts.map((text, i) => (
          <p className="toast" key={i}>
            {text}
          </p>
        ))}
      </div>
      <TranscriptList api={api} />
      {open.map((id) => (
        <TranscriptCard key={id} api={api} transcriptId={id} relayLive={status.live} />
      ))}
      {live && (
        <LiveTranscript
          api={api}
          transcriptId={live}
          relayLive={status.live}
          onStatusError={() => showToast("This meeting could not be processed.")}
          onLine={(line) => probe.liveLines.push(line)}
        />
      )}
    </main>
  );
}

function TranscriptList({ api }: { api: Api }) {
  // Reflector's useTranscriptsSearch("").
  const search = api.useQuery("get", "/v1/transcripts/search", { params: { query: { q: "" } } });
  return (
    <section>
      <h2>Transcripts</h2>
      <ul id="transcripts">
        {search.data?.results.map((transcript) => (
          <li key={transcript.id} data-id={transcript.id}>
            <span className="title">{transcript.title ?? "Untitled"}</span> · <span className="status">{transcript.status}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Reflector's useTranscriptGet: polled every 5 s while active, here only while the relay is not live. */
function useTranscriptGet(api: Api, transcriptId: string, relayLive: boolean) {
  return api.useQuery(
    "get",
    "/v1/transcripts/{transcript_id}",
    { params: { path: { transcript_id: transcriptId } } },
    { refetchInterval: (query) => (!relayLive && ACTIVE.includes(query.state.data?.status as TranscriptStatus) ? 5000 : false) },
  );
}

function TranscriptCard({ api, transcriptId, relayLive }: { api: Api; transcriptId: string; relayLive: boolean }) {
  const path = { params: { path: { transcript_id: transcriptId } } };
  const transcript = useTranscriptGet(api, transcriptId, relayLive);
  const topics = api.useQuery("get", "/v1/transcripts/{transcript_id}/topics", path);
  const waveform = api.useQuery("get", "/v1/transcripts/{transcript_id}/audio/waveform", path);
  const participants = api.useQuery("get", "/v1/transcripts/{transcript_id}/participants", path);
  return (
    <section className="transcript" data-id={transcriptId}>
      <h3 className="title">{transcript.data?.title ?? "…"}</h3>
      <p>
        <span className="status">{transcript.data?.status}</span> · <span className="topics">{topics.data?.length ?? 0}</span> topics ·{" "}
        <span className="waveform">{waveform.data?.data.length ?? 0}</span> waveform points ·{" "}
        <span className="participants">{participants.data?.length ?? 0}</span> participants
      </p>
    </section>
  );
}

interface LiveTranscriptProps {
  api: Api;
  transcriptId: string;
  relayLive: boolean;
  onStatusError: () => void;
  /** Each line of live text as it comes on screen. */
  onLine: (line: string) => void;
}

function LiveTranscript({ api, transcriptId, relayLive, onStatusError, onLine }: LiveTranscriptProps) {
  const path = { params: { path: { transcript_id: transcriptId } } };
  // What Reflector's transcript pages fetch beside the stream; the stream's events invalidate them.
  const transcript = useTranscriptGet(api, transcriptId, relayLive);
  api.useQuery("get", "/v1/transcripts/{transcript_id}/topics", path);
  api.useQuery("get", "/v1/transcripts/{transcript_id}/audio/waveform", path);
  const stream = useTranscriptStream(transcriptId, { onStatusError });
  useEffect(() => {
    if (stream.transcriptTextLive) {
      onLine(stream.transcriptTextLive);
    }
  }, [stream.transcriptTextLive]);

  if (stream.error) {
    return (
      <section id="live">
        <p id="live-error">{stream.error.message}</p>
      </section>
    );
  }

  return (
    <section id="live" data-subscribed={String(stream.subscribed)}>
      <h2 id="live-title">{stream.title || transcript.data?.title || "Untitled"}</h2>
      <p>
        Status: <span id="live-status">{stream.status?.value ?? transcript.data?.status ?? ""}</span> · Duration:{" "}
        <span id="live-duration">{stream.duration === null ? "" : formatDuration(stream.duration)}</span>
      </p>
      <p>
        Now: <q id="live-text">{stream.transcriptTextLive}</q> <q id="live-translation">{stream.translateText}</q>
      </p>
      <p>
        Since the last topic: <span id="live-accumulated">{stream.accumulatedText}</span>
      </p>
      <TopicList topics={stream.topics} />
      <p id="live-summary">{stream.finalSummary.summary}</p>
      <Waveform points={stream.waveform?.data ?? null} />
    </section>
  );
}

// Memoised, as a page's list of many topics would be: it renders again only for a new array.
const TopicList = memo(function TopicList({ topics }: { topics: LiveTopic[] }) {
  return (
    <ol id="live-topics">
      {topics.map((topic) => (
        <li key={topic.id} data-topic-id={topic.id}>
          <strong>{topic.title}</strong> {topic.summary}
        </li>
      ))}
    </ol>
  );
});

function Waveform({ points }: { points: number[] | null }) {
  if (!points) {
    return <svg id="live-waveform" data-points="0" width="510" height="60" />;
  }

  const d = points.map((value, i) => `${i === 0 ? "M" : "L"}${i * 2},${30 - value * 28}`).join(" ");
  return (
    <svg id="live-waveform" data-points={points.length} width="510" height="60">
      <path d={d} fill="none" stroke="#486581" />
    </svg>
  );
}

function formatDuration(seconds: number): string {
  const whole = Math.floor(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}
