"""The server's listening socket, opened before the server starts, and its address.

Binding here rather than inside uvicorn turns "address already in use" into
one clear :class:`~mnistlab.errors.ConfigError` instead of a log line and a
bare exit, and lets worker processes share the one socket.
"""

from __future__ import annotations

import socket

from mnistlab.errors import ConfigError

__all__ = ["BACKLOG", "listen", "url"]

#: Connections the system queues before the server accepts them.
BACKLOG = 128


def listen(host: str, port: int) -> socket.socket:
    """Open the listening socket, or say in one line why it cannot be opened.

    The socket is inheritable, so that worker processes started later serve on it.

    Parameters
    ----------
    host : str
        A name or address to listen on, e.g. ``"127.0.0.1"`` or ``"::1"``.
    port : int
        The TCP port, 0 to 65535; 0 asks the system for a free one.

    Returns
    -------
    socket.socket
        Bound and listening; the caller closes it.

    Raises
    ------
    ConfigError
        If the port is out of range, the address cannot be resolved, or the
        port is taken or not allowed.

    Example
    -------
    >>> with listen("127.0.0.1", 0) as sock:
    ...     sock.getsockname()[1] > 0
    True
    """
    if not 0 <= port <= 65535:
        raise ConfigError(f"port {port} is not a TCP port; choose one from 0 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot listen on {host!r}: {exc.strerror}; check --host") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port"
        ) from None
    sock.set_inheritable(True)
    return sock


def url(host: str, port: int) -> str:
    """The address of the page served on ``host`` and ``port``, IPv6 hosts in brackets.

    Example
    -------
    >>> url("::1", 8000)
    'http://[::1]:8000/'
    """
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"
