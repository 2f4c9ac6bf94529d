// A small app shaped like Reflector's frontend after moving to the relay: React Query over the REST API through
// openapi-react-query, an auth provider with Reflector's four states, and @reflector/relay-react in place of
// UserEventsProvider and useWebSockets. The browser tests open it with:
//   ?relay=<relay origin>   the relay (its hub is /hubs/user-events there)
//   &user=<id>              sign in as this user on load
//   &open=<id>,<id>         transcripts whose detail cards are shown (transcript, topics, waveform, participants)
//   &live=<id>              the live view of one transcript (useTranscriptStream)
//   &anonymous=1            signed out, follow transcripts as an anonymous viewer (RelayProvider's anonymous)
// Everything a test reads is in the DOM or on window.relayTest.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClientProvider } from "@tanstack/react-query";
import { ReflectorQuerySync, RelayProvider, useRelayStatus, useUserEvents, type InvalidateMessage, type RelayPhase } from "@reflector/relay-react";
import { createApi, createReflectorQueryClient } from "./api.js";
import { FakeAuth, useAuth } from "./auth.js";
import { App } from "./App.js";

const params = new URLSearchParams(location.search);
const relayHub = new URL("/hubs/user-events", params.get("relay") ?? location.origin).toString();

const probe = {
  /** REST requests the app issued and finished, per path: the server counts them too. */
  issued: {} as Record<string, number>,
  done: {} as Record<string, number>,
  /** Every invalidate message useUserEvents delivered. */
  events: [] as InvalidateMessage[],
  /** useRelayStatus().phase, each change. */
  phases: [] as RelayPhase[],
  toasts: [] as string[],
  /** Each line of live text the live view showed, in order. */
  liveLines: [] as string[],
  /** No query fetching and every request issued has finished. */
  settled(): boolean {
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);
    return queryClient.isFetching() === 0 && total(probe.issued) === total(probe.done);
  },
};

const auth = new FakeAuth();
const queryClient = createReflectorQueryClient();
const api = createApi(auth.getToken, (url, phase) => {
  const counts = phase === "issued" ? probe.issued : probe.done;
  counts[url.pathname] = (counts[url.pathname] ?? 0) + 1;
});

Object.assign(window, { relayTest: Object.assign(probe, { auth, queryClient }) });

function Probe() {
  useUserEvents((message) => probe.events.push(message));
  const { phase } = useRelayStatus();
  if (probe.phases.at(-1) !== phase) {
    probe.phases.push(phase);
  }

  return null;
}

function Root() {
  const state = useAuth(auth);
  return (
    <QueryClientProvider client={queryClient}>
      <RelayProvider url={relayHub} authStatus={state.status} getAccessToken={auth.getToken} anonymous={params.get("anonymous") === "1"}>
        <ReflectorQuerySync />
        <Probe />
        <App
          api={api}
          auth={auth}
          open={(params.get("open") ?? "").split(",").filter(Boolean)}
          live={params.get("live")}
          probe={probe}
        />
      </RelayProvider>
    </QueryClientProvider>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);

const user = params.get("user");
if (user) {
  void auth.signIn(user);
}
