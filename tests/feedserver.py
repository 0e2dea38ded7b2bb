"""A real HTTP server on 127.0.0.1 for feed tests: programmable routes, recorded requests.

Standard library only (http.server in a thread). Routes are plain functions from the request to a
Response, so a test states exactly what the server does: serve with validators, fail N times, hang,
send 50 MB, send a gzip bomb, redirect in a loop.
"""

from __future__ import annotations

import gzip
import hashlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    received_at: float = field(default_factory=time.monotonic)  # when the server got it


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterator[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before sending anything


Route = Callable[[Request], Response]


class _QuietServer(ThreadingHTTPServer):
    """A client hanging up (timeouts, caps, closed keep-alive connections) is expected here, not an error."""

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class FeedServer:
    """`server.route("/feed.xml", handler)`; `server.url("/feed.xml")`; `server.requests`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        if not host.startswith("127."):
            raise ValueError("the feed server binds loopback addresses only")
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                request = Request(self.path, {k.lower(): v for k, v in self.headers.items()})
                server.requests.append(request)
                route = server.routes.get(self.path.split("?")[0])
                response = route(request) if route else Response(404, b"not here")
                if response.delay and server.stopping.wait(response.delay):
                    return
                self.send_response(response.status)
                body = response.body
                if isinstance(body, bytes):
                    response.headers.setdefault("Content-Length", str(len(body)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                if not isinstance(body, bytes):
                    self.send_header("Connection", "close")
                self.end_headers()
                try:
                    if isinstance(body, bytes):
                        self.wfile.write(body)
                    else:
                        for chunk in body:
                            if server.stopping.is_set():
                                break
                            self.wfile.write(chunk)
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = _QuietServer((host, 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def route(self, path: str, handler: Route) -> str:
        self.routes[path] = handler
        return self.url(path)

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path.split("?")[0] == path]


def conditional(body_of: Callable[[], bytes], *, honour_validators: bool = True,
                content_type: str = "application/rss+xml", extra: dict[str, str] | None = None) -> Route:
    """Serve a body with ETag and Last-Modified, answering 304 when the client's validators match."""
    modified = formatdate(time.time() - 3600, usegmt=True)

    def handler(request: Request) -> Response:
        body = body_of()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = {"Content-Type": content_type, "ETag": etag, "Last-Modified": modified, **(extra or {})}
        if honour_validators and request.headers.get("if-none-match") == etag:
            return Response(304, b"", {"ETag": etag})
        return Response(200, body, headers)

    return handler


def fail_then(failures: list[Response], then: Route) -> Route:
    """Answer with each failure once, in order, then hand over to `then`."""
    pending = list(failures)

    def handler(request: Request) -> Response:
        return pending.pop(0) if pending else then(request)

    return handler


def gzip_bomb(decompressed_bytes: int) -> bytes:
    """A small gzip body that inflates to `decompressed_bytes` of zeros."""
    return gzip.compress(b"\0" * decompressed_bytes, compresslevel=9)


def endless(chunk: bytes = b"x" * 65536, total: int = 50 * 1024 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield chunk
        sent += len(chunk)


def rss(*items: tuple[str, str, str], title: str = "Test feed", ttl: int | None = None) -> bytes:
    """An RSS 2.0 body with items given as (guid, title, description)."""
    entries = "".join(
        f"<item><guid isPermaLink=\"false\">{guid}</guid><title>{headline}</title><link>http://example.org/{guid}</link>"
        f"<description>{text}</description><pubDate>Tue, 03 Mar 2026 10:00:00 GMT</pubDate></item>"
        for guid, headline, text in items
    )
    ttl_element = f"<ttl>{ttl}</ttl>" if ttl else ""
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.org/</link>{ttl_element}{entries}</channel></rss>").encode()
