"""Atomic file writes: a temporary file beside the target, then a rename."""

from __future__ import annotations

import errno
import json
import os
import stat
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
    """UTF-8; an undecodable byte of a file name quoted in ``text`` (a lone surrogate) is written as
    ``\\udcff``, which in a JSON string reads back as the same character."""
    return write_bytes(path, text.encode("utf-8", errors="backslashreplace"))


def write_json(path: str | Path, data: Any) -> Path:
    """JSON with Chinese kept readable, keys in the order given, a newline at the end."""
    return write_text(path, json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


_REASONS = {errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "超出磁盘配额", errno.EACCES: "没有写入权限",
            errno.EPERM: "没有写入权限", errno.EROFS: "文件系统只读", errno.EFBIG: "文件超出允许的大小",
            errno.EEXIST: "已有同名的文件", errno.ENOTDIR: "路径中有一段是文件，不是文件夹", errno.EISDIR: "是一个文件夹",
            errno.ENOENT: "路径不存在", errno.ELOOP: "符号链接循环", errno.ENAMETOOLONG: "文件名过长",
            errno.EMFILE: "打开的文件过多", errno.ENFILE: "打开的文件过多", errno.EIO: "磁盘读写出错",
            errno.EBUSY: "文件正被占用", errno.ENOTEMPTY: "文件夹不是空的"}
_READ_REASONS = {**_REASONS, errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限"}
#: the errors of a write that finds no room: whatever was being written, it is a failed write
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})


def _reason(exc: OSError, reasons: dict[int, str]) -> str:
    known = reasons.get(exc.errno or 0)
    return known or f"系统错误：{exc.strerror or type(exc).__name__}"


def write_failure(exc: OSError, where: str | Path, *, kept: bool = True) -> str:
    """A Chinese sentence for a failed write: what went wrong and where (``kept``: and that what was
    there before is untouched)."""
    return f"写入 {where} 失败：{_reason(exc, _REASONS)}" + ("（原有的输出保持不变）" if kept else "")


def read_failure(exc: OSError, where: str | Path | None = None) -> str:
    """A Chinese sentence for a failed read: ``读取 case.yaml 失败：没有读取权限``."""
    return f"读取 {where or exc.filename or '文件'} 失败：{read_reason(exc)}"


def read_reason(exc: OSError) -> str:
    """Why a read failed, in Chinese: ``没有读取权限``."""
    return _reason(exc, _READ_REASONS)


def os_failure(exc: OSError) -> str:
    """An OSError that is neither clearly a read nor a write: ``路径不存在（/x/y）``."""
    where = f"（{exc.filename}）" if exc.filename else ""
    return _reason(exc, _READ_REASONS) + where


def kind(path: str | Path) -> str:
    """What is at ``path``: ``"file"``, ``"folder"``, ``"missing"``, ``"loop"`` (a symlink loop),
    ``"dangling"`` (a symlink to nothing), ``"notdir"`` (a file where a folder should be on the way),
    ``"other"`` (a device, a socket…), ``"denied"``, ``"toolong"`` or ``"unreadable"``. Never raises."""
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return "dangling" if os.path.islink(path) else "missing"
        return {errno.ELOOP: "loop", errno.ENOTDIR: "notdir", errno.EACCES: "denied", errno.EPERM: "denied",
                errno.ENAMETOOLONG: "toolong"}.get(exc.errno or 0, "unreadable")
    except ValueError:                        # a NUL in the name
        return "missing"
    return "folder" if stat.S_ISDIR(st.st_mode) else "file" if stat.S_ISREG(st.st_mode) else "other"


_KINDS = {"file": "是文件，不是文件夹", "folder": "是文件夹，不是文件", "missing": "不存在", "loop": "是循环的符号链接",
          "dangling": "是指向不存在位置的符号链接", "notdir": "所在的路径中有一段是文件，不是文件夹",
          "other": "不是普通的文件或文件夹", "denied": "没有访问权限", "toolong": "名称过长",
          "unreadable": "无法访问"}


def describe(path: str | Path) -> str:
    """What :func:`kind` found, as a message says it: ``是循环的符号链接``."""
    return _KINDS[kind(path)]


def folder_problem(path: str | Path) -> str | None:
    """Why ``path`` cannot be an output folder (as :func:`describe` says it), or None: a folder, or
    nothing yet (it is created)."""
    found = kind(path)
    return None if found in ("folder", "missing") else _KINDS[found]
