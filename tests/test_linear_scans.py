"""Linear-time replacements of quadratic scans agree with what they replaced (hostile-input fixes)."""

import random
import re

from recipelint import engine
from recipelint.identity import _buckets, _innermost, _starts

engine.discover()  # makes the rules package importable as recipelint_rules

from recipelint_rules._addresses import _GO_CONTROL, _OPAQUE, _blank, _blank_actions  # noqa: E402

_OLD = re.compile(r"\{\{.*?\}\}", re.S)


def _old_blank(text: str) -> str:
    return _OLD.sub(lambda m: _blank(m, " " if _GO_CONTROL.match(m.group(0)) else _OPAQUE), text)


def test_template_action_blanking_matches_the_regex_it_replaced():
    rng = random.Random(7)
    pieces = ["{{", "}}", "{", "}", "a", " ", "\n", "if ", "end", "-", "/*", "*/"]
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 24)))
        assert _blank_actions(text) == _old_blank(text), repr(text)
    assert _blank_actions('a {{ env "X" }} b {{ if .Y }}c{{ end }}') == \
        "a " + _OPAQUE * 13 + " b " + " " * 11 + "c" + " " * 9


def test_innermost_node_with_buckets_matches_the_full_scan():
    index = [((1, 1), (9, 1), "services"), ((2, 3), (2, 7), "services/app"), ((2, 3), (8, 20), "services/app"),
             ((3, 5), (3, 10), "services/app/image"), ((3, 12), (3, 30), "services/app/image"),
             ((4, 5), (7, 30), "services/app/environment"), ((5, 7), (5, 40), "services/app/environment/[0]")]
    starts, buckets = _starts(index), _buckets(index)
    for line in range(0, 11):
        for col in range(0, 42):
            assert _innermost(index, line, col, starts, buckets) == _innermost(index, line, col), (line, col)
    assert _innermost(index, 5, 9, starts, buckets) == "services/app/environment/[0]"
