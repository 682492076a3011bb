"""URL canonicalisation: two spellings of one address must become one Source row.

Why not keep URLs as typed: editors paste links with tracking parameters, mixed-case hosts,
default ports and fragments; without one canonical form the same article would be monitored
(and counted as evidence) several times.
"""

import re
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Query parameters that identify a campaign or a click, never the document.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_ga",
        "_gl",
        "ref_src",
        "ref_url",
        "cmpid",
        "s_cid",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")
DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters that are safe to leave unescaped in a path (RFC 3986 pchar + "/").
PATH_SAFE = "/:@!$&'()*+,;=-._~%"
UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
PERCENT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
OTHER_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?![0-9])")
# "https//host", "http:/host", "https:host": a mistyped scheme, not a host named "https".
SCHEME_TYPO = re.compile(r"^https?(?::/?(?!/)|//)", re.IGNORECASE)
# Names that resolve without a dot; every other host needs one ("facebook" is a word, not a site).
DOTLESS_HOSTS = frozenset({"localhost"})
WHITESPACE = re.compile(r"\s")


class InvalidURL(ValueError):
    """The text is not an absolute http(s) URL we can monitor."""


def normalize_url(url: str) -> str:
    """Return the canonical spelling of an http(s) URL, or raise InvalidURL with a reason."""
    text = (url or "").strip()
    if not text:
        raise InvalidURL("The URL is empty.")
    if SCHEME_TYPO.match(text) and "://" not in text[:8]:
        raise InvalidURL("The scheme is mistyped: write https:// (colon and two slashes).")
    if "://" not in text and not text.startswith("//"):
        if OTHER_SCHEME.match(text):  # mailto:, javascript:, data:, ... (not host:port)
            raise InvalidURL(f"Only http and https URLs can be sources, not {text.split(':')[0]!r}.")
        # Editors paste "example.org/page"; treat it as https.
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"The URL cannot be parsed: {exc}.") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise InvalidURL(f"Only http and https URLs can be sources, not {scheme or 'none'!r}.")
    if parts.username is not None or parts.password is not None:
        raise InvalidURL("URLs with credentials (user:password@) are not accepted.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidURL("The URL has no host.")
    if WHITESPACE.search(host):
        raise InvalidURL(f"The host {host!r} contains spaces; is this a URL at all?")
    try:
        host = host.encode("idna").decode("ascii").lower() if not _is_ipv6(host) else host
    except UnicodeError as exc:
        raise InvalidURL(f"The host name {host!r} is not valid.") from exc
    if "." not in host and not _is_ipv6(host) and host not in DOTLESS_HOSTS:
        raise InvalidURL(f"The host {host!r} is not a domain name (no dot) nor an IP address.")
    netloc = f"[{host}]" if _is_ipv6(host) else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = quote(PERCENT_ESCAPE.sub(_normalize_escape, parts.path), safe=PATH_SAFE) or "/"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() not in TRACKING_PARAMS and not key.lower().startswith(TRACKING_PREFIXES)
    ]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query), doseq=True), ""))


def _normalize_escape(match: re.Match[str]) -> str:
    """Decode escapes of unreserved characters only; "%2F" must stay distinct from "/"."""
    char = chr(int(match.group(1), 16))
    return char if char in UNRESERVED else f"%{match.group(1).upper()}"


def _is_ipv6(host: str) -> bool:
    return ":" in host
