"""Text from users' files, made safe to show: no control characters (terminal escape sequences, bells)."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """``text`` with tabs and line breaks as spaces and every other control character removed (C0, DEL, C1)."""
    return _CONTROL.sub("", text.replace("\t", " ").replace("\n", " ").replace("\r", " "))
