"""A TCP proxy in front of the test Bolt server, to make a server look down to a client that is connected.

A store opened through :class:`TcpProxy` (``bolt://127.0.0.1:<proxy port>``) works as usual; then
:meth:`TcpProxy.refuse` cuts its connections and refuses new ones (a server that went down),
:meth:`TcpProxy.hang` accepts connections but never answers (a server or network that does not respond),
:meth:`TcpProxy.cut` only cuts the open connections (a live server dropping pooled connections) and
:meth:`TcpProxy.forward` makes it pass traffic again. The shared server itself is never stopped.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType

__all__ = ["TcpProxy"]


class TcpProxy:
    """Forwards ``127.0.0.1:<port>`` to ``host:port``; a context manager that closes everything."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []  # every connection, to cut them
        self._mode = "forward"
        self._listener: socket.socket | None = None
        self.port = self._listen(0)

    @property
    def uri(self) -> str:
        """The Bolt URI of the proxy."""
        return f"bolt://127.0.0.1:{self.port}"

    def _listen(self, port: int) -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        listener.settimeout(0.05)  # a closed listener is noticed: close() does not wake a thread in accept()
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return int(listener.getsockname()[1])

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                if self._listener is listener:
                    continue
                return
            except OSError:  # the listener was closed
                return
            client.settimeout(None)
            with self._lock:
                self._sockets.append(client)
                mode = self._mode
            if mode == "hang":
                continue  # accepted, never answered
            try:
                server = socket.create_connection(self._target, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets.append(server)
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        """Cut every open connection (new ones are still taken as the mode says)."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def refuse(self) -> None:
        """Cut every connection and refuse new ones: the port is closed."""
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # Linux: wakes the thread in accept()
            listener.close()
        self.cut()

    def hang(self) -> None:
        """Cut every connection; accept new ones but never answer them."""
        with self._lock:
            self._mode = "hang"
        if self._listener is None:
            self._listen(self.port)
        self.cut()

    def forward(self) -> None:
        """Pass traffic to the server again (on the same port)."""
        with self._lock:
            self._mode = "forward"
        if self._listener is None:
            self._listen(self.port)

    def close(self) -> None:
        """Stop listening and cut every connection."""
        self.refuse()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
