from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Loc, Rule

_COMPOSE = 'version: "3.8"\nservices:\n  app:\n    image: nginx:1.25.3\n'


class ReleaseTagLightweight(Rule):
    code = "R014"
    name = "release-tag-lightweight"
    severity = ERROR  # abra: critical
    category = RECIPE_DEFECT
    probe = None
    summary = "A git tag of the recipe is lightweight, not annotated (abra R014)."
    why = """
    abra reads a recipe's versions from its git tags and expects each to be an annotated tag object
    (what `abra recipe release` and `git tag -a` make): it carries the release notes, who tagged and
    when. abra's tag handling looks up the tag object, so a lightweight tag (`git tag 1.2.0+3.4`, a bare
    ref to a commit) makes `recipe lint` fail critically and can hide that version from abra's version
    listing and upgrades. Like abra, we check every tag, not only release-shaped ones. A directory
    that is not a git repository has no tags to check.
    """
    fix = """
    Re-create the tag as an annotated one on the same commit and force-push it:
    `git tag -a -f <tag> <tag>^{} -m "<release notes>" && git push -f origin <tag>`.
    """

    def check(self, recipe):
        git = recipe.git
        if git is None:
            return
        for tag, annotated in sorted(git.tags.items()):
            if not annotated:
                yield self.finding(Loc(".", None, None), f"tag '{tag}' is a lightweight tag; abra needs annotated tags",
                                   data={"tag": tag})

    valid = [
        Example(compose=_COMPOSE, history=[{"files": {"compose.yml": _COMPOSE}, "tag": "0.1.0+1.25.3"}]),
        Example(compose=_COMPOSE, note="not a git repository"),
    ]
    invalid = [
        Example(history=[{"files": {"compose.yml": _COMPOSE}, "tag": "0.1.0+1.25.3"},
                         {"files": {"README.md": "# example\n"}, "tag": "0.1.1+1.25.3", "annotated": False}],
                expect=[(".", None, None)], note="the second release was tagged lightweight"),
    ]
