"""Group robots of 企业微信 (WeCom) and 钉钉 (DingTalk): payloads, signing, sending.

Pure functions without the database, so they are tested on their own. Sending uses
urllib from the standard library against the robot's webhook URL:

* 企业微信: ``POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY`` with
  ``{"msgtype": "markdown", "markdown": {"content": ...}}``;
* 钉钉: ``POST https://oapi.dingtalk.com/robot/send?access_token=TOKEN`` with
  ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}``; when the robot
  uses 加签, ``&timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256("<ms>\\n<secret>")>``
  is appended, computed again for every attempt (DingTalk refuses a stale timestamp).

Both answer HTTP 200 with ``{"errcode": 0, ...}`` on success; anything else is a
failure whose reason goes to the delivery log. The robot key (``key=`` /
``access_token=``) and the signing secret are credentials: :func:`mask_url` and
:func:`mask_secret` are what pages show, and :func:`scrub` cleans error texts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

WECOM = "wecom"
DINGTALK = "dingtalk"

# Query parameters that carry a robot's credential.
CREDENTIAL_PARAMS = ("key", "access_token", "sign")
# WeCom limits markdown content to 4096 bytes; keep the body well below.
MAX_BODY_CHARS = 1000
MAX_RESPONSE_BYTES = 64 * 1024
_TOPIC_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")


# ---------------------------------------------------------------- topics


def split_topics(raw: str) -> list[str]:
    """``"safety, plans.task_overdue"`` → ``["safety", "plans.task_overdue"]`` (also splits on
    the full-width comma and whitespace)."""
    return [t for t in re.split(r"[,，;；\s]+", raw.strip()) if t]


def invalid_topics(topics: list[str]) -> list[str]:
    return [t for t in topics if not _TOPIC_RE.match(t)]


def topic_matches(subscribed: list[str], topic: str) -> bool:
    """An empty subscription takes everything; ``safety`` takes ``safety`` and every
    ``safety.*`` topic; otherwise topics must be equal."""
    if not subscribed:
        return True
    return any(topic == s or topic.startswith(f"{s}.") for s in subscribed)


# ---------------------------------------------------------------- masking


def _mask_value(value: str) -> str:
    return f"{value[:4]}****{value[-4:]}" if len(value) >= 12 else "****"


def mask_url(url: str) -> str:
    """The URL with its robot key hidden, for display: ``...send?key=693a****5aaa``."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "****"
    if not parts.query:
        return url
    query = [
        (name, _mask_value(value) if name.lower() in CREDENTIAL_PARAMS else value)
        for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ]
    masked = urllib.parse.urlencode(query, safe="*")
    return urllib.parse.urlunsplit(parts._replace(query=masked))


def mask_secret(secret: str) -> str:
    if not secret:
        return ""
    return f"{secret[:3]}****{secret[-2:]}" if len(secret) >= 12 else "****"


def credentials_in(url: str, secret: str = "") -> list[str]:
    values = [secret] if secret else []
    try:
        query = urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)
    except ValueError:
        query = []
    values += [v for k, v in query if k.lower() in CREDENTIAL_PARAMS and v]
    return values


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every credential (and its URL-encoded form) replaced by a mask."""
    for value in secrets:
        if len(value) < 4:
            continue
        for form in {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}:
            text = text.replace(form, _mask_value(value))
    return text


def fingerprint(value: str) -> str:
    """A short digest, so the audit log shows *that* a credential changed, not its value."""
    return hashlib.sha256(value.encode()).hexdigest()[:12] if value else ""


# ---------------------------------------------------------------- payloads


_LEVEL_PREFIX = {"urgent": "【紧急】", "warning": "【提醒】"}


def build_payload(
    kind: str, *, title: str, body: str = "", url: str = "", level: str = "info", footer: str = ""
) -> dict[str, Any]:
    """The robot message for one notification (markdown, in the robot's own format)."""
    prefix = _LEVEL_PREFIX.get(level, "")
    if body and len(body) > MAX_BODY_CHARS:
        body = body[: MAX_BODY_CHARS - 1] + "…"
    paragraphs = [body] if body else []
    if url:
        paragraphs.append(f"[查看详情]({url})")
    if footer:
        paragraphs.append(f"> {footer}")
    if kind == WECOM:
        heading = f'<font color="warning">{prefix}</font>{title}' if prefix else title
        content = "\n\n".join([f"### {heading}", *paragraphs])
        return {"msgtype": "markdown", "markdown": {"content": content}}
    if kind == DINGTALK:
        text = "\n\n".join([f"#### {prefix}{title}", *paragraphs])
        return {"msgtype": "markdown", "markdown": {"title": f"{prefix}{title}"[:60], "text": text}}
    raise ValueError(f"unknown webhook kind {kind!r}")


# ---------------------------------------------------------------- signing


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk 加签: urlencoded base64 of HMAC-SHA256 over ``"<timestamp>\\n<secret>"``."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    timestamp_ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status_code: int | None
    error: str = ""
    response: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A robot endpoint never redirects; following one would re-send the message elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def send(
    kind: str, *, url: str, secret: str, payload: dict[str, Any], timeout: float
) -> SendResult:
    """POST ``payload`` to the robot and judge the answer (HTTP 200 and ``errcode == 0``)."""
    target = signed_url(url, secret) if kind == DINGTALK else url
    result = _post_json(target, payload, timeout=timeout)
    secrets = credentials_in(target, secret)
    return SendResult(
        result.ok,
        result.status_code,
        scrub(result.error, secrets)[:500],
        scrub(result.response, secrets)[:500],
    )


def _post_json(url: str, payload: dict[str, Any], *, timeout: float) -> SendResult:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "edubureau"},
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            status = response.status
            text = response.read(MAX_RESPONSE_BYTES).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        text = _read_error_body(exc)
        return SendResult(False, exc.code, f"HTTP {exc.code}", text[:500])
    except TimeoutError:
        return SendResult(False, None, f"请求超时（{timeout:g}秒）")
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return SendResult(False, None, f"请求超时（{timeout:g}秒）")
        return SendResult(False, None, f"连接失败：{reason}")
    except (OSError, ValueError) as exc:
        return SendResult(False, None, f"连接失败：{exc}")
    if status != 200:
        return SendResult(False, status, f"HTTP {status}", text[:500])
    try:
        answer = json.loads(text)
    except ValueError:
        return SendResult(False, status, "响应不是JSON", text[:500])
    errcode = answer.get("errcode") if isinstance(answer, dict) else None
    if errcode != 0:
        errmsg = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        error = f"机器人返回错误：errcode={errcode} {errmsg}".strip()
        return SendResult(False, status, error, text[:500])
    return SendResult(True, status, "", text[:500])


def _read_error_body(exc: urllib.error.HTTPError) -> str:
    try:
        return exc.read(MAX_RESPONSE_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""
