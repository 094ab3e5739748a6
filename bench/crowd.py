"""Many open but quiet chats at little cost to the client: raw Engine.IO v4 / Socket.IO v5 over asyncio.

A browser tab with the chat open holds one Socket.IO session and answers the server's pings; so does each
member of a `Crowd`, over a websocket or by long-polling, joining the default namespace (so the server
greets it) and otherwise staying quiet. Thousands fit in one thread of the benchmark's process, where as
many python-socketio clients would need thousands of threads. Loopback only; `stop()` closes them all.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
from dataclasses import dataclass, field
from enum import Enum

PATH = "/socket.io/"
RECORD_SEPARATOR = b"\x1e"  # between Engine.IO packets in one long-polling response


class Transport(Enum):
    WEBSOCKET = "websocket"
    POLLING = "polling"


class Refused(Exception):
    """The server turned the handshake down (Engine.IO answers 401 with a JSON reason)."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"{status} {body[:200]!r}")
        self.status = status
        try:
            self.reason = json.loads(body or b"{}")
        except ValueError:
            self.reason = {}


@dataclass
class CrowdReport:
    opened: dict[Transport, int] = field(default_factory=lambda: dict.fromkeys(Transport, 0))
    refused: list[dict] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def total_opened(self) -> int:
        return sum(self.opened.values())


def _client_frame(text: str, opcode: int = 0x1) -> bytes:
    """One masked websocket frame (clients must mask)."""
    payload, mask = text.encode(), os.urandom(4)
    if len(payload) < 126:
        header = bytes([0x80 | opcode, 0x80 | len(payload)])
    else:
        header = bytes([0x80 | opcode, 0x80 | 126]) + len(payload).to_bytes(2, "big")
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def _server_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    first, second = await reader.readexactly(2)
    length = second & 0x7F
    if length == 126:
        length = int.from_bytes(await reader.readexactly(2), "big")
    elif length == 127:
        length = int.from_bytes(await reader.readexactly(8), "big")
    return first & 0x0F, await reader.readexactly(length)


async def _body(reader: asyncio.StreamReader, head: bytes) -> bytes:
    """The body after `head`: by its Content-Length, or chunked (gunicorn chunks when there is none)."""
    headers = {k.strip(): v.strip() for k, _, v in (line.partition(b":") for line in head.lower().splitlines()[1:])}
    if b"content-length" in headers:
        return await reader.readexactly(int(headers[b"content-length"]))
    body = b""
    while size := int((await reader.readline()).strip() or b"0", 16):
        body += await reader.readexactly(size)
        await reader.readline()  # the CRLF after each chunk
    return body


class Crowd:
    """Open Socket.IO sessions held by an asyncio loop on a thread of its own."""

    def __init__(self, host: str, port: int, source: str | None = None) -> None:
        self.host, self.port = host, port
        self.source = source  # a loopback address to connect from (127.0.0.2, ...), for per-address limits
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="crowd", daemon=True)
        self._thread.start()
        self._tasks: set[asyncio.Task] = set()

    def open(self, websockets: int = 0, polling: int = 0, at_once: int = 100, timeout: float = 300) -> CrowdReport:
        """Open this many more sessions (at most `at_once` handshakes in flight); returns, once each is greeted,
        refused or failed, what became of them. The sessions opened stay open until `stop()`."""
        report = CrowdReport()
        future = asyncio.run_coroutine_threadsafe(self._open(report, websockets, polling, at_once), self._loop)
        try:
            future.result(timeout)
        except TimeoutError:
            future.cancel()  # open no more; the sessions already started end with `stop()`
            raise
        return report

    def stop(self) -> None:
        async def cancel() -> None:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(cancel(), self._loop).result(60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _open(self, report: CrowdReport, websockets: int, polling: int, at_once: int) -> None:
        gate = asyncio.Semaphore(at_once)
        greeted = []
        for transport, count in ((Transport.WEBSOCKET, websockets), (Transport.POLLING, polling)):
            for _ in range(count):
                ready = self._loop.create_future()
                await gate.acquire()
                ready.add_done_callback(lambda _: gate.release())
                task = self._loop.create_task(self._session(report, transport, ready))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                greeted.append(ready)
        await asyncio.gather(*greeted)

    async def _session(self, report: CrowdReport, transport: Transport, ready: asyncio.Future) -> None:
        try:
            if transport is Transport.WEBSOCKET:
                await self._websocket(report, ready)
            else:
                await self._polling(report, ready)
        except Refused as refusal:
            report.refused.append(refusal.reason)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # counted and shown by the caller
            report.failed.append(f"{transport.value}: {error!r}")
        finally:
            if not ready.done():
                ready.set_result(None)

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(
            self.host, self.port, local_addr=(self.source, 0) if self.source else None, limit=1 << 20
        )

    async def _websocket(self, report: CrowdReport, ready: asyncio.Future) -> None:
        reader, writer = await self._connect()
        try:
            key = base64.b64encode(os.urandom(16)).decode()
            writer.write(
                f"GET {PATH}?EIO=4&transport=websocket HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n".encode()
            )
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            if status != 101:
                raise Refused(status, await _body(reader, head))
            while True:
                opcode, payload = await _server_frame(reader)
                if opcode == 0x8:  # close
                    return
                if opcode == 0x9:  # a websocket ping (Engine.IO pings are its own packets)
                    writer.write(_client_frame(payload.decode(), 0xA))
                elif payload.startswith(b"0"):  # Engine.IO open: join the default namespace
                    writer.write(_client_frame("40"))
                elif payload.startswith(b"40") and not ready.done():
                    report.opened[Transport.WEBSOCKET] += 1
                    ready.set_result(None)
                elif payload == b"2":
                    writer.write(_client_frame("3"))
        finally:
            writer.close()

    async def _request(self, method: str, query: str, body: bytes = b"") -> tuple[int, bytes]:
        """One HTTP/1.0 request on a connection of its own (the response ends when the server closes)."""
        reader, writer = await self._connect()
        try:
            writer.write(
                f"{method} {PATH}?EIO=4&transport=polling&{query} HTTP/1.0\r\nHost: {self.host}:{self.port}\r\n"
                f"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
            )
            response = await reader.read()
        finally:
            writer.close()
        head, _, payload = response.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), payload

    async def _polling(self, report: CrowdReport, ready: asyncio.Future) -> None:
        status, body = await self._request("GET", "")
        if status != 200:
            raise Refused(status, body)
        sid = json.loads(body[1:])["sid"]
        await self._request("POST", f"sid={sid}", b"40")
        while True:  # each GET is held by the server until it has packets, or a ping every 25 s
            status, body = await self._request("GET", f"sid={sid}")
            if status != 200:
                raise ConnectionError(f"poll {status} {body[:100]!r}")
            for packet in body.split(RECORD_SEPARATOR):
                if packet.startswith(b"40") and not ready.done():
                    report.opened[Transport.POLLING] += 1
                    ready.set_result(None)
                elif packet == b"2":
                    await self._request("POST", f"sid={sid}", b"3")
                elif packet.startswith(b"1"):  # the server closed the session
                    return
