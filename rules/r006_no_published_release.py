from recipelint.rule import STYLE, WARNING, Example, Loc, Rule

_COMPOSE = 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25.3\n'


class NoPublishedRelease(Rule):
    code = "R006"
    name = "no-published-release"
    severity = WARNING  # abra: warn
    category = STYLE
    probe = None
    summary = "The recipe's git repository has no release tag (abra R006, checked offline)."
    why = """
    abra deploys a recipe at a release: a git tag such as `1.2.0+1.25.3` (recipe version, then the
    main upstream version). Without one, `abra app deploy` can only deploy the unreleased working copy
    (`--chaos`), `abra app upgrade` has nothing to offer, and operators cannot tell which state of the
    recipe they run. abra's `recipe lint` asks the online recipe catalogue whether a version is
    published; recipelint stays offline and asks the recipe's own git repository for a release tag
    instead, which is where the catalogue's versions come from.

    A recipe directory that is not a git repository (an exported copy, a recipe nested in another
    project) gives no answer either way, so the rule stays silent there rather than guess.

    abra's R013 (the recipe's repository exists on git.coopcloud.tech) has no offline equivalent at all:
    it is out of scope, and recipelint has no R013 rather than one that cannot know (docs/abra-parity.md).
    """
    fix = """
    Tag a release with an annotated tag, e.g. `git tag -a 0.1.0+1.25.3 -m "first release"` (or
    `abra recipe release`), and push the tag.
    """

    def check(self, recipe):
        git = recipe.git
        if git is None or git.releases:
            return
        others = sorted(git.tags)
        seen = f" (its tags {', '.join(others[:5])} are not release versions)" if others else ""
        yield self.finding(Loc(".", None, None),
                           f"the git repository has no release tag such as 1.0.0+<upstream version>{seen}")

    valid = [
        Example(compose=_COMPOSE, history=[{"files": {"compose.yml": _COMPOSE}, "tag": "0.1.0+1.25.3"}]),
        Example(compose=_COMPOSE, note="not a git repository: nothing to say offline"),
    ]
    invalid = [
        Example(history=[{"files": {"compose.yml": _COMPOSE}}], expect=[(".", None, None)],
                note="commits, no tag"),
        Example(history=[{"files": {"compose.yml": _COMPOSE}, "tag": "before-refactor"}],
                expect=[(".", None, None)], note="a tag that is not a version"),
    ]
