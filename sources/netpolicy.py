"""Which addresses and URLs the fetcher may reach: the rule, with no I/O.

Source URLs are typed in by editors or imported, so they are hostile input. The fetcher asks
`address_problem()` about every address a host name resolves to and about every address it is
about to dial (sources/fetch.py), and `url_problem()` about every URL it is about to request,
redirects included: scheme, credentials, port, and a host that is an IP address in any spelling
(0177.0.0.1, 2130706433 and 127.1 all reach 127.0.0.1), which is judged here since no lookup
happens for it. Both return a reason for the editor, or None when the fetch may go ahead.

Python's `ipaddress.is_private` is not enough: it lets carrier-grade NAT (100.64/10), NAT64
(64:ff9b::/96) and 6to4 (2002::/16) through, and an IPv4-mapped IPv6 address (::ffff:127.0.0.1)
must be judged as the IPv4 address it carries.
"""

import ipaddress
import re
import socket
from functools import lru_cache

from django.conf import settings
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Most specific first: the first match names the reason.
_BLOCKED = [
    ("169.254.169.254/32", "the cloud metadata service"),
    ("168.63.129.16/32", "the cloud metadata service"),
    ("0.0.0.0/8", "an unspecified ('this network') address"),
    ("10.0.0.0/8", "a private network address"),
    ("100.64.0.0/10", "a carrier-grade NAT (shared) address"),
    ("127.0.0.0/8", "a loopback address"),
    ("169.254.0.0/16", "a link-local address"),
    ("172.16.0.0/12", "a private network address"),
    ("192.0.0.0/24", "an IETF protocol assignment"),
    ("192.0.2.0/24", "a documentation address"),
    ("192.88.99.0/24", "a 6to4 relay address"),
    ("192.168.0.0/16", "a private network address"),
    ("198.18.0.0/15", "a benchmarking address"),
    ("198.51.100.0/24", "a documentation address"),
    ("203.0.113.0/24", "a documentation address"),
    ("224.0.0.0/4", "a multicast address"),
    ("240.0.0.0/4", "a reserved address"),
    ("::/128", "an unspecified address"),
    ("::1/128", "a loopback address"),
    ("::/96", "an IPv4-compatible (deprecated) address"),
    ("64:ff9b::/96", "a NAT64 address"),
    ("64:ff9b:1::/48", "a local-use NAT64 address"),
    ("100::/64", "a discard-only address"),
    ("2001::/23", "an IETF protocol assignment (incl. Teredo)"),
    ("2001:db8::/32", "a documentation address"),
    ("2002::/16", "a 6to4 address"),
    ("fc00::/7", "a unique local (private) address"),
    ("fe80::/10", "a link-local address"),
    ("fec0::/10", "a site-local address"),
    ("ff00::/8", "a multicast address"),
]
BLOCKED_NETWORKS: list[tuple[IPNetwork, str]] = [
    (ipaddress.ip_network(cidr), reason) for cidr, reason in _BLOCKED
]


@lru_cache(maxsize=8)
def _parse_networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def allowed_networks() -> tuple[IPNetwork, ...]:
    """SOURCE_FETCH_ALLOWED_NETWORKS: exemptions for tests and development, never production."""
    return _parse_networks(tuple(settings.SOURCE_FETCH_ALLOWED_NETWORKS))


def address_problem(address: str | IPAddress) -> str | None:
    """Why the fetcher must not connect to this IP address, or None if it is public.

    `address` is what the resolver returned (an IPv6 scope such as "%eth0" is ignored).
    """
    if isinstance(address, str):
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"{address!r} is not an IP address"
    else:
        ip = address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 reaches 127.0.0.1
    if any(ip in network for network in allowed_networks()):
        return None
    for network, reason in BLOCKED_NETWORKS:
        if ip.version == network.version and ip in network:
            return f"{ip} is {reason}"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return f"{ip} is not a public address"
    return None


# What a host name may be made of once IDNA-encoded (yarl lets spaces and %-escapes through).
_HOST_NAME = re.compile(r"[a-z0-9_.-]+")


def url_problem(url: URL) -> str | None:
    """Why this URL must not be requested at all (scheme, credentials, port, IP-literal host),
    or None; a host name is judged later, by the addresses it resolves to."""
    if url.scheme not in ("http", "https"):
        return f"only http and https URLs are fetched, not {url.scheme or 'none'!r}"
    if url.raw_user is not None or url.raw_password is not None:
        return "URLs with credentials (user:password@) are not fetched"
    host = url.raw_host
    if not host:
        return "the URL has no host"
    port = url.port or (443 if url.scheme == "https" else 80)
    if port not in settings.SOURCE_FETCH_ALLOWED_PORTS:
        allowed = ", ".join(str(p) for p in settings.SOURCE_FETCH_ALLOWED_PORTS)
        return f"port {port} is not allowed (allowed: {allowed})"
    if ":" not in host and not _HOST_NAME.fullmatch(host):
        return f"{url.host!r} is not a host name"
    return literal_problem(host)


def literal_problem(host: str) -> str | None:
    """Why an IP-address host must not be dialled, or None (also for a name).

    The canonical forms (127.0.0.1, ::1) are judged as they are. The legacy IPv4 spellings that
    the C library still maps onto an address (2130706433, 0x7f.1, 0177.0.0.1, 127.1) are never
    fetched: the reason names the address they reach when it is not public.
    """
    try:
        return address_problem(ipaddress.ip_address(host.split("%", 1)[0]))
    except ValueError:
        pass
    try:
        ip = ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None  # a name
    return f"{host}: {address_problem(ip) or f'{ip} spelled the legacy way is not fetched'}"
