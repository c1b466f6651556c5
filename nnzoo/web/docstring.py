"""Render a model module's docstring (reST-ish text) as safe HTML for its catalog page.

Every character of the source is escaped; markup comes only from these constructs:

- paragraphs (separated by blank lines) -> ``<p>``;
- bullet lists (lines starting ``- `` or ``* ``, continuation lines indented) -> ``<ul>``;
- an indented block (the formulas of nnzoo's docstrings, or a literal block after a
  paragraph ending in ``::``) -> ``<pre class="math">`` (``<pre class="literal">``);
- ``.. math::`` blocks (LaTeX) -> ``<pre class="math tex">``; any other directive's body is
  kept as a paragraph;
- inline: ````literal```` and ```text``` -> ``<code>``; ``:math:`x``` -> ``<code
  class="math">``; Sphinx roles (``:class:`~a.b.C```) -> ``<code>`` with the name shown
  as Sphinx shows it; ``**strong**``, ``*emphasis*``; ``http(s)://`` URLs -> links.

Formulas stay as their source text in a monospaced block, a decision: nnzoo's docstrings
write most math in plain ASCII (``p(h_j = 1 | v) = sigmoid(c_j + W_j v)``), which is
clearer as written than typeset, and the page needs no script and no network to show it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator

try:
    from markupsafe import Markup, escape
except ImportError as e:  # the web extra
    raise ImportError("nnzoo.web needs the web extra: pip install 'nnzoo[web]'") from e

__all__ = ["render_docstring"]

_INLINE = re.compile(
    r"``(?P<literal>.+?)``"
    r"|:math:`(?P<math>[^`]+)`"
    r"|:(?P<role>[a-z]+(?::[a-z]+)?):`(?P<target>[^`]+)`"
    r"|(?<![\w`])`(?P<interp>[^`\s][^`]*)`(?![\w`])"
    r"|\*\*(?P<strong>[^*\s](?:[^*]*[^*\s])?)\*\*"
    r"|(?<![\w*])\*(?P<em>[^*\s](?:[^*]*[^*\s])?)\*(?![\w*])"
    r"|(?P<url>https?://[^\s<>\"'`]+)",
    re.S,
)
_BULLET = re.compile(r"^[-*] ")
_DIRECTIVE = re.compile(r"^\.\. (?P<name>[a-z][a-z-]*)::\s*(?P<arg>.*)$")
_URL_TAIL = ".,;:!?)]}'\""


def _role_text(target: str) -> str:
    """The text Sphinx shows for a role's target: ``~a.b.C`` -> ``C``, ``T <a.b>`` -> ``T``."""
    m = re.fullmatch(r"(.+?)\s*<[^<>]+>", target, re.S)
    if m:
        return m.group(1)
    if target.startswith("~"):
        return target[1:].rsplit(".", 1)[-1]
    return target.lstrip("!")


def _link(url: str) -> str:
    """An escaped link to ``url`` minus trailing punctuation, followed by that punctuation."""
    tail = ""
    while url and url[-1] in _URL_TAIL:
        if url[-1] == ")" and url.count("(") > url.count(")") - 1:
            break  # a balanced parenthesis belongs to the URL (Wikipedia style)
        tail = url[-1] + tail
        url = url[:-1]
    return f'<a href="{escape(url)}" rel="noopener noreferrer">{escape(url)}</a>{escape(tail)}'


def _inline(text: str) -> str:
    """Escape ``text`` and turn its inline markup into HTML."""
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(str(escape(text[pos:m.start()])))
        pos = m.end()
        kind = m.lastgroup
        if kind == "literal":
            out.append(f"<code>{escape(m['literal'])}</code>")
        elif kind == "math":
            out.append(f'<code class="math">{escape(m["math"])}</code>')
        elif kind == "target":
            out.append(f"<code>{escape(_role_text(m['target']))}</code>")
        elif kind == "interp":
            out.append(f"<code>{escape(m['interp'])}</code>")
        elif kind == "strong":
            out.append(f"<strong>{escape(m['strong'])}</strong>")
        elif kind == "em":
            out.append(f"<em>{escape(m['em'])}</em>")
        else:
            out.append(_link(m["url"]))
    out.append(str(escape(text[pos:])))
    return "".join(out)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _dedent(lines: list[str]) -> str:
    """Lines of an indented block without their common indentation or outer blank lines."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    while lines and not lines[0].strip():
        lines = lines[1:]
    cut = min((_indent(x) for x in lines if x.strip()), default=0)
    return "\n".join(x[cut:] for x in lines)


def _take_indented(lines: list[str], i: int, base: int) -> tuple[list[str], int]:
    """Lines from ``i`` that are blank or indented deeper than ``base``; the block ends at a
    line indented ``base`` or less (blank lines before it are left out)."""
    block: list[str] = []
    while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > base):
        block.append(lines[i])
        i += 1
    while block and not block[-1].strip():
        block.pop()
        i -= 1
    return block, i


def _blocks(lines: list[str]) -> Iterator[str]:
    """The HTML of each block of the (dedented) lines."""
    i = 0
    literal_next = False
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if _indent(line) > 0:  # an indented block at the top level: formulas or literal
            block, i = _take_indented(lines, i, 0)
            cls = "literal" if literal_next else "math"
            yield f'<pre class="{cls}">{escape(_dedent(block))}</pre>'
            literal_next = False
            continue
        literal_next = False
        directive = _DIRECTIVE.match(line)
        if directive:
            block, i = _take_indented(lines, i + 1, 0)
            body = _dedent(block)
            if directive["name"] == "math":
                tex = "\n".join(x for x in (directive["arg"].strip(), body) if x)
                yield f'<pre class="math tex">{escape(tex)}</pre>'
            elif body or directive["arg"].strip():
                text = " ".join(x for x in (directive["arg"].strip(), body) if x)
                yield f"<p>{_inline(text)}</p>"
            continue
        if _BULLET.match(line):
            items: list[str] = []
            while i < len(lines) and _BULLET.match(lines[i]):
                item = [lines[i][2:]]
                rest, i = _take_indented(lines, i + 1, 0)
                item += [x.strip() for x in rest]
                items.append(f"<li>{_inline(chr(10).join(x for x in item if x))}</li>")
                j = i
                while j < len(lines) and not lines[j].strip():
                    j += 1
                if j < len(lines) and _BULLET.match(lines[j]):
                    i = j  # a blank line between items does not end the list
            yield "<ul>" + "".join(items) + "</ul>"
            continue
        para: list[str] = []
        while i < len(lines) and lines[i].strip() and _indent(lines[i]) == 0 and not (
            para and (_BULLET.match(lines[i]) or _DIRECTIVE.match(lines[i]))
        ):
            para.append(lines[i])
            i += 1
        text = "\n".join(para)
        if text.endswith("::"):
            literal_next = True
            text = text[:-1]
        yield f"<p>{_inline(text)}</p>"


def render_docstring(text: str | None) -> Markup:
    """Return the docstring as safe HTML: every character escaped, the constructs listed
    in this module's docstring turned into markup.

    :param text: the docstring (``module.__doc__``); None or blank gives empty markup.
    """
    if not text or not text.strip():
        return Markup("")
    lines = inspect.cleandoc(text).expandtabs(4).splitlines()
    return Markup("\n".join(_blocks(lines)))
