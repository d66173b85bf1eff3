"""The founding article as a saved web page, a Word file and a PDF gives the same claims as the .txt.

Each version is made here from the .txt's body: the page with a navigation bar and a sidebar of
unrelated headlines (with figures of their own) around the article, the Word file by python-docx,
the PDF by LibreOffice from the text.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

import pytest

from tests import lo_harness as lo
from xlplugin.articles.check import check_text
from xlplugin.articles.readers import read_article
from xlplugin.inputs.spec import load_input

DATA = Path(__file__).resolve().parent / "data" / "articles"
LBC = DATA / "01-lbc-met-visits-2021"

SIDEBAR = [
    "Man, 24, charged after 3 stabbings in Croydon",
    "Energy bills to rise by 12% from October, regulator says",
    "Two thirds of commuters back four-day week, poll finds",
    "Sadiq Khan pledges 1,300 new officers for London by 2025",
]


def body() -> str:
    text = LBC.with_suffix(".txt").read_text(encoding="utf-8")
    return text.split("\n---\n", 1)[1]


def paragraphs() -> list[str]:
    return [p.strip() for p in body().split("\n\n") if p.strip()]


def signature(text: str) -> list[tuple[str, str, str]]:
    funnel, _spec, _path = load_input(LBC.with_suffix(".csv"))
    return [(c.quote, c.kind, c.verdict.verdict) for c in check_text(text, funnel).claims]


def expected() -> list[tuple[str, str, str]]:
    return signature(LBC.with_suffix(".txt").read_text(encoding="utf-8"))


def test_txt_has_the_thirteen_claims():
    assert len(expected()) == 13


def test_saved_page_gives_the_same_claims_without_navigation_or_sidebar(tmp_path):
    pytest.importorskip("trafilatura")
    paras = paragraphs()
    headline, rest = paras[1], paras[2:]
    nav = "".join(f'<li><a href="/{w.lower()}">{w}</a></li>' for w in ["News", "Politics", "Crime", "Top 10 stories"])
    side = "".join(f'<li><a href="/news/{i}">{html.escape(h)}</a></li>' for i, h in enumerate(SIDEBAR))
    title = html.escape(headline)
    page = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} - LBC</title></head>
<body><header><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{html.escape(headline)}</h1>
{"".join(f"<p>{html.escape(p)}</p>" for p in rest)}
</article>
<aside><h2>More Latest News</h2><ul>{side}</ul></aside></main>
<footer><p>&copy; Global 2021. 30 Leicester Square, London WC2H 7LA</p></footer></body></html>"""
    path = tmp_path / "lbc.html"
    path.write_text(page, encoding="utf-8")
    text, _name = read_article(str(path))
    for h in SIDEBAR:
        assert h not in text
    assert signature(text) == expected()


def test_word_file_gives_the_same_claims(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for p in paragraphs():
        document.add_paragraph(p)
    path = tmp_path / "lbc.docx"
    document.save(str(path))
    text, _name = read_article(str(path))
    assert signature(text) == expected()


@pytest.mark.libreoffice
def test_pdf_made_by_libreoffice_gives_the_same_claims(tmp_path):
    lo.require_soffice()
    pytest.importorskip("pypdf")
    src = tmp_path / "lbc.txt"
    src.write_text(body(), encoding="utf-8")
    pdf = lo.convert(src, "pdf", tmp_path, recalc=False)
    text, _name = read_article(str(pdf))
    assert signature(text) == expected()


def test_missing_reader_names_the_extra(tmp_path, monkeypatch):
    from xlplugin.core.errors import InputError

    monkeypatch.setitem(sys.modules, "pypdf", None)  # as if not installed: importing it fails
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(InputError, match=r"pip install xlplugin\[articles\]"):
        read_article(str(path))
