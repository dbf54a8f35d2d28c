"""What every reference emulator in this folder shares, so that each
emulator file holds only its API: the HTTP server on loopback, the request
as the API code reads it, answers raised from anywhere, JSON bodies,
credential checks, paging parameters and the request log.

Standard library only: the emulators run wherever `python3` does, with
nothing to install. Every request is handled under one lock, so the API
code reads and changes its state without races (the emulators are for
tests, not for throughput).

Usage, in an emulator file started as `python3 name.py PORT`:

    from emulator import Reply, serve

    def route(request):
        request.require("Authorization", {"Bearer t"}, Reply(401, {...}))
        body = request.json(Reply(400, {"message": "Malformed JSON"}))
        ...
        raise Reply(200, {"ok": True})

    if __name__ == "__main__":
        serve("example-reference", route)
"""

import base64
import binascii
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

LOCK = threading.Lock()


class Reply(Exception):
    """A finished answer, raised from anywhere in the API code: a status,
    a body (JSON unless bytes; none when None) and extra headers."""

    def __init__(self, status, body=None, headers=None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class Request:
    """One request: `method`, `path` (as sent, query included), `parts`
    (the path's segments, percent-decoded when the server asks), `query`
    (lists of values by name), `headers` and the raw body."""

    def __init__(self, handler, decode_parts):
        split = urlsplit(handler.path)
        self.method = handler.command
        self.path = handler.path
        self.path_only = split.path
        self.query = parse_qs(split.query, keep_blank_values=True)
        parts = [p for p in split.path.split("/") if p]
        self.parts = [unquote(p) for p in parts] if decode_parts else parts
        self.headers = handler.headers
        length = int(handler.headers.get("Content-Length") or 0)
        self.raw = handler.rfile.read(length) if length else b""
        host = handler.headers.get("Host") or f"127.0.0.1:{handler.server.server_address[1]}"
        self._base = f"http://{host}"

    def base(self):
        """`http://host:port` as the client addressed the server, for links."""
        return self._base

    def json(self, malformed):
        """The body as JSON (`{}` when empty); `malformed` is raised when
        it is not JSON."""
        try:
            return json.loads(self.raw) if self.raw else {}
        except ValueError:
            raise malformed

    def require(self, header, accepted, refused):
        """Raises `refused` unless `header` holds one of `accepted`."""
        if (self.headers.get(header) or "") not in accepted:
            raise refused

    def arg(self, name, default=None):
        """The first value of query parameter `name`."""
        return self.query.get(name, [default])[0]

    def ints(self, invalid, **defaults):
        """[`int_args`] of this request's query."""
        return int_args(self.query, invalid, **defaults)


def int_args(query, invalid, **defaults):
    """The paging parameters named in `defaults` (`limit=20, offset=0`) as
    integers, their default when absent; `invalid` is raised for one that
    is not a number."""
    try:
        return [int(query.get(name, [str(default)])[0]) for name, default in defaults.items()]
    except ValueError:
        raise invalid


def cursor(key):
    """An opaque page token naming the last item listed (`key`, a tuple of
    strings): the next page resumes after it, so items deleted meanwhile
    do not shift it, as with providers whose tokens are cursors."""
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def after_cursor(token, refused):
    """The key a `cursor` token names; raises `refused` for any other token."""
    try:
        key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error):
        raise refused from None
    if not isinstance(key, list) or not all(isinstance(k, str) for k in key):
        raise refused
    return tuple(key)


def serve(name, route, decode_parts=False, extra_headers=None):
    """Serves `route(request)` on 127.0.0.1 at the port given as the first
    argument until killed. `route` answers by raising `Reply`; a route that
    returns instead is a 404. `extra_headers()` adds headers to every
    answer (a request id)."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = f"{name}/1"
        # Headers and body go out in two writes: without this, Nagle and
        # delayed ACKs hold each answer ~40 ms.
        disable_nagle_algorithm = True

        def log_message(self, fmt, *args):
            sys.stderr.write("%s %s\n" % (self.command, fmt % args))

        def handle_any(self):
            request = Request(self, decode_parts)
            try:
                with LOCK:
                    route(request)
                raise Reply(404, {"code": 404, "message": "Not Found"})
            except Reply as reply:
                self.answer(reply)

        def answer(self, reply):
            if reply.body is None:
                payload = b""
            elif isinstance(reply.body, bytes):
                payload = reply.body
            else:
                payload = json.dumps(reply.body).encode()
            self.send_response(reply.status)
            for header, value in reply.headers.items():
                self.send_header(header, value)
            if payload and not isinstance(reply.body, bytes):
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for header, value in (extra_headers() if extra_headers else {}).items():
                self.send_header(header, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

    port = int(sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"{name} listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()
