"""Where webhook deliveries may go (a guard against server-side request forgery).

An administrator types the webhook address, and the worker POSTs to it from inside
the bureau's network; without a rule, that address could be the database, a router's
admin page or a cloud metadata service. The rule:

* ``https`` to the robot services' hosts: 企业微信 ``qyapi.weixin.qq.com`` and
  钉钉 ``oapi.dingtalk.com``, plus the hosts an operator lists in
  ``WEBHOOK_ALLOWED_HOSTS`` (exact names or IP addresses);
* never a loopback, private, link-local or otherwise non-public address, unless the
  operator sets ``WEBHOOK_ALLOW_PRIVATE`` (an intranet relay); plain ``http`` is
  allowed only then, and only to such an address, so a robot key never crosses the
  internet in clear.

:func:`address_refusal` checks the address as typed (when it is saved);
:func:`delivery_refusal` checks it again before each attempt, after resolving the
host name, since a permitted name can resolve to 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse

from django.conf import settings

ROBOT_HOSTS: tuple[str, ...] = ("qyapi.weixin.qq.com", "oapi.dingtalk.com")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

NOT_HTTPS = "推送地址必须以 https:// 开头。"
BAD_ADDRESS = "推送地址无效，请从群机器人设置中复制完整的Webhook地址。"
HAS_USERINFO = "推送地址中不能包含用户名或密码。"
HOST_NOT_ALLOWED = (
    "只能推送到企业微信（qyapi.weixin.qq.com）或钉钉（oapi.dingtalk.com）的群机器人地址；"
    "如需其他地址，请联系系统运维人员在 WEBHOOK_ALLOWED_HOSTS 中添加。"
)
PRIVATE_ADDRESS = "不能推送到本机、内网或保留地址（{address}）。"
UNRESOLVED = "无法解析推送地址的主机名（{host}）。"


def allowed_hosts() -> frozenset[str]:
    extra = getattr(settings, "WEBHOOK_ALLOWED_HOSTS", [])
    return frozenset(_normal_host(h) for h in (*ROBOT_HOSTS, *extra) if h.strip())


def private_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False))


def _normal_host(host: str) -> str:
    return host.strip().lower().rstrip(".").strip("[]")


def _ip(text: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_public(address: IPAddress) -> bool:
    """A globally routable unicast address (not loopback, private, link-local,
    shared, reserved, multicast or unspecified)."""
    return address.is_global and not address.is_multicast


def _address_refusal(address: IPAddress, *, scheme: str) -> str | None:
    if is_public(address):
        return NOT_HTTPS if scheme != "https" else None
    if address.is_unspecified or address.is_multicast or not private_allowed():
        return PRIVATE_ADDRESS.format(address=address)
    return None


def address_refusal(url: str) -> str | None:
    """Why ``url`` may not be a webhook address (a Chinese sentence), or None."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return BAD_ADDRESS
    if parts.scheme not in ("https", "http") or not host:
        return BAD_ADDRESS
    if parts.username is not None or parts.password is not None:
        return HAS_USERINFO
    if parts.scheme == "http" and not private_allowed():
        return NOT_HTTPS
    host = _normal_host(host)
    if host not in allowed_hosts():
        return HOST_NOT_ALLOWED
    address = _ip(host)
    if address is not None:
        return _address_refusal(address, scheme=parts.scheme)
    return None


def delivery_refusal(url: str) -> str | None:
    """:func:`address_refusal`, then every address the host name resolves to."""
    refusal = address_refusal(url)
    if refusal is not None:
        return refusal
    parts = urllib.parse.urlsplit(url.strip())
    host = _normal_host(parts.hostname or "")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return UNRESOLVED.format(host=host)
    addresses = {_ip(str(info[4][0]).split("%", 1)[0]) for info in infos}
    if not addresses or None in addresses:
        return UNRESOLVED.format(host=host)
    for address in sorted((a for a in addresses if a is not None), key=str):
        refusal = _address_refusal(address, scheme=parts.scheme)
        if refusal is not None:
            return refusal
    return None
