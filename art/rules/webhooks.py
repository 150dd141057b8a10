"""The rules of webhooks as pure functions: how a delivery is signed, which addresses a delivery
may go to, and how long to wait before the next attempt."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

#: Attempts of one delivery in all (the first and four retries).
MAX_ATTEMPTS = 5


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 keyed by the webhook's secret over `timestamp + "." + body`
    (the raw bytes sent). A receiver recomputes it from its copy of the secret and compares in
    constant time; the timestamp lets it refuse old replays."""
    message = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def address_refusal(address: str) -> str:
    """Why a delivery may not go to this IP address ("" if it may): loopback, link-local,
    private, reserved, multicast and unspecified addresses reach into the server's own network
    (the cloud's metadata service at 169.254.169.254, an admin port on localhost)."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return f"{address} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for test, words in (
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_private, "a private address"),
        (ip.is_reserved, "a reserved address"),
    ):
        if test:
            return f"{ip} is {words}"
    return ""


def retry_delay(attempts: int, base_seconds: float) -> float:
    """Seconds to wait after the `attempts`-th failed attempt: base × 2^(attempts − 1), so with
    base 2: 2, 4, 8 and 16 seconds."""
    return base_seconds * 2 ** max(attempts - 1, 0)
