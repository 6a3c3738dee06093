"""One formatter per output format, each a pure function from findings to text."""

from .jsonfmt import envelope, render_json
from .text import render_text

FORMATS = {"text": render_text, "json": render_json}

__all__ = ["FORMATS", "envelope", "render_json", "render_text"]
