"""Appending a zip entry's compressed bytes unchanged (zipfile has no public API for it).

Why: an entry that is copied, not edited, need not be decompressed and compressed again. The
package layer copies a user's untouched parts this way, and the report's xlsx post-pass copies
every XlsxWriter part it does not edit; the entry keeps its CRC, sizes, date and attributes, so
the result is byte-for-byte what re-compressing at the same level would write.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterable
from typing import Any

__all__ = ["LOCAL_HEADER", "RawCopyUnavailable", "append_raw", "clone_info", "data_offset"]

LOCAL_HEADER = 30
"""The fixed part of a local file header, before its name and extra field."""


class RawCopyUnavailable(Exception):
    """The zipfile in use lacks the internals a raw copy writes through: re-compress instead."""


def data_offset(header: bytes, header_offset: int) -> int:
    """Where an entry's compressed bytes start, from its 30-byte local header at `header_offset`."""
    name_len: int
    extra_len: int
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return header_offset + LOCAL_HEADER + name_len + extra_len


def clone_info(info: zipfile.ZipInfo, date_time: tuple[int, int, int, int, int, int] | None = None) -> zipfile.ZipInfo:
    """A directory record for `info`'s stored bytes: same name, date, attributes, CRC and sizes, no data descriptor."""
    clone = zipfile.ZipInfo(info.filename, date_time=date_time or info.date_time)
    clone.compress_type = info.compress_type
    clone.external_attr = info.external_attr
    clone.create_system = info.create_system
    clone.flag_bits = info.flag_bits & 0x0800  # keep only the UTF-8 name flag: no data descriptor
    clone.CRC = info.CRC
    clone.compress_size = info.compress_size
    clone.file_size = info.file_size
    return clone


def append_raw(out: zipfile.ZipFile, clone: zipfile.ZipInfo, chunks: Iterable[bytes]) -> None:
    """Write `clone`'s local header, then its compressed bytes (`chunks`), and record it in `out`'s directory."""
    fp = out.fp if all(hasattr(out, attr) for attr in ("fp", "filelist", "NameToInfo", "start_dir")) else None
    if fp is None:
        raise RawCopyUnavailable
    zip64 = clone.file_size > zipfile.ZIP64_LIMIT or clone.compress_size > zipfile.ZIP64_LIMIT
    clone.header_offset = fp.tell()
    fp.write(clone.FileHeader(zip64))
    for chunk in chunks:
        fp.write(chunk)
    out.filelist.append(clone)
    out.NameToInfo[clone.filename] = clone
    out.start_dir = fp.tell()
    zip_any: Any = out  # zipfile's private flag: the central directory must be written on close
    zip_any._didModify = True
