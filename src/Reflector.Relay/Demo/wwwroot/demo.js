// The demo page: @reflector/relay-client (index.html's import map points the name at relay-client.js, its bundle)
// plus a transcript list that, like Reflector's frontend, refetches on every invalidate, and a live view of one
// transcript's stream, like its transcript page.
// Query parameters: user=alice, protocol=messagepack, ttl=<token seconds>, transcript=<id to follow>, and
// viewer=anonymous (no sign-in: a public transcript's share link, with the relay's Anonymous:Enabled).
import { connectUserEvents, TRANSCRIPT_STATUS_VALUES } from "@reflector/relay-client";

const params = new URLSearchParams(location.search);
const protocol = params.get("protocol") === "messagepack" ? "messagepack" : "json";
const tokenSeconds = Number(params.get("ttl") ?? 3600);
const titles = ["Weekly product sync", "Quarterly planning review", "Customer onboarding call", "Design critique: settings page"];

// Everything a test or a curious reader may want to look at, in one place.
const demo = {
  user: null,
  // Viewing without sign-in: no token, transcripts only.
  anonymous: false,
  protocol,
  badgeHistory: [],
  messages: [],
  tokensIssued: 0,
  tokenExpiresAt: null,
  connectionIds: [],
  listLoads: 0,
  connection: null,
  // The live transcript view: what it follows, every transcriptEvent it got, and a refusal's message.
  live: { transcriptId: null, subscribed: false, events: [], refused: null },
};
window.relayDemo = demo;

const $ = (selector) => document.querySelector(selector);
let upstreamState = null;
let connectionState = "stopped";
let token = null;
let rows = [];

// ---- tokens -------------------------------------------------------------------------------------------
async function accessToken() {
  // Refresh a little before expiry, as an app's auth library would; the relay never sees an expired token.
  if (!token || token.expiresAt - Date.now() < Math.max(1500, tokenSeconds * 300)) {
    const response = await post("/dev/simulator/tokens", { sub: demo.user, ttlSeconds: tokenSeconds });
    const issued = await response.json();
    token = { value: issued.token, expiresAt: Date.parse(issued.expiresAt) };
    demo.tokensIssued++;
    demo.tokenExpiresAt = issued.expiresAt;
  }

  return token.value;
}

// ---- connection ---------------------------------------------------------------------------------------
async function signIn(user) {
  await closeTranscript();
  if (demo.connection) {
    await demo.connection.stop();
  }

  Object.assign(demo, { user, messages: [], connectionIds: [], tokensIssued: 0 });
  token = null;
  rows = [];
  upstreamState = null;
  params.set("user", user);
  history.replaceState(null, "", `?${params}`);
  for (const button of document.querySelectorAll("[data-user]")) {
    button.setAttribute("aria-pressed", String(button.dataset.user === user));
  }

  $("#who").textContent = `Signed in as ${user} · ${protocol} protocol`;
  $("#log").replaceChildren();
  connectionState = "connecting";
  render();
  updateBadge();
  demo.connection = connectUserEvents({
    url: "/hubs/user-events",
    accessTokenFactory: accessToken,
    protocol,
    backoff: { initialDelayMs: 500, maxDelayMs: 5000 },
    onInvalidate: (message) => {
      demo.messages.push(message);
      log(message.reason === "clientReconnected" ? "client" : "invalidate", message);
      void loadTranscripts();
    },
    onStatus: (status) => {
      upstreamState = status.state;
      log("upstreamStatus", status);
      updateBadge();
    },
    onConnectionState: (state, connectionId) => {
      connectionState = state;
      if (state !== "connected") {
        // The upstream's state is only known through a connection; a new one is told it right after joining.
        upstreamState = null;
      }

      if (state === "connected" && connectionId && demo.connectionIds.at(-1) !== connectionId) {
        demo.connectionIds.push(connectionId);
      }

      $("#connection-meta").textContent = connectionId ? `connection ${connectionId.slice(0, 8)}… · ${state}` : state;
      updateBadge();
    },
  });
  await loadTranscripts();
}

function updateBadge() {
  let state;
  let label;
  if (demo.anonymous) {
    [state, label] = connectionState === "connected" ? ["live", "viewing without sign-in"] : ["reconnecting", "reconnecting to the relay"];
  } else if (!demo.user) {
    [state, label] = ["off", "signed out"];
  } else if (connectionState !== "connected") {
    [state, label] = ["reconnecting", "reconnecting to the relay"];
  } else if (upstreamState === "connected") {
    [state, label] = ["live", "live"];
  } else if (upstreamState === "unauthorized") {
    [state, label] = ["paused", "live updates paused"];
  } else {
    [state, label] = ["reconnecting", upstreamState === "connecting" ? "connecting" : "reconnecting"];
  }

  const badge = $("#badge");
  badge.dataset.state = state;
  badge.textContent = label;
  if (demo.badgeHistory.at(-1) !== state) {
    demo.badgeHistory.push(state);
  }
}

// A viewer without an account, as a public transcript's share link opens the page: the connection offers no token,
// gets no user events, and may only follow transcripts that Reflector lets anyone see.
function viewWithoutSignIn() {
  Object.assign(demo, { user: null, anonymous: true, messages: [], connectionIds: [] });
  $("#who").textContent = `Viewing without sign-in · ${protocol} protocol`;
  connectionState = "connecting";
  updateBadge();
  demo.connection = connectUserEvents({
    url: "/hubs/user-events",
    protocol,
    backoff: { initialDelayMs: 500, maxDelayMs: 5000 },
    onInvalidate: (message) => log("client", message),
    onConnectionState: (state, connectionId) => {
      connectionState = state;
      if (state === "connected" && connectionId && demo.connectionIds.at(-1) !== connectionId) {
        demo.connectionIds.push(connectionId);
      }

      $("#connection-meta").textContent = connectionId ? `connection ${connectionId.slice(0, 8)}… · ${state}` : state;
      updateBadge();
      renderLiveControls();
    },
  });
}

// ---- the list, refetched on every invalidate -----------------------------------------------------------
let loading = null;
let loadAgain = false;

async function loadTranscripts() {
  if (loading) {
    loadAgain = true;
    return loading;
  }

  loading = (async () => {
    do {
      loadAgain = false;
      const user = demo.user;
      const response = await fetch(`/dev/simulator/transcripts?userId=${encodeURIComponent(user)}`);
      if (response.ok && user === demo.user) {
        rows = await response.json();
        demo.listLoads++;
        render();
      }
    } while (loadAgain);
  })().finally(() => { loading = null; });
  return loading;
}

function render() {
  const list = $("#transcripts");
  const shown = new Set([...list.children].map((item) => item.dataset.id + item.dataset.version));
  const live = rows.filter((row) => !row.deleted).reverse();
  list.replaceChildren(...live.map((row) => {
    const item = document.createElement("li");
    item.dataset.id = row.id;
    item.dataset.version = `${row.title}|${row.status}|${row.duration}`;
    item.dataset.testid = "transcript";
    if (!shown.has(row.id + item.dataset.version)) {
      item.classList.add("fresh");
    }

    const name = document.createElement("div");
    name.className = "name";
    const title = document.createElement("span");
    title.className = "title";
    title.textContent = row.title ?? "Untitled transcript";
    const id = document.createElement("span");
    id.className = "id";
    id.textContent = row.id;
    name.append(title, id);
    const status = document.createElement("span");
    status.className = "status";
    status.dataset.status = row.status;
    status.textContent = row.status;
    const duration = document.createElement("span");
    duration.className = "duration";
    duration.textContent = row.duration == null ? "–" : formatDuration(row.duration);
    item.append(name, status, duration);
    return item;
  }));

  const trashed = rows.length - live.length;
  $("#empty").hidden = live.length > 0 || !demo.user;
  $("#list-meta").textContent = demo.user ? `${live.length} shown${trashed ? ` · ${trashed} in the trash` : ""}` : "";

  const target = $("#target");
  const selected = target.value;
  target.replaceChildren(...[...rows].reverse().map((row) => {
    const option = document.createElement("option");
    option.value = row.id;
    option.textContent = `${row.title ?? "Untitled"} · ${row.id.slice(0, 8)}${row.deleted ? " (deleted)" : ""}`;
    return option;
  }));
  if (rows.some((row) => row.id === selected)) {
    target.value = selected;
  }

  for (const button of document.querySelectorAll("[data-emit], #cut")) {
    const needsTarget = button.dataset.emit && button.dataset.emit !== "TRANSCRIPT_CREATED";
    button.disabled = !demo.user || (needsTarget && rows.length === 0);
  }

  renderLiveControls();
}

function formatDuration(seconds) {
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
}

// ---- emitting ---------------------------------------------------------------------------------------------
async function emit(event) {
  const id = event === "TRANSCRIPT_CREATED" ? crypto.randomUUID() : $("#target").value;
  const current = rows.find((row) => row.id === id);
  const data = { id };
  if (event === "TRANSCRIPT_STATUS") {
    const index = TRANSCRIPT_STATUS_VALUES.indexOf(current?.status ?? "idle");
    data.value = TRANSCRIPT_STATUS_VALUES[(index + 1) % TRANSCRIPT_STATUS_VALUES.length];
  } else if (event === "TRANSCRIPT_FINAL_TITLE") {
    data.title = titles[(titles.indexOf(current?.title) + 1) % titles.length];
  } else if (event === "TRANSCRIPT_DURATION") {
    data.duration = Math.round(60 + Math.random() * 3600);
  }

  await post("/dev/simulator/events", { userId: demo.user, event, data });
}

// ---- the live transcript view -------------------------------------------------------------------------------
// What Reflector's transcript page keeps, built from transcriptEvent messages alone (the simulator has no REST
// API for a transcript; a real page would refetch it on resync).
let view = emptyView();
let unsubscribeLive = null;
let liveGeneration = 0;

function emptyView() {
  return {
    text: null,
    translation: null,
    status: null,
    title: null,
    shortSummary: null,
    longSummary: null,
    actionItems: null,
    duration: null,
    waveform: null,
    topics: new Map(),
    note: null,
  };
}

async function openTranscript(transcriptId) {
  transcriptId = transcriptId.trim();
  await closeTranscript();
  if (!transcriptId) {
    return;
  }

  const generation = ++liveGeneration;
  Object.assign(demo.live, { transcriptId, subscribed: false, events: [], refused: null });
  view = emptyView();
  $("#live-id").value = transcriptId;
  $("#live-meta").textContent = `Opening ${transcriptId}…`;
  renderLive();
  try {
    const unsubscribe = await demo.connection.subscribeTranscript(transcriptId, (message) => {
      if (generation === liveGeneration) {
        onTranscriptEvent(message);
      }
    });
    if (generation !== liveGeneration) {
      // Closed, or another transcript opened, while this one was on its way.
      await unsubscribe();
      return;
    }

    unsubscribeLive = unsubscribe;
    demo.live.subscribed = true;
    $("#live-meta").textContent = `Following ${transcriptId}`;
  } catch (error) {
    if (generation !== liveGeneration) {
      return;
    }

    // The relay's own words: not found, not allowed, or too many transcripts on this connection.
    demo.live.refused = error.message;
    demo.live.transcriptId = null;
    $("#live-meta").textContent = "Not following a transcript.";
    log("refused", { transcriptId, message: error.message });
  }

  renderLive();
}

async function closeTranscript() {
  liveGeneration++;
  const unsubscribe = unsubscribeLive;
  unsubscribeLive = null;
  Object.assign(demo.live, { transcriptId: null, subscribed: false, refused: null });
  $("#live-share").hidden = true;
  view = emptyView();
  $("#live-meta").textContent = "Not following a transcript.";
  renderLive();
  await unsubscribe?.();
}

async function createLiveTranscript(shareMode = "private") {
  const response = await post("/dev/simulator/transcripts", { owner: demo.user, shareMode });
  if (!response.ok) {
    demo.live.refused = `The simulator did not create a transcript (${response.status}).`;
    renderLive();
    return;
  }

  const created = await response.json();
  await openTranscript(created.id);
  if (shareMode === "public") {
    // Reflector's share link, as this page opens it for someone without an account.
    const share = $("#live-share");
    share.href = `?viewer=anonymous&protocol=${protocol}&transcript=${encodeURIComponent(created.id)}`;
    share.hidden = false;
  }
}

// What the page does with each kind, as Reflector's transcript page does.
function onTranscriptEvent(message) {
  demo.live.events.push(message);
  log("transcriptEvent", message.type === "waveform" ? { ...message, waveform: `[${message.waveform.length} values]` } : message);
  switch (message.type) {
    case "transcript":
      view.text = message.text;
      view.translation = message.translation ?? null;
      break;
    case "topic":
      // The latest version of a topic replaces the one with its id, in place.
      view.topics.set(message.id, message);
      break;
    case "status":
      view.status = message.status;
      view.note = message.status === "ended" ? "The meeting ended: a page may close the stream now." : null;
      break;
    case "finalTitle":
      view.title = message.title;
      break;
    case "finalShortSummary":
      view.shortSummary = message.shortSummary;
      break;
    case "finalLongSummary":
      view.longSummary = message.longSummary;
      break;
    case "actionItems":
      view.actionItems = message.actionItems;
      break;
    case "duration":
      view.duration = message.duration;
      break;
    case "waveform":
      view.waveform = message.waveform;
      break;
    case "resync": {
      // A real page refetches the transcript and its topics here; the replay that follows refills this view.
      const { status, text, translation } = view;
      view = { ...emptyView(), status, text, translation, note: `Resynced (${message.reason}): refetch, then keep applying events.` };
      break;
    }
  }

  renderLive();
}

function renderLive() {
  const following = demo.live.transcriptId !== null;
  $("#live-view").hidden = !following;
  const error = $("#live-error");
  error.hidden = !demo.live.refused;
  error.textContent = demo.live.refused ?? "";
  renderLiveControls();
  if (!following) {
    $("#live-topics").replaceChildren();
    return;
  }

  $("#live-title").textContent = view.title ?? "Untitled transcript";
  const status = $("#live-status");
  status.dataset.status = view.status ?? "";
  status.textContent = view.status ?? "no status yet";
  $("#live-duration").textContent = view.duration == null ? "–" : formatDuration(view.duration);
  const text = $("#live-text");
  text.textContent = view.text == null ? (view.note ?? "No live text yet.") : view.text + (view.translation ? ` · ${view.translation}` : "");
  text.classList.toggle("muted", view.text == null);
  $("#live-short-summary").textContent = view.shortSummary ?? "–";
  $("#live-long-summary").textContent = view.longSummary ?? "–";
  $("#live-action-items").textContent = view.actionItems == null ? "–" : JSON.stringify(view.actionItems, null, 2);
  drawWaveform(view.waveform);
  if (view.note && demo.live.subscribed) {
    $("#live-meta").textContent = `Following ${demo.live.transcriptId} · ${view.note}`;
  }

  const list = $("#live-topics");
  const items = new Map([...list.children].map((item) => [item.dataset.topicId, item]));
  list.replaceChildren(...[...view.topics.values()].map((topic) => {
    let item = items.get(topic.id);
    const version = JSON.stringify([topic.title, topic.summary, topic.timestamp, topic.duration]);
    if (item?.dataset.version === version) {
      item.classList.remove("fresh");
      return item;
    }

    item ??= document.createElement("li");
    item.dataset.topicId = topic.id;
    item.dataset.version = version;
    item.classList.add("fresh");
    const title = document.createElement("span");
    title.className = "topic-title";
    title.textContent = topic.title;
    const time = document.createElement("span");
    time.className = "topic-time";
    time.textContent = formatDuration(topic.timestamp) + (topic.duration == null ? "" : ` · ${Math.round(topic.duration)} s`);
    const summary = document.createElement("span");
    summary.className = "topic-summary";
    summary.textContent = topic.summary;
    item.replaceChildren(title, time, summary);
    return item;
  }));
}

// Reflector's 255 values, as bars around the middle line, in one SVG path.
function drawWaveform(values) {
  const svg = $("#live-waveform");
  svg.dataset.points = String(values?.length ?? 0);
  if (!values?.length) {
    svg.replaceChildren();
    return;
  }

  const peak = Math.max(...values, 1e-9);
  const step = 255 / values.length;
  const bars = values.map((value, index) => {
    const half = Math.max(0.3, (value / peak) * 19);
    const x = (index * step + step / 2).toFixed(2);
    return `M${x} ${(20 - half).toFixed(2)}V${(20 + half).toFixed(2)}`;
  });
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", bars.join(""));
  svg.replaceChildren(path);
}

function renderLiveControls() {
  $("#live-open-button").disabled = !demo.user && !demo.anonymous;
  $("#live-create").disabled = !demo.user;
  $("#live-create-public").disabled = !demo.user;
  $("#live-close").disabled = demo.live.transcriptId === null;
  for (const button of document.querySelectorAll("[data-live-emit]")) {
    button.disabled = !demo.live.subscribed;
  }
}

const liveStatuses = ["idle", "recording", "processing", "ended"];

async function emitLive(kind) {
  const transcriptId = demo.live.transcriptId;
  if (!transcriptId) {
    return;
  }

  const url = `/dev/simulator/transcripts/${encodeURIComponent(transcriptId)}`;
  const send = (event, data) => post(`${url}/events`, data === undefined ? { event } : { event, data });
  if (kind === "drop") {
    await post(`${url}/drop`);
  } else if (kind === "sample") {
    // Left out data: the simulator makes up the next of its sample meeting's.
    for (const [event, data] of [
      ["STATUS", { value: "recording" }], ["WAVEFORM"], ["TRANSCRIPT"], ["TOPIC"], ["DURATION"], ["TRANSCRIPT"],
      ["TOPIC"], ["DURATION"], ["TOPIC"], ["DURATION"], ["STATUS", { value: "processing" }], ["FINAL_TITLE"],
      ["FINAL_SHORT_SUMMARY"], ["FINAL_LONG_SUMMARY"], ["ACTION_ITEMS"], ["STATUS", { value: "ended" }],
    ]) {
      await send(event, data);
    }
  } else if (kind === "STATUS") {
    await send("STATUS", { value: liveStatuses[(liveStatuses.indexOf(view.status) + 1) % liveStatuses.length] });
  } else if (kind === "TOPIC_UPDATE") {
    const last = [...view.topics.values()].at(-1);
    if (last) {
      await send("TOPIC", {
        id: last.id,
        title: last.title.replace(/( · updated)*$/, " · updated"),
        summary: `${last.summary} (revised)`,
        timestamp: last.timestamp,
        duration: last.duration ?? null,
        transcript: last.transcript,
        segments: last.segments,
      });
    }
  } else {
    await send(kind);
  }
}

// ---- log and helpers ----------------------------------------------------------------------------------------
function log(kind, payload) {
  const item = document.createElement("li");
  const time = document.createElement("span");
  time.className = "time";
  time.textContent = new Date().toLocaleTimeString([], { hour12: false });
  const name = document.createElement("span");
  name.className = `kind ${kind}`;
  name.textContent = kind === "client" ? "client" : kind;
  item.append(time, name, JSON.stringify(payload));
  $("#log").prepend(item);
  while ($("#log").children.length > 60) {
    $("#log").lastElementChild.remove();
  }
}

function post(url, body) {
  return fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body ?? {}) });
}

async function refreshStats() {
  try {
    const response = await fetch("/dev/relay/stats");
    if (response.ok) {
      const stats = await response.json();
      $("#upstream-count").textContent = String(stats.openSockets);
    }
  } catch {
    // The relay is unreachable for a moment; the next poll tries again.
  }
}

for (const button of document.querySelectorAll("[data-user]")) {
  button.addEventListener("click", () => void signIn(button.dataset.user));
}

for (const button of document.querySelectorAll("[data-emit]")) {
  button.addEventListener("click", () => void emit(button.dataset.emit));
}

$("#cut").addEventListener("click", () => void post("/dev/simulator/drop"));
$("#live-open").addEventListener("submit", (event) => {
  event.preventDefault();
  void openTranscript($("#live-id").value);
});
$("#live-create").addEventListener("click", () => void createLiveTranscript());
$("#live-create-public").addEventListener("click", () => void createLiveTranscript("public"));
$("#live-close").addEventListener("click", () => void closeTranscript());
for (const button of document.querySelectorAll("[data-live-emit]")) {
  button.addEventListener("click", () => void emitLive(button.dataset.liveEmit));
}

setInterval(refreshStats, 1000);
void refreshStats();
render();
updateBadge();
if (params.get("viewer") === "anonymous") {
  viewWithoutSignIn();
  if (params.get("transcript")) {
    void openTranscript(params.get("transcript"));
  }
} else if (params.get("user")) {
  void signIn(params.get("user")).then(() => params.get("transcript") && openTranscript(params.get("transcript")));
}
