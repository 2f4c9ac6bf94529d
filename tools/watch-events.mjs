#!/usr/bin/env node
// Prints what one user's browser would receive from the relay, one line per message.
//
//   node --experimental-websocket tools/watch-events.mjs <user> [relayUrl] [simulatorUrl]
//
// Gets a token for <user> from the simulated Reflector (POST /dev/tokens), connects to the relay's
// hub with it and prints every `invalidate` and `upstreamStatus` it receives. With RELAY_TOKEN set,
// that token is used instead and no simulator is needed (a real Reflector's token, for instance).
//
// No dependencies: Node 20's fetch, its WebSocket (behind --experimental-websocket; built in from
// Node 22), and SignalR's JSON hub protocol spoken by hand.

const RECORD_SEPARATOR = '\x1e';
const PING_INTERVAL_MS = 15_000; // the server drops a client it has not heard from in 30 s

const MessageType = { Invocation: 1, Ping: 6, Close: 7 };

const [user, relayUrl = 'http://127.0.0.1:5250', simulatorUrl = 'http://127.0.0.1:5251'] = process.argv.slice(2);
if (!user) {
  console.error('usage: node --experimental-websocket tools/watch-events.mjs <user> [relayUrl] [simulatorUrl]');
  process.exit(2);
}
if (typeof WebSocket === 'undefined') {
  console.error('No WebSocket in this Node: run it with --experimental-websocket (Node 20/21) or use Node 22+.');
  process.exit(2);
}

const hubUrl = new URL('/hubs/user-events', relayUrl);

try {
  const token = process.env.RELAY_TOKEN || (await devToken(user));
  const connectionToken = await negotiate(token);
  watch(connectionToken, token);
} catch (error) {
  console.error(`watch-events: ${error.message}`);
  process.exit(1);
}

async function devToken(sub) {
  const response = await send(new URL('/dev/tokens', simulatorUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ sub }),
  });
  if (!response.ok) {
    throw new Error(`POST ${simulatorUrl}/dev/tokens answered ${response.status}`);
  }
  return (await response.json()).token;
}

async function negotiate(token) {
  const url = new URL(`${hubUrl.pathname}/negotiate`, hubUrl);
  url.searchParams.set('negotiateVersion', '1');
  const response = await send(url, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  if (response.status === 401) {
    throw new Error('the relay refused the token (401): is it signed with the key the relay trusts?');
  }
  if (!response.ok) {
    throw new Error(`negotiate answered ${response.status}`);
  }
  const body = await response.json();
  if (!body.availableTransports?.some((t) => t.transport === 'WebSockets')) {
    throw new Error('the relay does not offer WebSockets');
  }
  return body.connectionToken;
}

async function send(url, init) {
  try {
    return await fetch(url, init);
  } catch (error) {
    const cause = error.cause?.code ?? error.cause?.message ?? error.message;
    throw new Error(`cannot reach ${url.origin} (${cause}): is it running?`);
  }
}

function watch(connectionToken, token) {
  const url = new URL(hubUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('id', connectionToken);
  url.searchParams.set('access_token', token); // browsers cannot send headers on a WebSocket
  const socket = new WebSocket(url);
  let handshakeDone = false;
  let stopping = false;
  let pinger;

  socket.addEventListener('open', () => {
    socket.send(JSON.stringify({ protocol: 'json', version: 1 }) + RECORD_SEPARATOR);
  });

  socket.addEventListener('message', (event) => {
    if (typeof event.data !== 'string') {
      return; // the JSON protocol only sends text
    }
    for (const frame of event.data.split(RECORD_SEPARATOR)) {
      if (frame.length === 0) {
        continue;
      }
      const message = JSON.parse(frame);
      if (!handshakeDone) {
        if (message.error) {
          console.error(`watch-events: handshake refused: ${message.error}`);
          socket.close();
          return;
        }
        handshakeDone = true;
        pinger = setInterval(() => socket.send(JSON.stringify({ type: MessageType.Ping }) + RECORD_SEPARATOR), PING_INTERVAL_MS);
        console.error(`watch-events: connected to ${hubUrl} as ${user}; waiting for events (Ctrl+C to stop)`);
        continue;
      }
      switch (message.type) {
        case MessageType.Invocation:
          if (message.target === 'invalidate' || message.target === 'upstreamStatus') {
            console.log(`${message.target} ${JSON.stringify(message.arguments[0])}`);
          }
          break;
        case MessageType.Ping:
          break; // the server's keep-alive; our own pings go out on the timer
        case MessageType.Close:
          console.error(`watch-events: the relay closed the connection${message.error ? `: ${message.error}` : ''}`);
          socket.close();
          break;
        default:
          break;
      }
    }
  });

  socket.addEventListener('close', (event) => {
    clearInterval(pinger);
    console.error(`watch-events: disconnected (${event.code})`);
    process.exit(event.code === 1000 && stopping ? 0 : 1);
  });

  socket.addEventListener('error', () => {
    // 'close' follows with the code; nothing more to report here.
  });

  const stop = () => {
    stopping = true;
    socket.close(1000);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
