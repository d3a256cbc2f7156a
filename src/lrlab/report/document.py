"""A report as a list of blocks, written once and rendered twice: Markdown and self-contained HTML.

Text may use two inline marks, ``code`` in backticks and **bold**; both renderers
understand them. In HTML, images are embedded as base64 data URIs, so the file
stands alone; in Markdown they are links relative to the report.

>>> doc = [Heading("Results"), Text("Best: **cosine** with `warmup_steps=5`.")]
>>> print(markdown(doc))
# Results
<BLANKLINE>
Best: **cosine** with `warmup_steps=5`.
<BLANKLINE>
"""

from __future__ import annotations

import base64
import dataclasses
import html
import re
from pathlib import Path

from .table import Table


@dataclasses.dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclasses.dataclass(frozen=True)
class Text:
    text: str


@dataclasses.dataclass(frozen=True)
class Items:
    items: list[str]


@dataclasses.dataclass(frozen=True)
class Code:
    text: str


@dataclasses.dataclass(frozen=True)
class Image:
    path: Path
    """The PNG, beside the report (Markdown links to its name)."""
    alt: str


Block = Heading | Text | Items | Code | Image | Table

CSS = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 1rem 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; text-align: left; }
th { background: #f3f3f3; }
img { max-width: 100%; }
code, pre { background: #f6f6f6; border-radius: 3px; }
pre { padding: 0.6rem; overflow-x: auto; }
"""


def markdown(blocks: list[Block]) -> str:
    """The blocks as one Markdown document."""
    return "".join(_markdown(block) + "\n\n" for block in blocks).rstrip("\n") + "\n"


def html_page(blocks: list[Block], title: str) -> str:
    """The blocks as one HTML page with its CSS and images inside."""
    body = "\n".join(_html(block) for block in blocks)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _markdown(block: Block) -> str:
    if isinstance(block, Heading):
        return "#" * block.level + " " + block.text
    if isinstance(block, Text):
        return block.text
    if isinstance(block, Items):
        return "\n".join(f"- {item}" for item in block.items)
    if isinstance(block, Code):
        return f"```\n{block.text}\n```"
    if isinstance(block, Image):
        return f"![{block.alt}]({block.path.name})"
    return block.markdown()


def _html(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{_inline(block.text)}</h{block.level}>"
    if isinstance(block, Text):
        return f"<p>{_inline(block.text)}</p>"
    if isinstance(block, Items):
        return "<ul>\n" + "".join(f"<li>{_inline(item)}</li>\n" for item in block.items) + "</ul>"
    if isinstance(block, Code):
        return f"<pre><code>{html.escape(block.text)}</code></pre>"
    if isinstance(block, Image):
        data = base64.b64encode(block.path.read_bytes()).decode("ascii")
        return f'<p><img src="data:image/png;base64,{data}" alt="{html.escape(block.alt)}"></p>'
    return block.html()


def _inline(text: str) -> str:
    """Escape ``text`` for HTML, then turn `code` and **bold** into tags."""
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
