// The demo page: the built TypeScript client (relay-client.js) plus a transcript list that, like Reflector's
// frontend, refetches on every invalidate. Query parameters: user=alice, protocol=messagepack, ttl=<token seconds>.
import { connectUserEvents, TRANSCRIPT_STATUS_VALUES } from "./relay-client.js";

const params = new URLSearchParams(location.search);
const protocol = params.get("protocol") === "messagepack" ? "messagepack" : "json";
const tokenSeconds = Number(params.get("ttl") ?? 3600);
const titles = ["Weekly product sync", "Quarterly planning review", "Customer onboarding call", "Design critique: settings page"];

// Everything a test or a curious reader may want to look at, in one place.
const demo = {
  user: null,
  protocol,
  badgeHistory: [],
  messages: [],
  tokensIssued: 0,
  tokenExpiresAt: null,
  connectionIds: [],
  listLoads: 0,
  connection: null,
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
  if (!demo.user) {
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
setInterval(refreshStats, 1000);
void refreshStats();
render();
updateBadge();
if (params.get("user")) {
  void signIn(params.get("user"));
}
