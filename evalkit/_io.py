"""Atomic file writes: a temporary file beside the target, then a rename."""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), 0o666 & ~_umask())      # mkstemp's 0600 is not what the user asked for
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    """The process's umask (read from /proc where it can be, so that no other thread sees it changed)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, data: Any) -> Path:
    """JSON with Chinese kept readable, keys in the order given, a newline at the end."""
    return write_text(path, json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


_REASONS = {errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "超出磁盘配额", errno.EACCES: "没有写入权限",
            errno.EPERM: "没有写入权限", errno.EROFS: "文件系统只读", errno.EFBIG: "文件超出允许的大小"}


def write_failure(exc: OSError, where: str | Path) -> str:
    """A Chinese sentence for a failed write: what went wrong and where."""
    reason = _REASONS.get(exc.errno or 0, exc.strerror or type(exc).__name__)
    return f"写入 {where} 失败：{reason}（原有的输出保持不变）"
