"""The package reader's limits and refusals, the atomic writer, and the text-splicing scanner."""

from __future__ import annotations

import io
import os
import shutil
import struct
import zipfile
from pathlib import Path

import pytest
from helpers import zip_entries

from xlplugin.core.errors import InputError
from xlplugin.ooxml.package import (
    OLE_MAGIC,
    Limits,
    backup_path,
    lock_file_for,
    open_package,
    refuse_if_locked,
    resolve_target,
    scan,
    set_attr,
    splice,
    unused_part_name,
    unused_rid,
    write_package,
)

DATA = Path(__file__).parent / "data" / "xlsx"
SMALL = DATA / "calamine__table-multiple.xlsx"


def _rezip(
    src: Path,
    dst: Path,
    replace: dict[str, bytes] | None = None,
    extra: dict[str, bytes] | None = None,
    compression=zipfile.ZIP_DEFLATED,
) -> Path:
    replace = replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info)))
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def _refusal(path, limits=None) -> str:
    with pytest.raises(InputError) as err:
        if limits is None:
            open_package(path)
        else:
            open_package(path, limits)
    return str(err.value)


# --------------------------------------------------------------------------------------------
# refusals


def test_refuses_not_a_zip(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_text("name,count\n", encoding="utf-8")
    assert "not a zip" in _refusal(path)


def test_refuses_encrypted_ooxml(tmp_path):
    path = tmp_path / "secret.xlsx"
    path.write_bytes(OLE_MAGIC + b"\0" * 504)
    assert "encrypted" in _refusal(path)


def test_refuses_zip_without_content_types(tmp_path):
    path = tmp_path / "plain.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert "[Content_Types].xml" in _refusal(path)


def test_refuses_missing_file(tmp_path):
    assert "cannot read" in _refusal(tmp_path / "missing.xlsx")


def test_refuses_too_many_entries(tmp_path):
    path = _rezip(SMALL, tmp_path / "many.xlsx", extra={f"junk/{i}.bin": b"" for i in range(30)})
    assert "entries" in _refusal(path, Limits(max_entries=20))


def test_refuses_declared_part_size(tmp_path):
    path = _rezip(SMALL, tmp_path / "big.xlsx", extra={"xl/media/big.bin": b"\0" * 5000})
    assert "declares" in _refusal(path, Limits(max_part_bytes=4000))


def test_refuses_total_size(tmp_path):
    path = _rezip(SMALL, tmp_path / "total.xlsx", extra={f"xl/media/{i}.bin": b"\1" * 3000 for i in range(5)})
    assert "in total" in _refusal(path, Limits(max_total_bytes=12000))


def test_refuses_compression_ratio(tmp_path):
    path = _rezip(SMALL, tmp_path / "ratio.xlsx", extra={"xl/media/zeros.bin": b"\0" * (3 * 2**20)})
    assert "compresses" in _refusal(path)


def _lying_zip(tmp_path: Path, declared: int, actual: bytes) -> Path:
    """A zip whose one extra entry declares `declared` bytes but inflates to `actual`."""
    path = _rezip(SMALL, tmp_path / "liar.xlsx", extra={"xl/media/x.bin": actual}, compression=zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/media/x.bin")
    # patch the size in the local header and the central directory
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    index = 0
    while True:
        index = data.find(b"PK\x01\x02", index)
        if index < 0:
            break
        name_len = struct.unpack_from("<H", data, index + 28)[0]
        if bytes(data[index + 46 : index + 46 + name_len]) == b"xl/media/x.bin":
            struct.pack_into("<I", data, index + 24, declared)
        index += 4
    path.write_bytes(bytes(data))
    return path


def test_refuses_entry_that_holds_more_than_it_declares(tmp_path):
    path = _lying_zip(tmp_path, 100, b"A" * 5000)
    message = _refusal(path)
    assert "x.bin" in message and ("more bytes than it declares" in message or "damaged" in message)


def test_billion_laughs_is_refused_before_expansion(tmp_path):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i > 1 else b"&lol;" * 10) for i in range(1, 10)
        )
        + b']><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheets><sheet name="&lol9;" sheetId="1"/></sheets></workbook>'
    )
    path = _rezip(SMALL, tmp_path / "laughs.xlsx", replace={"xl/workbook.xml": laughs})
    from xlplugin.refresh import refresh_table

    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        refresh_table(path, csv, "Data")
    assert "DTD" in str(err.value) or "entit" in str(err.value).lower()
    assert zip_entries(path)["xl/workbook.xml"] == laughs  # nothing written


def test_scan_refuses_entities():
    with pytest.raises(InputError):
        scan(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')


def test_damaged_entry_is_refused(tmp_path):
    path = tmp_path / "damaged.xlsx"
    shutil.copy(SMALL, path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 10
    for i in range(start, start + 20):
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    assert "damaged" in _refusal(path) or "holds" in _refusal(path)


# --------------------------------------------------------------------------------------------
# names, targets and locks


def test_case_insensitive_parts_and_absolute_targets():
    with open_package(DATA / "poi__123233_charts.xlsx") as package:
        assert package.find("XL/WORKBOOK.XML") == "xl/workbook.xml"
        assert package.main_part() == "xl/workbook.xml"
        for rel in package.rels("xl/workbook.xml"):
            if rel.part:
                assert package.has(rel.part), rel
    assert resolve_target("xl", "/xl/worksheets/sheet1.xml") == "xl/worksheets/sheet1.xml"
    assert resolve_target("xl/worksheets", "../drawings/drawing1.xml") == "xl/drawings/drawing1.xml"
    assert resolve_target("xl", "worksheets/sheet%201.xml") == "xl/worksheets/sheet 1.xml"


def test_unused_ids_and_names():
    make = unused_rid(["rId1", "rId3", "rIdX"])
    assert [make(), make()] == ["rId4", "rId5"]
    assert (
        unused_part_name(["xl/worksheets/Sheet1.xml", "xl/worksheets/sheet2.xml"], "xl/worksheets/sheet{}.xml")
        == "xl/worksheets/sheet3.xml"
    )


def test_lock_file_is_found(tmp_path):
    book = tmp_path / "Funnel report.xlsx"
    shutil.copy(SMALL, book)
    assert lock_file_for(book) is None
    (tmp_path / "~$Funnel report.xlsx").write_bytes(b"x")
    with pytest.raises(InputError, match="open in Excel"):
        refuse_if_locked(book)
    os.remove(tmp_path / "~$Funnel report.xlsx")
    (tmp_path / "~$nnel report.xlsx").write_bytes(b"x")  # Excel's form for long names
    assert lock_file_for(book) is not None


# --------------------------------------------------------------------------------------------
# writing


def test_untouched_rewrite_keeps_every_entry(tmp_path):
    for source in sorted(DATA.glob("*.xls*")):
        out = tmp_path / source.name
        with open_package(source) as package:
            write_package(package, out, {})
        with zipfile.ZipFile(source) as a, zipfile.ZipFile(out) as b:
            assert a.namelist() == b.namelist()
            for info in a.infolist():
                other = b.getinfo(info.filename)
                assert a.read(info) == b.read(other)
                assert (info.CRC, info.compress_size, info.compress_type) == (
                    other.CRC,
                    other.compress_size,
                    other.compress_type,
                ), info.filename  # raw copy


def test_stored_entries_and_data_descriptors_survive(tmp_path):
    stored = _rezip(SMALL, tmp_path / "stored.xlsx", compression=zipfile.ZIP_STORED)
    # a streamed zip (data descriptors), as some writers produce
    streamed = tmp_path / "streamed.xlsx"
    with zipfile.ZipFile(SMALL) as zin, open(streamed, "wb") as raw:

        class Unseekable(io.RawIOBase):
            def writable(self):
                return True

            def write(self, b):
                return raw.write(b)

        with zipfile.ZipFile(Unseekable(), "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                with zout.open(info.filename, "w") as handle:
                    handle.write(zin.read(info))
    for path in (stored, streamed):
        out = tmp_path / ("out-" + path.name)
        with open_package(path) as package:
            write_package(package, out, {"xl/new.xml": b"<x/>"})
        assert {k: v for k, v in zip_entries(out).items() if k != "xl/new.xml"} == zip_entries(path)


def test_backup_keeps_previous_file(tmp_path):
    book = tmp_path / "book.xlsx"
    shutil.copy(SMALL, book)
    before = book.read_bytes()
    with open_package(book) as package:
        write_package(package, book, {"docProps/extra.xml": b"<x/>"}, backup=True)
    assert backup_path(book).name == "book.bak.xlsx"
    assert backup_path(book).read_bytes() == before
    assert "docProps/extra.xml" in zip_entries(book)


@pytest.mark.parametrize("step", ["tempfile", "copy-part", "write-part", "flush", "backup", "replace"])
def test_interrupted_write_leaves_original_identical(tmp_path, step):
    book = tmp_path / "book.xlsx"
    shutil.copy(SMALL, book)
    before = book.read_bytes()

    class Crash(Exception):
        pass

    def hook(name):
        if name == step:
            raise Crash(name)

    with open_package(book) as package, pytest.raises(Crash):
        write_package(
            package,
            book,
            {"xl/worksheets/sheet1.xml": b"<worksheet/>", "xl/new.xml": b"<x/>"},
            backup=True,
            hook=hook,
        )
    assert book.read_bytes() == before
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name != "book.xlsx")
    assert leftovers in ([], ["book.bak.xlsx"]), leftovers
    if leftovers:
        assert (tmp_path / "book.bak.xlsx").read_bytes() == before


# --------------------------------------------------------------------------------------------
# text-level editing keeps everything else


def test_splice_keeps_prefixes_and_ignorable():
    data = (
        b'<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x15 xr" '
        b'xmlns:x15="urn:x15" xmlns:xr="urn:xr"><x:sheets><x:sheet name="a&amp;b" sheetId="3"/></x:sheets>'
        b'<x:calcPr calcId="1"/></x:workbook>'
    )
    root = scan(data)
    assert root.local == "workbook"
    sheet = root.find("sheets").find("sheet")
    assert sheet.attrs["name"] == "a&b" and sheet.empty
    calc = root.find("calcPr")
    out = splice(data, [set_attr(data, calc, "fullCalcOnLoad", "1"), set_attr(data, sheet, "name", "c<d")])
    assert out == data.replace(b'calcId="1"/>', b'calcId="1" fullCalcOnLoad="1"/>').replace(b"a&amp;b", b"c&lt;d")


def _zip_bomb(path: Path, uncompressed: int) -> Path:
    """A valid workbook plus one part of `uncompressed` zero bytes (compresses ~1000:1)."""
    shutil.copy(SMALL, path)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf,
        zf.open("xl/media/bomb.bin", "w", force_zip64=True) as handle,
    ):
        chunk = b"\0" * (8 << 20)
        for _ in range(uncompressed // len(chunk)):
            handle.write(chunk)
    return path


@pytest.mark.slow  # tens of seconds: run by `make test`, not by `make check`
def test_zip_bomb_refused_under_a_memory_limit(tmp_path):
    """Issue 6: an 800 MB-uncompressed bomb is refused (exit 2) under a 2.5 GB address-space limit."""
    import subprocess
    import sys

    bomb = _zip_bomb(tmp_path / "bomb.xlsx", 800 << 20)
    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n1,2\n", encoding="utf-8")
    before = bomb.read_bytes()
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2_500_000_000, 2_500_000_000))\n"
        "from xlplugin.core.errors import InputError\n"
        "from xlplugin.refresh import refresh_table\n"
        "try:\n"
        f"    refresh_table({str(bomb)!r}, {str(csv)!r}, 'Data')\n"
        "except InputError as exc:\n"
        "    print(exc); sys.exit(2)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "zip bomb" in done.stdout
    assert bomb.read_bytes() == before
