"""A TCP relay on loopback in front of a real store that cuts every connection once a number of request bytes
has gone through: a network failure in the middle of a publish, at a chosen point."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class CuttingProxy:
    """Relay 127.0.0.1:<port> to ``upstream``; after ``limit`` bytes sent upstream (all connections together)
    the connection is closed mid-request, and later connections are closed at once."""

    def __init__(self, upstream: tuple[str, int], limit: int) -> None:
        self.upstream = upstream
        self.limit = limit
        self.sent = 0
        self.cut = False
        self.lock = threading.Lock()
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if self.cut:
                client.close()
                continue
            upstream = socket.create_connection(self.upstream)
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, counted: bool) -> None:
        try:
            while True:
                data = source.recv(4096)
                if not data:
                    break
                if counted:
                    with self.lock:
                        room = self.limit - self.sent
                        self.sent += len(data)
                        if room <= len(data):
                            self.cut = True
                    if self.cut:
                        sink.sendall(data[: max(room, 0)])
                        break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self) -> None:
        self.closed = True
        self.server.close()


@contextmanager
def cutting_proxy(url: str, limit: int) -> Iterator[tuple[str, CuttingProxy]]:
    """The base URL of a :class:`CuttingProxy` in front of ``url`` (``http://127.0.0.1:PORT``)."""
    host, port = url.removeprefix("http://").split(":")
    proxy = CuttingProxy((host, int(port)), limit)
    try:
        yield f"http://127.0.0.1:{proxy.port}", proxy
    finally:
        proxy.close()
