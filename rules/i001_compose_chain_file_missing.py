from recipelint.rule import ERROR, RECIPE_DEFECT, Example, Loc, Rule


class ComposeChainFileMissing(Rule):
    code = "I001"
    name = "compose-chain-file-missing"
    severity = ERROR
    category = RECIPE_DEFECT
    probe = None
    summary = "COMPOSE_FILE in .env.sample names a compose file that is not in the recipe."
    why = """
    abra deploys the files listed in `COMPOSE_FILE`, in order. A name that does not exist (a typo, or an
    overlay that was renamed or deleted) makes every deploy of a fresh app fail before anything starts, and
    everything the missing overlay would have added is silently absent from what recipelint can check.
    """
    fix = """
    Correct the file name in `.env.sample`, or add the missing overlay to the recipe.
    """

    def check(self, recipe):
        for name, where in recipe.missing_chain_files:
            if where is None:
                if recipe.compose_files:  # no COMPOSE_FILE: abra uses compose.yml
                    yield self.finding(Loc(".env.sample" if recipe.env.file else ".", None, None),
                                       f"no COMPOSE_FILE is set, and the default {name} is missing")
                continue
            at = where
            for a in recipe.env.assigns:  # the line that introduced the name, not just the last one
                if a.name == "COMPOSE_FILE" and a.active and name in a.value:
                    at = a
                    break
            line = recipe.lines(at.file)[at.line - 1]
            col = line.find(name, at.value_col - 1)
            if col < 0:
                col = at.value_col - 1
            yield self.finding(Loc(at.file, at.line, col + 1, at.line, col + 1 + len(name)),
                               f"COMPOSE_FILE names {name}, which is not in the recipe")

    valid = [
        Example(files={"compose.yml": "services:\n  app:\n    image: nginx\n",
                       "compose.smtp.yml": "services:\n  app:\n    environment:\n      - SMTP=1\n"},
                env='COMPOSE_FILE="compose.yml"\nCOMPOSE_FILE="$COMPOSE_FILE:compose.smtp.yml"\n'),
    ]
    invalid = [
        Example(files={"compose.yml": "services:\n  app:\n    image: nginx\n"},
                env='TYPE=app\nCOMPOSE_FILE="compose.yml:compose.postgress.yml"\n',
                expect=[(".env.sample", 2, 27)], note="a misspelt overlay name"),
        Example(files={"compose.yml": "services:\n  app:\n    image: nginx\n"},
                env='COMPOSE_FILE="compose.yml"\nCOMPOSE_FILE="$COMPOSE_FILE:compose.gone.yml"\n'
                    'COMPOSE_FILE="$COMPOSE_FILE:compose.yml"\n',
                expect=[(".env.sample", 2, 29)], note="reported on the line that added the name"),
    ]
