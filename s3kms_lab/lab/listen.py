"""Where the lab listens: a loopback address only, checked after name resolution, bound once.

A host name is resolved once; every address it resolves to must be loopback (``127.0.0.0/8`` or ``::1``),
so a name such as ``127.attacker.example`` that only *looks* like loopback is refused by what it resolves
to. The socket is then bound to the resolved address (not to the name again), so a second lookup cannot
answer differently.
"""
from __future__ import annotations

import errno
import ipaddress
import socket

from ..i18n import _
from .errors import LabHostError, LabPortInUse

__all__ = ["literal_non_loopback", "resolve_loopback", "bind_listening_socket"]


def literal_non_loopback(host: str) -> bool:
    """True when ``host`` is an IP address literal that is not loopback (refusable without a lookup)."""
    try:
        return not ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def resolve_loopback(host: str) -> str:
    """The address to bind for ``host``: the first address it resolves to, if *all* are loopback.

    Raises :class:`LabHostError` when the name does not resolve or any address it resolves to is not loopback.
    """
    name = host.strip("[]")
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise LabHostError(_("The lab's host {host} does not resolve ({error}); use 127.0.0.1")
                           .format(host=repr(host), error=exc)) from None
    addresses = [info[4][0] for info in infos]
    outside = sorted({a for a in addresses if not ipaddress.ip_address(a.split("%")[0]).is_loopback})
    if not addresses or outside:
        if outside:
            raise LabHostError(_("The lab listens on loopback only; {host} resolves to {addresses}, which is not a "
                                 "loopback address").format(host=repr(host), addresses=", ".join(outside)))
        raise LabHostError(_("The lab listens on loopback only; {host} resolves to nothing, which is not a "
                             "loopback address").format(host=repr(host)))
    return addresses[0]


def bind_listening_socket(address: str, port: int) -> socket.socket:
    """A listening TCP socket on ``address:port`` (``port`` 0: a free one).

    Raises :class:`LabPortInUse` if the port is taken, ValueError for a port outside 0-65535.
    """
    if not 0 <= port <= 65535:
        raise ValueError(_("port must be 0 (any free port) or 1-65535, not {port}").format(port=port))
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # Like werkzeug and socketserver's HTTPServer: a restarted lab may reuse a port in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise LabPortInUse(errno.EADDRINUSE, _("Port {port} on {address} is in use by another program; use "
                                                   "port 0 to pick a free one").format(port=port, address=address)) from None
        raise
    return sock
