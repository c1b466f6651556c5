"""The docstring renderer: every implemented model's docstring renders, nothing of the source
is lost or left unescaped, and the reST-ish constructs become the markup they stand for."""

from __future__ import annotations

import html
import importlib
import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from nnzoo.models.registry import get_spec, implemented_ids
from nnzoo.web.docstring import render_docstring


def _tree(markup: Markup) -> ET.Element:
    """The rendered HTML as an element tree (it must be well formed)."""
    return ET.fromstring(f"<div>{markup}</div>")


def _text(markup: Markup) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", str(markup)))


@pytest.mark.parametrize("model_id", implemented_ids())
def test_every_model_docstring_renders(model_id: str) -> None:
    doc = importlib.import_module(get_spec(model_id).cls.__module__).__doc__
    assert doc and doc.strip()
    out = render_docstring(doc)
    assert isinstance(out, Markup)
    root = _tree(out)
    assert {child.tag for child in root} <= {"p", "ul", "pre"}
    assert root.find("p") is not None
    # nothing of the text is lost: every word of the source is in the rendered text (a
    # role's ``~a.b.C`` shows as ``C``, as Sphinx shows it)
    shown = re.sub(r":\w+:`~[\w.]*?(\w+)`", r"\1", doc)
    words = re.findall(r"[A-Za-z][A-Za-z0-9_]{2,}", shown)
    rendered = set(re.findall(r"[A-Za-z][A-Za-z0-9_]{2,}", _text(out)))
    roles = {"class", "mod", "meth", "func", "attr", "data", "math", "obj", "exc"}
    missing = {w for w in words if w not in rendered} - roles
    assert not missing, sorted(missing)[:10]


def test_script_is_escaped() -> None:
    out = render_docstring('Hi <script>alert("x")</script> & <img src=x onerror=alert(1)>\n\n'
                           "    <script>in a formula</script>\n\n- <script>item</script>")
    assert "<script" not in out and "<img" not in out
    assert out.count("&lt;script&gt;") == 3
    assert "onerror" in _text(out)  # shown as text, not dropped
    _tree(out)


def test_constructs() -> None:
    doc = """Title line.

    A paragraph with ``code <x>``, :math:`\\alpha < 1`, :class:`~nnzoo.models.Foo`,
    :mod:`nnzoo.core`, **strong**, *emphasis*, 2 * 3 * 4 and a link
    https://doi.org/10.1/x_(y). Not a link: javascript:alert(1).

        E(s) = -1/2 sum_ij w_ij s_i s_j

    - first item
      continued
    - second item

    - third item after a blank line

    .. math::

       e^{i\\pi} + 1 = 0

    Example::

        nnzoo train lstm
    """
    out = render_docstring(doc)
    root = _tree(out)
    assert [child.tag for child in root] == ["p", "p", "pre", "ul", "pre", "p", "pre"]
    para = root[1]
    assert [c.text for c in para.findall("code")] == ["code <x>", "\\alpha < 1", "Foo",
                                                      "nnzoo.core"]
    assert para.find("code[@class='math']").text == "\\alpha < 1"
    assert para.find("strong").text == "strong" and para.find("em").text == "emphasis"
    assert "2 * 3 * 4" in _text(out)
    links = para.findall("a")
    assert [a.get("href") for a in links] == ["https://doi.org/10.1/x_(y)"]
    assert "javascript:alert(1)" in _text(out) and 'href="javascript' not in out
    assert root[2].get("class") == "math" and root[2].text == (
        "E(s) = -1/2 sum_ij w_ij s_i s_j")
    assert [li.text for li in root[3]] == ["first item\ncontinued", "second item",
                                           "third item after a blank line"]
    assert root[4].get("class") == "math tex" and root[4].text == "e^{i\\pi} + 1 = 0"
    assert root[5].text == "Example:"
    assert root[6].get("class") == "literal" and root[6].text == "nnzoo train lstm"


def test_url_punctuation_and_empty() -> None:
    out = render_docstring("See (https://example.org/a.pdf), then https://example.org/b.")
    assert [a.get("href") for a in _tree(out).iter("a")] == ["https://example.org/a.pdf",
                                                             "https://example.org/b"]
    assert render_docstring(None) == Markup("") == render_docstring("  \n ")
