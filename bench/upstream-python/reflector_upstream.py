"""A Reflector-shaped upstream for the benchmark: the user-events WebSocket built the way Reflector's API builds it.

Reflector's server (server/reflector/views/user_websocket.py, ws_manager.py) is a FastAPI app under uvicorn: the
`/v1/events` endpoint reads the JWT from the `bearer` subprotocol, verifies it with PyJWT, accepts with `bearer`,
and puts the socket in the Redis pub/sub room `user:{id}`; workers PUBLISH events to that room, and the API
process's subscriber forwards each one to the room's sockets. This module does the same with Debian's packages
(python3-fastapi, -uvicorn, -websockets, -redis, -jwt; uvloop and httptools, as uvicorn[standard] brings in), so
the bench can put the relay in front of an upstream whose cost per socket is a Python server's.

What it leaves out, and why: the user database (Reflector looks the user up, and creates it, on every handshake;
here the room is named by the token's `sub` alone), API keys (never accepted on WebSockets anyway), the password
backend's HS256 tokens (the bench's tokens are RS256), and the per-transcript endpoint. One departure from
Reflector on purpose: Reflector cancels a room's reader when the socket that opened the room leaves, even if
others remain; here a room is served until its last socket leaves, so `direct` tabs of one user all keep
receiving.

Run: /usr/bin/python3 reflector_upstream.py --port N --redis-port N --public-key-file PATH [--audience reflector]
Dev endpoint for the bench: GET /dev/stats (open sockets, handshakes accepted and refused, events received from Redis
and frames sent).
"""

import argparse
import asyncio
import json
import logging

import jwt
import redis.asyncio as redis
import uvicorn
from fastapi import FastAPI, WebSocket
from starlette.websockets import WebSocketDisconnect

# Reflector's close code for a refused handshake; closing before accept reaches the client as HTTP 403.
UNAUTHORISED = 4401

log = logging.getLogger("reflector-upstream")


class Rooms:
    """One Redis pub/sub connection for the process, a room per user, one reader forwarding to the rooms' sockets."""

    def __init__(self, host: str, port: int):
        self._redis = redis.Redis(host=host, port=port)
        self._pubsub = self._redis.pubsub()
        self._rooms: dict[str, list[WebSocket]] = {}
        self._subscribed = asyncio.Event()
        self._reader: asyncio.Task | None = None
        self.published = 0
        self.frames = 0

    async def connect(self) -> None:
        # Once, before any socket: redis-py 4.3's PubSub.connect() awaits the pool before it stores the connection, so
        # the first subscribes of a connect storm would each open a connection of their own and all but the last
        # would never be read (their rooms' events lost).
        await self._pubsub.connect()

    @property
    def open_sockets(self) -> int:
        return sum(len(sockets) for sockets in self._rooms.values())

    async def join(self, room: str, websocket: WebSocket) -> None:
        sockets = self._rooms.get(room)
        if sockets is not None:
            sockets.append(websocket)
            return
        self._rooms[room] = [websocket]
        # The first socket of a room subscribes it, as Reflector's add_user_to_room does.
        await self._pubsub.subscribe(room)
        self._subscribed.set()
        if self._reader is None:
            self._reader = asyncio.create_task(self._read())

    async def leave(self, room: str, websocket: WebSocket) -> None:
        sockets = self._rooms.get(room)
        if sockets is None:
            return
        sockets.remove(websocket)
        if not sockets:
            del self._rooms[room]
            await self._pubsub.unsubscribe(room)

    async def _read(self) -> None:
        while True:
            if not self._pubsub.subscribed:
                # redis-py refuses to read a pub/sub with no channel: wait for the next room.
                self._subscribed.clear()
                await self._subscribed.wait()
                continue
            try:
                # As Reflector's reader: poll with a 1 s timeout, so an idle process does not spin.
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            except Exception:  # noqa: BLE001 - a lost Redis connection: log, back off, keep serving sockets
                log.exception("pub/sub read failed")
                await asyncio.sleep(1)
                continue
            if message is None:
                continue
            self.published += 1
            room = message["channel"].decode("utf-8")
            # Sequential sends, and the message parsed and serialised again for every socket, as Reflector's reader
            # does (json.loads, then send_json: compact in the Starlette Reflector runs, spaced in Debian's older one,
            # hence the explicit separators): the cost of a fan-out in the real server, which the bench wants to see.
            for websocket in list(self._rooms.get(room, ())):
                try:
                    text = json.dumps(json.loads(message["data"]), separators=(",", ":"), ensure_ascii=False)
                    await websocket.send_text(text)
                    self.frames += 1
                except Exception:  # noqa: BLE001 - that socket is closing; its own handler removes it
                    pass

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        await self._pubsub.close()
        await self._redis.close()


def parse_bearer(websocket: WebSocket) -> str | None:
    """The token from `Sec-WebSocket-Protocol: bearer, <token>`, as Reflector's parse_ws_bearer_token reads it."""
    parts = [part.strip() for part in (websocket.headers.get("sec-websocket-protocol") or "").split(",") if part.strip()]
    return parts[1] if len(parts) >= 2 and parts[0].lower() == "bearer" else None


def create_app(public_key: str, audience: str, redis_host: str, redis_port: int) -> FastAPI:
    app = FastAPI()
    stats = {"accepted": 0, "refused": 0}
    rooms: Rooms | None = None

    @app.on_event("startup")
    async def start() -> None:
        nonlocal rooms
        rooms = Rooms(redis_host, redis_port)
        await rooms.connect()

    @app.on_event("shutdown")
    async def stop() -> None:
        if rooms is not None:
            await rooms.close()

    def subject_of(token: str) -> str | None:
        # The checks the C# simulator makes (Reflector's jwt backend): RS256, the audience, an expiry, no clock
        # skew, a string `sub`, and an `email` claim.
        try:
            payload = jwt.decode(token, public_key, algorithms=["RS256"], audience=audience, options={"require": ["exp"]})
        except jwt.PyJWTError:
            return None
        sub = payload.get("sub")
        return sub if isinstance(sub, str) and sub and "email" in payload else None

    @app.websocket("/v1/events")
    async def user_events(websocket: WebSocket) -> None:
        token = parse_bearer(websocket)
        user = subject_of(token) if token else None
        if user is None:
            stats["refused"] += 1
            await websocket.close(code=UNAUTHORISED)
            return

        room = f"user:{user}"
        await websocket.accept(subprotocol="bearer")
        stats["accepted"] += 1
        await rooms.join(room, websocket)
        try:
            # Reflector expects nothing from the client; reading only notices the close.
            while (await websocket.receive())["type"] != "websocket.disconnect":
                pass
        except (RuntimeError, WebSocketDisconnect):
            pass
        finally:
            await rooms.leave(room, websocket)

    @app.get("/dev/stats")
    async def dev_stats() -> dict:
        # The names the bench reads from the C# simulator's /dev/stats.
        return {
            "totalOpenSockets": rooms.open_sockets if rooms else 0,
            "transcriptOpenSockets": 0,
            "handshakesAccepted": stats["accepted"],
            "handshakesRefused": stats["refused"],
            "eventsReceived": rooms.published if rooms else 0,
            "framesSent": rooms.frames if rooms else 0,
        }

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-host", default="127.0.0.1")
    parser.add_argument("--redis-port", type=int, required=True)
    parser.add_argument("--public-key-file", required=True)
    parser.add_argument("--audience", default="reflector")
    args = parser.parse_args()
    with open(args.public_key_file, encoding="ascii") as key:
        public_key = key.read()

    app = create_app(public_key, args.audience, args.redis_host, args.redis_port)
    # As `uvicorn reflector.app:app` with uvicorn[standard]: one process, uvloop, httptools, the websockets library
    # (which pings every 20 s). The backlog is raised for the bench's connect storms, which a default of 2048
    # would turn into refused connects rather than queued ones.
    uvicorn.run(app, host="127.0.0.1", port=args.port, ws="websockets", loop="auto", http="auto",
                log_level="warning", access_log=False, backlog=16384)


if __name__ == "__main__":
    main()
