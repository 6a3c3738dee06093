"""What `--catalogue DIR` counts as a recipe: what `check PATH` accepts, so no broken recipe is skipped silently."""

from recipelint import catalogue
from recipelint.testing import write_files


def test_recipes_without_compose_yml_are_still_swept(tmp_path):
    cat = tmp_path / "recipes"
    write_files(cat / "a-full", {"compose.yml": "version: '3.8'\nservices: {}\n"})
    write_files(cat / "b-env-only", {".env.sample": "COMPOSE_FILE=compose.yml\n"})
    write_files(cat / "c-overlay-only", {"compose.smtp.yml": "version: '3.8'\n"})
    write_files(cat / "d-docs", {"README.md": "# not a recipe\n"})
    write_files(cat / ".e-hidden", {"compose.yml": "services: {}\n"})
    (cat / "f-file").write_text("x")
    assert [p.name for p in catalogue.discover_recipes([cat])] == ["a-full", "b-env-only", "c-overlay-only"]


def test_a_recipe_whose_compose_file_is_missing_gets_its_finding(tmp_path):
    cat = tmp_path / "recipes"
    write_files(cat / "broken", {".env.sample": "TYPE=broken\nCOMPOSE_FILE=compose.yml\n"})
    rows = catalogue.lint_catalogue(catalogue.discover_recipes([cat]), cache=False, jobs=1)
    assert [(r[1], r[3]) for r in rows] == [("broken", None)]
    assert [(f.code, f.path, f.line, f.column) for f in rows[0][2] if f.code == "I001"] == \
        [("I001", ".env.sample", 2, 14)]


def test_every_compose_file_name_check_accepts_makes_a_recipe(tmp_path):
    cat = tmp_path / "recipes"
    write_files(cat / "a-docker-compose", {"docker-compose.yml": "version: '3.8'\nservices: {}\n"})
    write_files(cat / "b-yaml", {"compose.yaml": "version: '3.8'\nservices: {}\n"})
    write_files(cat / "c-not", {"compose.yml.bak": "x", "notes-compose.yml": "x"})
    assert [p.name for p in catalogue.discover_recipes([cat])] == ["a-docker-compose", "b-yaml"]
