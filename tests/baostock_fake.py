"""A fake baostock server for tests: a loopback TCP server speaking baostock 0.9.x's wire protocol (pure stdlib),
adapted from the research prototype (research/baostock_proto/server.py, FINDINGS.md).

Speaks enough of baostock 0.9.x's wire protocol for the *real* `baostock`
client package to run login / query_history_k_data_plus (with pagination) /
logout against 127.0.0.1.

Wire format (see FINDINGS.md for the full description):

  request  = HEADER(21) + BODY + "\\x01" + str(zlib.crc32(HEADER+BODY)) + "\\n"
  HEADER   = VERSION(7 chars, e.g. "00.9.40") "\\x01" MSGTYPE(2) "\\x01" LEN(10, zero padded)
  BODY     = fields joined by "\\x01"

  response (plain)      = HEADER(21) + BODY + "\\x01" + CRC + "<![CDATA[]]>\\n"
  response (compressed) = HEADER(21, LEN = len(zlib bytes)) + zlib.compress(BODY)
                          + "\\x01" + CRC + "<![CDATA[]]>\\n"          (msg type 96)

Usage in a test:

    from baostock_fake import FakeBaostockServer
    with FakeBaostockServer({"sh.600000": rows}) as srv:
        import baostock.common.contants as cons
        cons.BAOSTOCK_SERVER_IP, cons.BAOSTOCK_SERVER_PORT = srv.host, srv.port
        ...

Every request is logged in ``requests`` as (message type, body fields), so tests assert on what the client asked
(codes, dates, page numbers). ``error_for`` maps a code to an (error code, message) the server answers instead of
data; ``close_on`` lists codes for which the server drops the connection without answering.
"""

from __future__ import annotations

import json
import socketserver
import threading
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence

SPLIT = "\x01"
END_MARKER = b"<![CDATA[]]>\n"
HEADER_LEN = 21
# The real server answers with its own version string (captured: "00.9.00").
# It MUST be exactly 7 characters: the client slices the header at byte 21.
SERVER_VERSION = "00.9.00"

# message types (baostock/common/contants.py)
MT_LOGIN_REQ, MT_LOGIN_RESP = "00", "01"
MT_LOGOUT_REQ, MT_LOGOUT_RESP = "02", "03"
MT_EXCEPTION = "04"
MT_KDATA_PLUS_REQ, MT_KDATA_PLUS_RESP = "95", "96"
COMPRESSED_TYPES = {"96", "99", "9B", "9D"}
CLOSE = b"<close>"
"""What :meth:`FakeBaostockServer.dispatch` returns to drop the connection."""

# error codes (subset)
ERR_OK = "0"
ERR_NO_LOGIN = "10001001"
ERR_USER_OR_PASSWORD = "10001002"
ERR_PARAM = "10004006"
ERR_CODE_INVALID = "10004011"
ERR_INDICATOR_INVALID = "10004012"
ERR_MESSAGE_ERROR = "10004019"
ERR_MESSAGE_TYPE = "10004020"

# Daily-frequency fields accepted by query_history_k_data_plus (frequency="d").
DAILY_FIELDS = (
    "date",
    "code",
    "open",
    "high",
    "low",
    "close",
    "preclose",
    "volume",
    "amount",
    "adjustflag",
    "turn",
    "tradestatus",
    "pctChg",
    "peTTM",
    "pbMRQ",
    "psTTM",
    "pcfNcfTTM",
    "isST",
)


def build_header(msg_type: str, length: int, version: str = SERVER_VERSION) -> str:
    assert len(version) == 7 and len(msg_type) == 2
    return f"{version}{SPLIT}{msg_type}{SPLIT}{length:010d}"


def encode_response(msg_type: str, body: str, *, compressed_trailer: str = "") -> bytes:
    """Frame a response exactly as the baostock client expects it."""
    if msg_type in COMPRESSED_TYPES:
        payload = zlib.compress((body + compressed_trailer).encode("utf-8"))
        head = build_header(msg_type, len(payload)).encode("ascii")
        crc = zlib.crc32(head + payload)
        return head + payload + f"{SPLIT}{crc}".encode("ascii") + END_MARKER
    # plain frame: the real server fills LEN with the *character* count of BODY
    head = build_header(msg_type, len(body))
    crc = zlib.crc32((head + body).encode("utf-8"))
    return (head + body + SPLIT + str(crc)).encode("utf-8") + END_MARKER


def decode_request(line: bytes) -> tuple[str, str, list[str], bool]:
    """line = one request without its trailing "\\n". Returns (version, type, body fields, crc_ok)."""
    text = line.decode("utf-8")
    header, rest = text[:HEADER_LEN], text[HEADER_LEN:]
    version, msg_type, _length = header.split(SPLIT)
    body, _, crc = rest.rpartition(SPLIT)
    crc_ok = crc.isdigit() and int(crc) == zlib.crc32((header + body).encode("utf-8"))
    return version, msg_type, body.split(SPLIT), crc_ok


class _Handler(socketserver.BaseRequestHandler):
    server: _TCPServer

    def handle(self) -> None:
        fake = self.server.fake
        sock = self.request
        buf = b""
        session_user: str | None = None
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    reply, session_user = fake.dispatch(line, session_user)
                except Exception as exc:  # never kill the connection silently: the client would spin
                    reply = encode_response(MT_EXCEPTION, f"{ERR_MESSAGE_ERROR}{SPLIT}{exc!r}")
                if reply is CLOSE:  # fault injection: drop the connection mid-request
                    return
                if reply is None:  # fault injection: stay silent
                    continue
                if fake.delay:
                    time.sleep(fake.delay)
                sock.sendall(reply)


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeBaostockServer


class FakeBaostockServer:
    """In-process fake. `data` maps code ("sh.600000") -> list of row dicts (field -> str)."""

    def __init__(
        self,
        data: Mapping[str, Sequence[Mapping[str, str]]] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        password: str | None = None,
        require_login: bool = True,
        compressed_trailer: str = "",
        unknown_code: str = "error",
    ) -> None:
        self.data = {k: list(v) for k, v in (data or {}).items()}
        self.password = password  # None = accept any password
        self.require_login = require_login
        self.compressed_trailer = compressed_trailer
        # what to answer for a code not in `data`: "error" -> 10004011 frame, "empty" -> success with no rows
        self.unknown_code = unknown_code
        self.delay = 0.0  # seconds to sleep before each reply (timeout tests)
        self.silent = False  # True = read requests but never answer (timeout tests)
        self.requests: list[tuple[str, list[str]]] = []  # (msg_type, body fields) log
        self.error_for: dict[str, tuple[str, str]] = {}  # code -> (error code, message) answered instead of data
        self.close_on: set[str] = set()  # codes for which the connection is dropped without an answer
        self._lock = threading.Lock()
        self._srv = _TCPServer((host, port), _Handler)
        self._srv.fake = self
        self.host, self.port = self._srv.server_address[:2]
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------
    def start(self) -> FakeBaostockServer:
        self._thread = threading.Thread(target=self._srv.serve_forever, args=(0.05,), name="fake-baostock", daemon=True)
        self._thread.start()
        return self

    def kdata_requests(self) -> list[dict[str, str]]:
        """The k-data queries received, by field name (code, start, end, page, per_page, fields ...)."""
        names = ("method", "user", "page", "per_page", "code", "fields", "start", "end", "frequency", "adjustflag")
        return [dict(zip(names, body, strict=False)) for mtype, body in self.requests if mtype == MT_KDATA_PLUS_REQ]

    def stop(self) -> None:
        self._srv.shutdown()
        self._srv.server_close()
        if self._thread:
            self._thread.join(5)

    def __enter__(self) -> FakeBaostockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- protocol --------------------------------------------------------
    def dispatch(self, line: bytes, user: str | None) -> tuple[bytes | None, str | None]:
        """The answer to one request line (None: stay silent; CLOSE: drop the connection) and the session user."""
        _version, msg_type, body, crc_ok = decode_request(line)
        with self._lock:
            self.requests.append((msg_type, body))
        if self.silent:
            return None, user
        if not crc_ok:
            return self._error(ERR_MESSAGE_ERROR, "消息格式不正确"), user
        if msg_type == MT_LOGIN_REQ:  # ["login", user_id, password, options]
            _, user_id, password, *_ = body
            if self.password is not None and password != self.password:
                return self._error(ERR_USER_OR_PASSWORD, "用户名或密码错误"), user
            return self._ok(MT_LOGIN_RESP, "login", user_id, _stamp()), user_id
        if msg_type == MT_LOGOUT_REQ:  # ["logout", user_id, yyyymmddHHMMSS]
            return self._ok(MT_LOGOUT_RESP, "logout", body[1], _stamp()), None
        if msg_type == MT_KDATA_PLUS_REQ:
            if self.require_login and user is None:
                return self._error(ERR_NO_LOGIN, "用户未登陆"), user
            return self._kdata(body), user
        return self._error(ERR_MESSAGE_TYPE, "错误的消息类型"), user

    def _kdata(self, body: list[str]) -> bytes:
        # ["query_history_k_data_plus", user, page, per_page, code, fields, start, end, freq, adjust]
        method, user_id, page, per_page, code, fields, start, end, freq, adjust = body
        if code in self.close_on:
            return CLOSE
        if code in self.error_for:
            return self._error(*self.error_for[code])
        names = [f.strip() for f in fields.split(",")]
        bad = [n for n in names if n not in DAILY_FIELDS]
        if bad:
            return self._error(ERR_INDICATOR_INVALID, "无效的指标")
        if code not in self.data and self.unknown_code == "error":
            return self._error(ERR_CODE_INVALID, "无效的证券代码")
        rows = [r for r in self.data.get(code, []) if start <= r["date"] <= end]
        p, n = int(page), int(per_page)
        chunk = rows[(p - 1) * n : p * n]
        records = [[str(r.get(name, "")) for name in names] for r in chunk]
        payload = json.dumps({"record": records}, ensure_ascii=False, separators=(",", ":"))
        parts = [ERR_OK, "success", method, user_id, page, per_page, payload, code, fields, start, end, freq, adjust]
        return encode_response(MT_KDATA_PLUS_RESP, SPLIT.join(parts), compressed_trailer=self.compressed_trailer)

    @staticmethod
    def _ok(msg_type: str, method: str, user_id: str, stamp: str) -> bytes:
        return encode_response(msg_type, SPLIT.join([ERR_OK, "success", method, user_id, stamp]))

    @staticmethod
    def _error(code: str, msg: str) -> bytes:
        return encode_response(MT_EXCEPTION, f"{code}{SPLIT}{msg}")


def _stamp() -> str:
    t = time.time()
    return time.strftime("%Y%m%d%H%M%S", time.localtime(t)) + f"{int(t * 1000) % 1000:03d}"


def make_daily_rows(code: str, dates: Iterable[str], start_close: float = 10.0) -> list[dict[str, str]]:
    """Deterministic synthetic daily bars with valuation ratios, all values as strings (like the real server)."""
    rows = []
    close = start_close
    for i, d in enumerate(dates):
        pre = close
        close = round(start_close + (i % 17) * 0.05 - (i % 5) * 0.03, 4)
        rows.append(
            {
                "date": d,
                "code": code,
                "open": f"{pre:.4f}",
                "high": f"{max(pre, close) + 0.02:.4f}",
                "low": f"{min(pre, close) - 0.02:.4f}",
                "close": f"{close:.4f}",
                "preclose": f"{pre:.4f}",
                "volume": str(1_000_000 + i),
                "amount": f"{close * (1_000_000 + i):.4f}",
                "adjustflag": "3",
                "turn": "0.512300",
                "tradestatus": "1",
                "pctChg": f"{(close - pre) / pre * 100:.6f}",
                "peTTM": f"{close / 0.85:.6f}",
                "pbMRQ": f"{close / 7.5:.6f}",
                "psTTM": f"{close / 3.1:.6f}",
                "pcfNcfTTM": f"{-close / 0.4:.6f}",
                "isST": "0",
            }
        )
    return rows
