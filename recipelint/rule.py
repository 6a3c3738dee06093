"""What a rule is. Rules live in `rules/`, one file per rule (or tight family).

A rule file reads top to bottom: metadata, docs, check, examples::

    class BackupDumpNotRestored(Rule):
        code = "B001"
        name = "backup-dump-not-restored"
        severity = ERROR
        category = RECIPE_DEFECT
        probe = "backup-roundtrip"
        summary = "..."
        why = "..."
        fix = "..."

        def check(self, recipe):
            ...
            yield self.finding(label.key_node, "message", service=svc.name)

        valid = [Example(...)]
        invalid = [Example(..., expect=[(line, col)])]

Tests are generated from ``valid``/``invalid`` (tests/test_rule_examples.py), so a rule
cannot ship without examples.
"""

from __future__ import annotations

from .record import Frozen, Record, sha256

TYPE_CHECKING = False  # not typing's: importing typing costs ~2.5 ms on every run
if TYPE_CHECKING:
    from typing import Any, ClassVar, Iterator

ERROR = "error"
WARNING = "warning"
INFO = "info"
SEVERITIES = (ERROR, WARNING, INFO)

RECIPE_DEFECT = "recipe-defect"
STALE_TEST = "stale-test"
HARNESS = "harness"
STYLE = "style"
CATEGORIES = (RECIPE_DEFECT, STALE_TEST, HARNESS, STYLE)


class Loc(Frozen):
    """A position that is not a YAML node: a template line, an env assignment, an assert."""

    __slots__ = _fields = ("file", "line", "col", "end_line", "end_col", "root")

    def __init__(self, file: str, line: int | None, col: int | None, end_line: int | None = None,
                 end_col: int | None = None, root: str = "recipe"):
        self.file = file
        self.line = line
        self.col = col
        self.end_line = end_line
        self.end_col = end_col
        self.root = root  # "recipe" or "overlay": what ``file`` is relative to


class Finding(Record):
    # no __slots__: a finding's fields are its __dict__ (vars(f), Finding(**f.__dict__))
    _fields = ("code", "name", "severity", "category", "recipe", "path", "line", "column", "end_line",
               "end_column", "service", "message", "fix", "probe", "root", "data", "node_id", "suppressed")

    def __init__(self, code: str, name: str, severity: str, category: str, recipe: str, path: str,
                 line: int | None, column: int | None, end_line: int | None, end_column: int | None,
                 service: str | None, message: str, fix: str, probe: str | None, root: str = "recipe",
                 data: dict[str, Any] | None = None, node_id: str | None = None, suppressed: dict | None = None):
        self.code = code
        self.name = name
        self.severity = severity
        self.category = category
        self.recipe = recipe
        self.path = path
        self.line = line
        self.column = column
        self.end_line = end_line
        self.end_column = end_column
        self.service = service
        self.message = message
        self.fix = fix
        self.probe = probe
        self.root = root
        self.data = {} if data is None else data  # facts a live probe needs (names, networks...)
        # A stable identity of the offending node within its file, set by the engine: the YAML key path
        # (`services.db.deploy.labels.backupbot.backup.pre-hook`) or, outside YAML, a digest of the
        # line's text; `#2`, `#3`... tell apart findings that would otherwise share everything.
        self.node_id = node_id
        # Set when an inline `recipelint: ignore[...]` comment suppresses the finding:
        # {"kind": "inSource", "justification": reason, "path": ..., "line": ...} (recipelint.suppress).
        self.suppressed = suppressed

    @property
    def fingerprint(self) -> str:
        """Deterministic, from structured evidence only (never the message): code, recipe, root,
        path, service and the node's identity. Moving lines or rewording a message keeps it."""
        raw = "\x1f".join([self.code, self.recipe, self.root, self.path, self.service or "", self.node_id or ""])
        return sha256(raw.encode()).hexdigest()[:16]

    def sort_key(self):
        return (self.recipe, self.root, self.path, self.line or 0, self.column or 0, self.code, self.message)


class Example(Record):
    """A small recipe for a rule's VALID or INVALID examples.

    ``files`` maps recipe-relative paths to content (``compose`` is a shortcut for
    `compose.yml`, ``env`` for `.env.sample`); ``overlay`` maps paths under the overlay
    root's `<recipe>/` folder to test code; ``history`` (list of steps, see
    recipelint.testing.build_repo) makes the recipe a git repository. ``expect`` lists
    the (line, col) — or (path, line, col) — where an INVALID example must fire.
    """

    __slots__ = _fields = ("compose", "env", "files", "overlay", "history", "expect", "note")

    def __init__(self, compose: str | None = None, env: str | None = None, files: dict[str, str] | None = None,
                 overlay: dict[str, str] | None = None, history: list[dict] | None = None,
                 expect: list[tuple] | None = None, note: str = ""):
        self.compose = compose
        self.env = env
        self.files = {} if files is None else files
        self.overlay = {} if overlay is None else overlay
        self.history = [] if history is None else history
        self.expect = [] if expect is None else expect
        self.note = note

    def all_files(self) -> dict[str, str]:
        out = dict(self.files)
        if self.compose is not None:
            out["compose.yml"] = self.compose
        if self.env is not None:
            out[".env.sample"] = self.env
        return out


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[str] = ERROR
    category: ClassVar[str] = RECIPE_DEFECT
    probe: ClassVar[str | None] = None
    summary: ClassVar[str] = ""
    why: ClassVar[str] = ""
    fix: ClassVar[str] = ""
    # What a live run of ``probe`` is expected to show when the finding is real (the pre-staged
    # verdict in `recipelint report`); empty: the probe's default text (recipelint.prestage).
    live_verdict: ClassVar[str] = ""
    valid: ClassVar[list[Example]] = []
    invalid: ClassVar[list[Example]] = []

    def __init__(self, recipe_name: str = ""):
        self.recipe_name = recipe_name

    def check(self, recipe) -> Iterator[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    def finding(self, at, message: str, *, service: str | None = None, fix: str | None = None,
                data: dict | None = None) -> Finding:
        """A finding at ``at``: a YNode, a Loc, or anything with file/line/col."""
        file = getattr(at, "file", None)
        root = getattr(at, "root", "recipe")
        if file is not None and not isinstance(file, str):  # an overlay TestFile
            root = file.root_kind
            file = file.rel
        end_line = getattr(at, "end_line", None)
        end_col = getattr(at, "end_col", None)
        return Finding(
            code=self.code, name=self.name, severity=self.severity, category=self.category,
            recipe=self.recipe_name, path=file or ".", line=getattr(at, "line", None),
            column=getattr(at, "col", None), end_line=end_line, end_column=end_col, service=service,
            message=message, fix=fix or _first_paragraph(self.fix), probe=self.probe, root=root,
            data=dict(data or {}),
        )


def _first_paragraph(text: str) -> str:
    para = text.strip().split("\n\n", 1)[0]
    return " ".join(para.split())
