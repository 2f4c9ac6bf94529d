// A fresh React 18 app that installed @reflector/relay-client and @reflector/relay-react from the tarballs `npm pack`
// made (PackedPackagesTests): it type-checks against their declarations, bundles, and runs in Chromium.
// ?relay=<relay origin>&user=<id>&live=<transcript id>
import { useEffect, useState, version } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import {
  ReflectorQuerySync,
  RelayProvider,
  reflectorQueryKeys,
  useRelayStatus,
  useTranscriptStream,
  useUserEvents,
  type AuthStatus,
  type InvalidateMessage,
} from "@reflector/relay-react";
import { USER_EVENTS_PATH } from "@reflector/relay-client";

const params = new URLSearchParams(location.search);
const queryClient = new QueryClient({ defaultOptions: { queries: { staleTime: 60_000, retry: 1, refetchOnWindowFocus: false } } });
let token: string | null = null;

interface Transcript {
  id: string;
  title: string | null;
}

function Page({ live }: { live: string | null }) {
  // The key openapi-react-query gives Reflector's search, with a plain fetch behind it.
  const search = useQuery({
    queryKey: [...reflectorQueryKeys.transcriptLists(), { params: { query: { q: "" } } }],
    queryFn: async () => (await (await fetch("/v1/transcripts/search?q=")).json()) as { results: Transcript[] },
  });
  const status = useRelayStatus();
  const stream = useTranscriptStream(live);
  const [events, setEvents] = useState<InvalidateMessage[]>([]);
  useUserEvents((message) => setEvents((seen) => [...seen, message]));
  return (
    <main>
      <p>
        React <span id="react-version">{version}</span> · <span id="phase" data-phase={status.phase}>{status.phase}</span> ·{" "}
        <span id="events">{events.length}</span> events
      </p>
      <ul id="transcripts">
        {search.data?.results.map((transcript) => (
          <li key={transcript.id} data-id={transcript.id}>
            {transcript.title}
          </li>
        ))}
      </ul>
      <h2 id="live-title">{stream.title}</h2>
      <p id="live-topics">{stream.topics.map((topic) => topic.title).join(", ")}</p>
    </main>
  );
}

function App() {
  const [authStatus, setAuthStatus] = useState<AuthStatus>("loading");
  useEffect(() => {
    void (async () => {
      const response = await fetch(`/test/tokens?user=${encodeURIComponent(params.get("user") ?? "")}`, { method: "POST" });
      token = ((await response.json()) as { token: string }).token;
      setAuthStatus("authenticated");
    })();
  }, []);

  return (
    <QueryClientProvider client={queryClient}>
      <RelayProvider url={new URL(USER_EVENTS_PATH, params.get("relay") ?? location.origin).toString()} authStatus={authStatus} getAccessToken={() => token}>
        <ReflectorQuerySync />
        <Page live={params.get("live")} />
      </RelayProvider>
    </QueryClientProvider>
  );
}

createRoot(document.getElementById("root")!).render(<App />);
