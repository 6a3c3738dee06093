"""One formatter per output format, each a function from findings to text.

Every formatter takes the findings (suppressed ones included, flagged ``suppressed``) and keyword
arguments ``roots`` ((recipe, root) -> the path given on the command line), ``recipes`` (names) and
format-specific ones it may ignore; all but SARIF and JSON leave suppressed findings out.
"""

from .github import render_github
from .jsonfmt import envelope, render_json
from .junit import render_junit
from .sarif import render_sarif
from .text import render_full, render_text

FORMATS = {"text": render_text, "concise": render_text, "full": render_full, "json": render_json,
           "sarif": render_sarif, "github": render_github, "junit": render_junit}

__all__ = ["FORMATS", "envelope", "render_full", "render_github", "render_json", "render_junit", "render_sarif",
           "render_text"]
