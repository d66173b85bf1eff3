"""Reading and writing xlsx/xlsm zip packages safely, for editing parts without touching the rest.

Why a package layer and not openpyxl: a load-and-save re-creates every part from an object model
and silently drops what it does not model (shapes, sparklines, x14 formats, threaded comments...).
Here a package is a set of zip entries; a refresh replaces a few parts' bytes and copies every
other entry unchanged (its compressed bytes, when the zip allows it).

Untrusted input: every limit is checked from the zip directory before any part is parsed, then
every entry is streamed once with a byte cap (declared sizes can lie) and its CRC checked. XML is
parsed with entity declarations and DTDs refused (defusedxml, and the same rules for the
offset-reporting scanner used for text splicing).

Text-level editing: :func:`scan` finds elements with byte offsets, and :func:`splice` replaces byte
ranges, so namespace prefixes, ``mc:Ignorable`` and everything else in a part keep their text.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from xml.etree.ElementTree import Element as XmlElement

from defusedxml import ElementTree as SafeET

from xlplugin.core.errors import InputError, Problem
from xlplugin.ooxml.fragments import xml_attr as xml_attr
from xlplugin.ooxml.fragments import xml_text as xml_text
from xlplugin.ooxml.malformed import MalformedPart as MalformedPart
from xlplugin.ooxml.malformed import as_index as as_index
from xlplugin.ooxml.malformed import read_int as read_int
from xlplugin.ooxml.rawzip import LOCAL_HEADER, RawCopyUnavailable, append_raw, clone_info, data_offset
from xlplugin.ooxml.scanner import Element as Element
from xlplugin.ooxml.scanner import prefix_for as prefix_for
from xlplugin.ooxml.scanner import remove_attr as remove_attr
from xlplugin.ooxml.scanner import scan as scan
from xlplugin.ooxml.scanner import set_attr as set_attr
from xlplugin.ooxml.scanner import splice as splice
from xlplugin.ooxml.schema import NS_MAIN as NS_MAIN

if TYPE_CHECKING:
    from xlplugin.ooxml.atomic import Identity

NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""An OLE compound file: an encrypted OOXML workbook (or a legacy .xls)."""


@dataclass(frozen=True)
class Limits:
    """Sizes no real spreadsheet reaches but a zip bomb does; all checked before parsing."""

    max_file_bytes: int = 256 * 2**20
    max_entries: int = 10_000
    max_part_bytes: int = 256 * 2**20
    max_total_bytes: int = 512 * 2**20
    max_ratio: float = 250.0
    ratio_floor_bytes: int = 2**20
    """The compression ratio is only judged for parts larger than this (tiny parts compress oddly)."""


DEFAULT_LIMITS = Limits()


def _refuse(path: Path | str, message: str) -> InputError:
    return InputError(Problem(message, str(path)))


# --------------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str
    external: bool
    part: str | None
    """The resolved part name (no leading slash, as stored in the zip), None when external."""


class Package:
    """An opened, size-checked package. Part names are looked up case-insensitively."""

    def __init__(
        self,
        path: Path,
        zf: zipfile.ZipFile,
        infos: list[zipfile.ZipInfo],
        limits: Limits,
        handle: BinaryIO | None = None,
        identity: Identity | None = None,
    ):
        self.path = path
        self._zip = zf
        self.handle = handle
        """The open file every part was checked from; writing copies from it, never from the path again."""
        self.identity = identity
        """What the file was when opened (None in memory): the target must still be it when replaced."""
        self.infos = infos
        self.limits = limits
        self._by_lower = {info.filename.lower(): info for info in infos}
        self._cache: dict[str, bytes] = {}

    # names ------------------------------------------------------------------------------
    def names(self) -> list[str]:
        return [info.filename for info in self.infos]

    def find(self, name: str) -> str | None:
        """The stored spelling of part `name` (leading '/' allowed), or None."""
        info = self._by_lower.get(name.lstrip("/").lower())
        return info.filename if info else None

    def has(self, name: str) -> bool:
        return self.find(name) is not None

    def require(self, name: str, named_by: str) -> str:
        """The stored spelling of part `name`, which `named_by` refers to; MalformedPart when missing."""
        found = self.find(name)
        if found is None:
            raise MalformedPart(name.lstrip("/"), f"is missing (named by {named_by})", self.path)
        return found

    def info(self, name: str) -> zipfile.ZipInfo:
        info = self._by_lower.get(name.lstrip("/").lower())
        if info is None:
            raise KeyError(name)
        return info

    # content ----------------------------------------------------------------------------
    def read(self, name: str) -> bytes:
        """The uncompressed bytes of a part, read with the size cap."""
        info = self.info(name)
        data = self._cache.get(info.filename)
        if data is None:
            data = _read_capped(self._zip, info, self.limits, self.path)
            self._cache[info.filename] = data
        return data

    def xml(self, name: str) -> XmlElement:
        """The part parsed with defusedxml (no DTDs, no entities); MalformedPart when malformed."""
        try:
            return parse_xml(self.read(name), self.find(name) or name)
        except MalformedPart as exc:
            raise exc.located(str(self.path)) from None

    def rels_name(self, part: str) -> str:
        part = part.lstrip("/")
        folder, base = posixpath.split(part)
        return posixpath.join(folder, "_rels", base + ".rels")

    def rels(self, part: str) -> list[Relationship]:
        """The relationships of `part` ('' for the package), targets resolved to part names."""
        rels_part = self.rels_name(part) if part else "_rels/.rels"
        if not self.has(rels_part):
            return []
        root = self.xml(rels_part)
        base = posixpath.dirname(part.lstrip("/"))
        out = []
        for rel in root.iter(f"{{{NS_PKG_REL}}}Relationship"):
            target = rel.get("Target", "")
            external = rel.get("TargetMode") == "External"
            out.append(
                Relationship(
                    rel.get("Id", ""),
                    rel.get("Type", ""),
                    target,
                    external,
                    None if external else resolve_target(base, target),
                )
            )
        return out

    def content_types(self) -> tuple[dict[str, str], dict[str, str]]:
        """(defaults by lower-case extension, overrides by lower-case part name)."""
        if getattr(self, "_content_types", None) is None:
            self._content_types = self._read_content_types()
        return self._content_types

    def _read_content_types(self) -> tuple[dict[str, str], dict[str, str]]:
        root = self.xml("[Content_Types].xml")
        defaults = {d.get("Extension", "").lower(): d.get("ContentType", "") for d in root.iter(f"{{{NS_CT}}}Default")}
        overrides = {
            o.get("PartName", "").lstrip("/").lower(): o.get("ContentType", "")
            for o in root.iter(f"{{{NS_CT}}}Override")
        }
        return defaults, overrides

    def content_type(self, name: str) -> str | None:
        defaults, overrides = self.content_types()
        key = name.lstrip("/").lower()
        if key in overrides:
            return overrides[key]
        return defaults.get(posixpath.splitext(key)[1].lstrip("."))

    def main_part(self) -> str:
        """The workbook part named by the package relationships (usually xl/workbook.xml)."""
        for rel in self.rels(""):
            found_rel = self.find(rel.part) if rel.type.endswith("/officeDocument") and rel.part else None
            if found_rel is not None:
                return found_rel
        found = self.find("xl/workbook.xml")
        if found is None:
            raise _refuse(self.path, "not an Excel workbook: it has no workbook part")
        return found

    def close(self) -> None:
        self._zip.close()
        if self.handle is not None:
            self.handle.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def resolve_target(base_folder: str, target: str) -> str:
    """A relationship target -> a part name: absolute ('/xl/...') or relative to the source folder."""
    target = target.split("#", 1)[0]
    from urllib.parse import unquote

    target = unquote(target).replace("\\", "/")
    joined = target.lstrip("/") if target.startswith("/") else posixpath.join(base_folder, target)
    return posixpath.normpath(joined).lstrip("/") if joined else joined


def relative_target(base_folder: str, part: str) -> str:
    """The relative target that reaches `part` from a source in `base_folder`."""
    return posixpath.relpath(part, base_folder or ".")


def parse_xml(data: bytes, where: str = "XML") -> XmlElement:
    """defusedxml parse; refuses DTDs and entities; malformed XML becomes an InputError."""
    try:
        root: XmlElement = SafeET.fromstring(data, forbid_dtd=True)
        return root
    except Exception as exc:  # defusedxml and expat raise several types
        raise MalformedPart(where, f"is not readable XML ({type(exc).__name__}: {exc})") from None


def open_package(
    path: Path | str | bytes | bytearray, limits: Limits = DEFAULT_LIMITS, *, lock: bool = False
) -> Package:
    """Open `path` as an xlsx/xlsm package after checking every limit; InputError when refused.

    The file is opened once and kept open: every check, every read and the raw copy of a later
    write use that one open file, so a save over the path meanwhile cannot mix two files. With
    `lock`, the advisory lock is taken first and held until the package is closed. `path` may
    also be bytes (a workbook rendered in memory).
    """
    if isinstance(path, (bytes, bytearray)):
        return _open_checked(Path("<memory>"), io.BytesIO(path), limits, None)
    path = Path(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - kept open by the Package, closed by Package.close
    except IsADirectoryError:
        raise _refuse(path, "is not a file") from None
    except OSError as exc:
        raise _refuse(path, f"cannot read the workbook ({exc.strerror})") from None
    try:
        st = os.fstat(handle.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(path, "is not a file")
        if lock:
            from xlplugin.ooxml import atomic

            atomic.lock(handle, path)
            st = os.fstat(handle.fileno())
        from xlplugin.ooxml.atomic import Identity

        return _open_checked(path, handle, limits, Identity.of(st))
    except BaseException:
        handle.close()
        raise


def _open_checked(path: Path, handle: BinaryIO, limits: Limits, ident: Identity | None) -> Package:
    size = os.fstat(handle.fileno()).st_size if ident is not None else len(handle.getbuffer())  # type: ignore[attr-defined]
    if size > limits.max_file_bytes:
        raise _refuse(path, f"the file is {size:,} bytes, over the {limits.max_file_bytes:,}-byte limit")
    head = handle.read(8)
    handle.seek(0)
    if head == OLE_MAGIC:
        raise _refuse(
            path,
            "the workbook is encrypted (password-protected) or a legacy .xls file; "
            "save it unencrypted as .xlsx and try again",
        )
    if not zipfile.is_zipfile(handle):
        raise _refuse(path, "is not an xlsx/xlsm workbook (not a zip package)")
    handle.seek(0)
    try:
        zf = zipfile.ZipFile(handle)
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
        raise _refuse(path, f"is a damaged zip package ({exc})") from None
    try:
        _check_directory(path, infos, limits)
        package = Package(path, zf, infos, limits, handle, ident)
        if not package.has("[Content_Types].xml"):
            raise _refuse(path, "is a zip file but not an Office Open XML package (no [Content_Types].xml)")
        # Stream every entry once: actual sizes and CRCs, before any XML is parsed.
        total = 0
        for info in infos:
            total += _stream_check(zf, info, limits, path)
            if total > limits.max_total_bytes:
                raise _refuse(path, f"the parts inflate to over {limits.max_total_bytes:,} bytes (zip bomb?)")
        main = package.main_part()
        content_type = package.content_type(main) or ""
        if "spreadsheetml" not in content_type and "ms-excel" not in content_type:
            raise _refuse(path, f"is not an Excel workbook (its main part is {content_type or 'untyped'})")
        return package
    except BaseException:
        zf.close()
        raise


def _check_directory(path: Path, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Limits judged from the zip directory alone (declared sizes, counts, ratios, names)."""
    if len(infos) > limits.max_entries:
        raise _refuse(path, f"the package has {len(infos):,} entries, over the {limits.max_entries:,} limit")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if info.flag_bits & 0x1:
            raise _refuse(path, f"part {name} is encrypted; save the workbook without a password")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _refuse(path, f"part {name} uses an unsupported compression method {info.compress_type}")
        lower = name.lower()
        if lower in seen:
            raise _refuse(path, f"the package has two entries named {name!r}")
        seen.add(lower)
        if info.file_size > limits.max_part_bytes:
            raise _refuse(
                path,
                f"part {name} declares {info.file_size:,} bytes, over the "
                f"{limits.max_part_bytes:,}-byte limit (zip bomb?)",
            )
        total += info.file_size
        if total > limits.max_total_bytes:
            raise _refuse(path, f"the parts declare over {limits.max_total_bytes:,} bytes in total (zip bomb?)")
        if info.file_size > limits.ratio_floor_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise _refuse(
                    path,
                    f"part {name} compresses {ratio:,.0f} to 1, over the {limits.max_ratio:,.0f}:1 limit (zip bomb?)",
                )


_DTD_MARKERS = tuple(
    marker.encode(codec) for marker in ("<!DOCTYPE", "<!ENTITY") for codec in ("utf-8", "utf-16-le", "utf-16-be")
)
_XML_SUFFIXES = (".xml", ".rels", ".vml")


def _stream_check(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, path: Path) -> int:
    """Inflate one entry in chunks without keeping it; the bytes it really holds (capped).

    An XML part declaring a DTD is refused here, even one refresh would copy unparsed: Excel never
    writes a DTD, and its entities are how billion-laughs and external-entity attacks work.
    """
    cap = min(info.file_size, limits.max_part_bytes)
    count = 0
    is_xml = info.filename.lower().endswith(_XML_SUFFIXES)
    tail = b""
    try:
        with zf.open(info) as stream:
            while True:
                chunk = stream.read(1 << 20)
                if not chunk:
                    break
                if count == 0 and chunk.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n\0")[:1] == b"<":
                    is_xml = True
                count += len(chunk)
                if count > cap:
                    raise _refuse(path, f"part {info.filename} holds more bytes than it declares (zip bomb?)")
                if is_xml:
                    window = tail + chunk
                    if any(marker in window for marker in _DTD_MARKERS):
                        raise _refuse(
                            path,
                            f"part {info.filename} declares a DTD or entities, which Excel never "
                            "writes and which can expand without limit (billion laughs); refused",
                        )
                    tail = window[-32:]
    except InputError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise MalformedPart(info.filename, f"cannot be decompressed ({exc})", path) from None
    if count != info.file_size:
        raise MalformedPart(info.filename, f"holds {count:,} bytes but its zip entry declares {info.file_size:,}", path)
    return count


def _read_capped(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, path: Path) -> bytes:
    cap = min(info.file_size, limits.max_part_bytes)
    try:
        with zf.open(info) as stream:
            data = stream.read(cap + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise MalformedPart(info.filename, f"cannot be decompressed ({exc})", path) from None
    if len(data) > cap:
        raise _refuse(path, f"part {info.filename} holds more bytes than it declares (zip bomb?)")
    return data


# --------------------------------------------------------------------------------------------
# Writing


def lock_file_for(path: Path) -> Path | None:
    """The first lock file Excel or LibreOffice keeps beside `path` while it is open (see atomic.lock_files)."""
    from xlplugin.ooxml.atomic import lock_files

    found = lock_files(path)
    return found[0] if found else None


def refuse_if_locked(path: Path) -> None:
    from xlplugin.ooxml.atomic import refuse_if_open_elsewhere

    refuse_if_open_elsewhere(path)


def check_targets(workbook: Path, target: Path, force: bool) -> None:
    """Refuse when the workbook (or a separate output) is open in Excel or LibreOffice, or the output exists."""
    refuse_if_locked(workbook)
    if not same_file(target, workbook):
        refuse_if_locked(target)
        try:
            exists = os.path.lexists(target)
        except (OSError, ValueError):
            exists = False  # a name too long: the write says so, naming it
        if exists and not force:
            raise _refuse(target, "already exists; use --force to overwrite it")


def same_file(a: Path, b: Path) -> bool:
    """True when two paths name the same file (an output given as the workbook itself, or a link to it)."""
    try:
        return Path(a).resolve() == Path(b).resolve() or os.path.samefile(a, b)
    except OSError:
        return Path(a) == Path(b)


def backup_path(path: Path) -> Path:
    """``NAME.bak.xlsx`` beside NAME.xlsx (NAME.bak.xlsm for macro workbooks)."""
    from xlplugin.ooxml.atomic import backup_path as _backup_path

    return _backup_path(path)


WriteHook = Callable[[str], None]
"""Called with a step name before each write step; tests raise from it to simulate a crash."""

_no_hook: WriteHook = lambda step: None  # noqa: E731


def write_package(
    package: Package,
    target: Path | str,
    changes: dict[str, bytes | None] | dict[str, bytes],
    *,
    backup: bool = False,
    force: bool = False,
    hook: WriteHook = _no_hook,
) -> Path:
    """Write `package` with `changes` applied to `target` atomically; return target.

    `changes` maps part names to new bytes (a new or replaced part) or None (a removed part).
    Untouched entries keep their compressed bytes, copied from the open file the package was
    checked from; new parts are appended after the rest. Written over the package's own file,
    the write refuses when that file was replaced or changed meanwhile; a separate `target` is
    created exclusively unless `force`. With `backup`, an existing target is kept as
    :func:`backup_path` before it is replaced.
    """
    from xlplugin.ooxml import atomic

    target = Path(target)
    in_place = package.identity is not None and same_file(target, package.path)
    lower_changes = {name.lstrip("/").lower(): (name.lstrip("/"), data) for name, data in changes.items()}

    def write(raw_out: BinaryIO) -> None:
        pending = dict(lower_changes)
        with zipfile.ZipFile(raw_out, "w", zipfile.ZIP_DEFLATED) as out:
            for info in package.infos:
                key = info.filename.lower()
                if key in pending:
                    _name, data = pending.pop(key)
                    if data is not None:
                        hook("write-part")
                        _write_new(out, info.filename, data, like=info)
                    continue
                hook("copy-part")
                _copy_entry(out, package, info)
            for name, data in pending.values():
                if data is not None:
                    hook("write-part")
                    _write_new(out, name, data)

    return atomic.write_file(
        target,
        write,
        replace=in_place or force,
        expect=package.identity if in_place else None,
        force=force,
        backup=backup,
        hook=hook,
        source=package.path if package.identity is not None else None,
    )


def _write_new(out: zipfile.ZipFile, name: str, data: bytes, like: zipfile.ZipInfo | None = None) -> None:
    info = zipfile.ZipInfo(name, date_time=like.date_time if like else (1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = like.external_attr if like else 0o600 << 16
    out.writestr(info, data)


def _copy_entry(out: zipfile.ZipFile, package: Package, info: zipfile.ZipInfo) -> None:
    """Copy an entry's compressed bytes unchanged; fall back to re-compressing its content."""
    try:
        _copy_raw(out, package, info)
    except RawCopyUnavailable:
        data = package.read(info.filename)
        clone = zipfile.ZipInfo(info.filename, date_time=_sane_date(info.date_time))
        clone.compress_type = info.compress_type
        clone.external_attr = info.external_attr
        out.writestr(clone, data)


def _sane_date(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int, int, int, int, int]:
    year = date_time[0]
    return date_time if 1980 <= year <= 2107 else (1980, 1, 1, 0, 0, 0)


def _copy_raw(out: zipfile.ZipFile, package: Package, info: zipfile.ZipInfo) -> None:
    """Write a local header and the entry's compressed bytes as stored (`ooxml.rawzip`).

    The bytes come from the package's own open file (never the path again), and the local
    header must name the entry the directory names: otherwise the file was changed under us.
    """
    raw_in = package.handle
    if raw_in is None or out.fp is None:
        raise RawCopyUnavailable
    raw_in.seek(info.header_offset)
    header = raw_in.read(LOCAL_HEADER)
    if len(header) != LOCAL_HEADER or header[:4] != b"PK\x03\x04":
        raise RawCopyUnavailable
    name_len = struct.unpack("<H", header[26:28])[0]
    stored_name = raw_in.read(name_len)
    expected = info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace")
    if stored_name != expected:
        raise _refuse(package.path, "the workbook changed while xlplugin was working on it; nothing was written")
    raw_in.seek(data_offset(header, info.header_offset))

    def chunks() -> Iterator[bytes]:
        remaining = info.compress_size
        while remaining:
            chunk = raw_in.read(min(remaining, 1 << 20))
            if not chunk:
                raise MalformedPart(info.filename, "is truncated")
            yield chunk
            remaining -= len(chunk)

    append_raw(out, clone_info(info, _sane_date(info.date_time)), chunks())


def unused_rid(existing: Iterable[str]) -> Callable[[], str]:
    """A generator of relationship ids not in `existing` (rIdN, N beyond the largest in use)."""
    used = set(existing)
    numbers = [int(m.group(1)) for rid in used if (m := re.fullmatch(r"rId(\d+)", rid))]
    counter = [max(numbers, default=0)]

    def next_id() -> str:
        while True:
            counter[0] += 1
            candidate = f"rId{counter[0]}"
            if candidate not in used:
                used.add(candidate)
                return candidate

    return next_id


def unused_part_name(package_names: Iterable[str], pattern: str, reserved: Iterable[str] = ()) -> str:
    """The first name `pattern.format(n)` (n = 1, 2, ...) free case-insensitively."""
    taken = {name.lower() for name in package_names} | {name.lower() for name in reserved}
    n = 1
    while pattern.format(n).lower() in taken:
        n += 1
    return pattern.format(n)
