"""Read an article as plain text: .txt, a saved web page, a Word file or a PDF, or standard input.

Plain text needs nothing. A saved page is read with trafilatura's main-content extraction, so
navigation and "More latest news" lists stay out; Word with python-docx (paragraphs, one a
line); PDF with pypdf. Those three live in the optional extra ``xlplugin[articles]``; a missing
one is an InputError naming the extra.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from xlplugin.core.errors import InputError

EXTRA_HINT = "install the articles extra: pip install xlplugin[articles]"
#: An article is pages, not a library: refuse anything bigger before reading it.
MAX_ARTICLE_BYTES = 50 * 1024 * 1024

HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def _need(module: str, what: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(f"reading {what} needs the Python package '{module}': {EXTRA_HINT}") from None


def _decode(data: bytes, name: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise InputError(
                f"{name}, line {line}: the text is not UTF-8 (byte {exc.start}); save it as UTF-8"
            ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_bytes(source: str) -> tuple[bytes, str]:
    """The raw bytes of `source` (a path, or '-' for standard input) and a name for messages."""
    if source == "-":
        return sys.stdin.buffer.read(MAX_ARTICLE_BYTES + 1), "<stdin>"
    path = Path(source)
    with path.open("rb") as fh:
        data = fh.read(MAX_ARTICLE_BYTES + 1)
    if len(data) > MAX_ARTICLE_BYTES:
        raise InputError(f"{source}: larger than {MAX_ARTICLE_BYTES // (1024 * 1024)} MB: not an article")
    return data, source


def read_article(source: str) -> tuple[str, str]:
    """(text, name): the article's text as checked, and a name for messages."""
    data, name = read_bytes(source)
    suffix = Path(name).suffix.lower() if name != "<stdin>" else ".txt"
    if suffix in HTML_SUFFIXES:
        return html_text(data, name), name
    if suffix == ".docx":
        return docx_text(data, name), name
    if suffix == ".pdf":
        return pdf_text(data, name), name
    if data[:5] == b"%PDF-" or data[:4] == b"PK\x03\x04":
        raise InputError(f"{name}: this is a PDF or Word file: give it a .pdf or .docx name")
    return _decode(data, name), name


def html_text(data: bytes, name: str = "<html>") -> str:
    """The main text of a saved web page (trafilatura), paragraphs one a line. No `deduplicate`:
    its cache is process-wide, so a page read twice would come back empty the second time."""
    trafilatura = _need("trafilatura", "web pages")
    text = trafilatura.extract(_decode(data, name), include_comments=False, include_tables=True, favor_precision=True)
    if not text:
        raise InputError(f"{name}: found no article text in this page")
    return text


def docx_text(data: bytes, name: str = "<docx>") -> str:
    """A Word file's paragraphs (and table cells), one a line."""
    docx = _need("docx", "Word files")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several kinds for a damaged package
        raise InputError(f"{name}: not a readable Word (.docx) file ({type(exc).__name__})") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def pdf_text(data: bytes, name: str = "<pdf>") -> str:
    """A PDF's text, page by page (pypdf); lines broken inside a paragraph are joined."""
    pypdf = _need("pypdf", "PDF files")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many kinds for damaged files
        raise InputError(f"{name}: not a readable PDF ({type(exc).__name__})") from None
    text = "\n".join(pages).replace("\r\n", "\n")
    if not text.strip():
        raise InputError(f"{name}: the PDF has no text layer (a scan?): nothing to check")
    return join_wrapped_lines(text)


def join_wrapped_lines(text: str) -> str:
    """Undo a PDF's line wrapping: a line that does not end a sentence, followed by one that
    starts in lower case or with a digit, continues the same paragraph."""
    out: list[str] = []
    for line in text.split("\n"):
        stripped = line.strip()
        ends_sentence = bool(out) and out[-1].rstrip().endswith((".", "!", "?", ":", '"', "\u201d"))
        continues = bool(stripped) and (
            stripped[0].islower() or stripped[0].isdigit() or stripped[0] in "\u201c\"(\u2018'"
        )
        if out and out[-1] and continues and not ends_sentence:
            out[-1] = out[-1].rstrip() + " " + stripped
            continue
        out.append(stripped)
    return "\n".join(out)
