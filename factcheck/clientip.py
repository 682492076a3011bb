"""The client's address, one definition for everything that keys on it (API throttle, admin
login lockout, logs).

Behind `NUM_PROXIES` trusted proxies, each proxy appends the address it received the request
from to `X-Forwarded-For`, so the client is the entry that many places from the right: what
the client wrote itself is further left and never trusted. Without proxies it is the socket's
peer. An entry that is not an IP address falls back to the peer, so a broken proxy chain can
never put free text where an address is stored.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address to throttle, lock out and log for this request."""
    peer = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return peer
    hops = [hop.strip() for hop in forwarded.split(",")]
    candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
