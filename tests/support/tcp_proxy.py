"""A TCP proxy on loopback that a test can cut and restore, to break the app's database
connections the way a crashed or unreachable server does.

    proxy = TcpProxy("127.0.0.1", 5432).start()   # connect the app to 127.0.0.1:proxy.port
    proxy.cut()       # close every open connection; new ones are accepted and closed at once
    proxy.restore()   # forward new connections again
    proxy.stop()
"""
from __future__ import annotations

import socket
import threading

HOST = "127.0.0.1"
CHUNK = 65536


def _close(sock: socket.socket) -> None:
    """Shut a socket down both ways (waking any thread blocked on it) and close it."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class TcpProxy:
    """Forwards connections from 127.0.0.1:<port> to an upstream address, until cut."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self._listener = socket.create_server((HOST, 0))
        self._listener.settimeout(0.1)
        self._lock = threading.Lock()
        self._pairs: set[tuple[socket.socket, socket.socket]] = set()
        self._open = True
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="tcp-proxy", daemon=True)
        self.accepted = 0
        self.refused = 0

    @property
    def port(self) -> int:
        """The port the proxy listens on."""
        return self._listener.getsockname()[1]

    def start(self) -> TcpProxy:
        """Start accepting connections."""
        self._thread.start()
        return self

    def cut(self) -> None:
        """Close every forwarded connection and refuse new ones until `restore`."""
        with self._lock:
            self._open = False
            pairs, self._pairs = self._pairs, set()
        for client, upstream in pairs:
            _close(client)
            _close(upstream)

    def restore(self) -> None:
        """Forward new connections again."""
        with self._lock:
            self._open = True

    def stop(self) -> None:
        """Cut everything and stop listening (idempotent)."""
        self._stopped.set()
        self.cut()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._listener.close()

    def _accept_loop(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._forward(client)

    def _forward(self, client: socket.socket) -> None:
        with self._lock:
            is_open = self._open
        if not is_open:
            self.refused += 1
            _close(client)
            return
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            _close(client)
            return
        upstream.settimeout(None)
        client.settimeout(None)
        with self._lock:
            if not self._open:  # cut while connecting
                _close(client)
                _close(upstream)
                return
            self._pairs.add((client, upstream))
            self.accepted += 1
        for source, target in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(source, target, (client, upstream)), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, pair: tuple[socket.socket, socket.socket]) -> None:
        """Copy bytes one way until either side closes; then close both."""
        try:
            while True:
                data = source.recv(CHUNK)
                if not data:
                    break
                target.sendall(data)
        except OSError:
            pass
        with self._lock:
            self._pairs.discard(pair)
        _close(source)
        _close(target)
