from recipelint.rule import STYLE, WARNING, Example, Loc, Rule
from recipelint_rules._abra import is_placeholder, readme_metadata, required_fields
from recipelint_rules._knowledge import README_METADATA_END, README_METADATA_START

_COMPOSE = 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25.3\n'
_README = """\
# Example

> A web server

<!-- metadata -->
* **Category**: Apps
* **Status**: 1, alpha
* **Image**: [`nginx`](https://hub.docker.com/_/nginx), 4, upstream
* **Healthcheck**: Yes
* **Backups**: No
* **Email**: N/A
* **Tests**: No
* **SSO**: N/A
<!-- endmetadata -->
"""


class ReadmeMetadataIncomplete(Rule):
    code = "R007"
    name = "readme-metadata-incomplete"
    severity = WARNING  # abra: warn
    category = STYLE
    probe = None
    summary = "README.md lacks a filled-in `<!-- metadata -->` block (abra R007)."
    why = f"""
    The Co-op Cloud recipe catalogue is generated from a block in each recipe's README.md, between
    `{README_METADATA_START}` and `{README_METADATA_END}`, with one `* **Field**: value` line per
    field: Category, Status, Image, Healthcheck, Backups, Email, Tests and SSO. abra reads Category,
    Image, Healthcheck, Backups, Email and SSO from it and `recipe lint` fails when one is missing or
    empty; an operator browsing the catalogue then cannot see whether the recipe backs up its data or
    supports SSO. We report the missing block or field at the block's first line, and an empty field
    (or a placeholder such as `?` or `TODO`) at its own line.
    """
    fix = """
    Add the block to README.md (copy it from the recipe template `abra recipe new` creates) and fill
    in every field, e.g. `* **Backups**: Yes`. Use `N/A` or `No` rather than leaving a field empty.
    """

    def check(self, recipe):
        text = recipe.read("README.md")
        if text is None:
            yield self.finding(Loc("README.md", None, None),
                               "there is no README.md, so there is no metadata block for abra and the catalogue")
            return
        md = readme_metadata(text)
        if md.start is None:
            yield self.finding(Loc("README.md", None, None),
                               f"README.md has no {README_METADATA_START} ... {README_METADATA_END} block")
            return
        line, col = md.start
        start = Loc("README.md", line, col, line, col + len(README_METADATA_START))
        if md.end is None:
            yield self.finding(start, f"the metadata block is never closed with {README_METADATA_END}")
        missing = [k for k in required_fields() if k not in md.fields]
        if missing:
            yield self.finding(start, f"the metadata block has no {', '.join(missing)} field"
                                      f"{'s' if len(missing) > 1 else ''}")
        for f in md.fields.values():
            if is_placeholder(f.value):
                what = "empty" if not f.value else f"only a placeholder ({f.value!r})"
                yield self.finding(Loc("README.md", f.line, f.col, f.line, f.col + len(f.key) + 4),
                                   f"metadata field {f.key} is {what}")

    valid = [
        Example(compose=_COMPOSE, files={"README.md": _README}),
        Example(compose=_COMPOSE, files={"README.md": _README.replace("* **Tests**: No\n", "")},
                note="Tests and Status are optional for abra"),
    ]
    invalid = [
        Example(compose=_COMPOSE, files={"README.md": _README.replace("**Backups**: No", "**Backups**:")},
                expect=[("README.md", 10, 3)], note="an empty field, at its line"),
        Example(compose=_COMPOSE, files={"README.md": _README.replace("**Email**: N/A", "**Email**: ?")},
                expect=[("README.md", 11, 3)], note="a placeholder"),
        Example(compose=_COMPOSE, files={"README.md": _README.replace("* **SSO**: N/A\n", "")},
                expect=[("README.md", 5, 1)], note="a required field is missing: at the block"),
        Example(compose=_COMPOSE, files={"README.md": "# Example\n\nA web server.\n"},
                expect=[("README.md", None, None)], note="no block at all"),
        Example(compose=_COMPOSE, expect=[("README.md", None, None)], note="no README.md"),
    ]
