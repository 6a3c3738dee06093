from recipelint.rule import WARNING, RECIPE_DEFECT, Example, Rule
from recipelint_rules._integrity import has_unresolved, inside, interpolate_deploy
from recipelint_rules._knowledge import VERSION_LABEL


class VersionLabelNotLatestRelease(Rule):
    code = "I011"
    name = "version-label-not-latest-release"
    severity = WARNING
    category = RECIPE_DEFECT
    probe = None
    summary = "The app's coop-cloud.${STACK_NAME}.version label does not name the latest release tag."
    why = """
    abra learns which recipe version an app runs from the `coop-cloud.${STACK_NAME}.version`
    deploy label of its `app` service: `abra app ls` shows it, and `abra app upgrade` and
    `rollback` compute what to do from it. `abra recipe release` writes the label and tags the
    commit together, so the label in the working tree should be the latest release tag. A label
    that names an older release, or a version that was never tagged, makes every deployed app
    report the wrong version, and upgrades start from the wrong place. A label that is only
    unresolved interpolation is left alone.
    """
    fix = """
    Set the label to the latest release tag (`abra recipe release` does it), or tag the version
    the label names if that release was meant to exist.
    """

    def check(self, recipe):
        rel = recipe.latest_release
        app = recipe.default.services.get("app")
        if rel is None or app is None:
            return
        label = app.labels.get(VERSION_LABEL.format(stack="${STACK_NAME}"))
        if label is None:
            return
        value = interpolate_deploy(recipe, label.value or "").strip()
        if has_unresolved(value) or value == rel.tag:
            return
        tags = {r.tag: r for r in recipe.git.releases}
        if value in tags and tags[value].version >= rel.version:
            return  # a newer pre-release: a release in preparation
        if value in tags:
            what = f"names the older release {value}"
        elif not value:
            what = "is empty"
        else:
            what = f"names {value}, which no tag in the repository has"
        yield self.finding(inside(label.value_node), f"the version label of 'app' {what}, but the latest release tag is "
                                             f"{rel.tag}; abra reports and upgrades deployed apps from this label",
                           service="app", data={"label": value, "release": rel.tag})

    _COMPOSE = """\
services:
  app:
    image: nginx:1.27
    deploy:
      labels:
        - "coop-cloud.${STACK_NAME}.version=VERSION"
"""
    valid = [
        Example(history=[{"files": {"compose.yml": _COMPOSE.replace("VERSION", "1.0.0+1.27.0")},
                          "tag": "1.0.0+1.27.0"}], note="the label names the latest release"),
        Example(history=[
            {"files": {"compose.yml": _COMPOSE.replace("VERSION", "1.0.0+1.27.0")}, "tag": "1.0.0+1.27.0"},
            {"files": {"compose.yml": _COMPOSE.replace("VERSION", "${APP_RELEASE}")}},
        ], note="only unresolved interpolation"),
        Example(compose=_COMPOSE.replace("VERSION", "9.9.9"), note="no git history: nothing to compare with"),
    ]
    invalid = [
        Example(history=[
            {"files": {"compose.yml": _COMPOSE.replace("VERSION", "1.0.0+1.27.0")}, "tag": "1.0.0+1.27.0"},
            {"files": {"compose.yml": _COMPOSE.replace("VERSION", "1.0.0+1.27.0").replace("1.27\n", "1.28\n")},
             "tag": "1.1.0+1.28.0"},
        ], expect=[(6, 45)], note="released 1.1.0 by hand without updating the label"),
        Example(history=[
            {"files": {"compose.yml": _COMPOSE.replace("VERSION", "2.0.0+1.27.0")}, "tag": "1.0.0+1.27.0"},
        ], expect=[(6, 45)], note="a label that names a version that was never tagged"),
    ]
