"""Configuration files: where they are found, what they set, validation errors, and flags winning."""


import pytest

from recipelint import config
from recipelint.testing import write_files

from integrations_helpers import DUMP, cli

# C001 fires for a read-only config over a file the app rewrites; `myapp` is not in the built-in table.
MYAPP = """\
services:
  app:
    image: example.org/myapp:2.1
    configs:
      - source: app_ini
        target: /etc/myapp/app.ini
configs:
  app_ini:
    file: ./app.ini
"""


def codes(out: str) -> list[str]:
    return [ln.split(": ", 1)[1].split(" ")[0] for ln in out.splitlines()[:-1]]


@pytest.fixture
def catalogue(tmp_path):
    """A catalogue directory holding one recipe with a B001 finding."""
    write_files(tmp_path / "recipes" / "rec", {"compose.yml": DUMP})
    return tmp_path / "recipes"


# ---------------------------------------------------------------- finding the file
def test_nearest_file_wins_and_recipelint_toml_beats_pyproject(catalogue):
    rec = catalogue / "rec"
    assert config.find(rec) is None
    (catalogue / ".recipelint.toml").write_text('ignore = ["B001"]\n')
    assert config.find(rec) == catalogue / ".recipelint.toml"
    (rec / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no [tool.recipelint]: does not count
    assert config.find(rec) == catalogue / ".recipelint.toml"
    (rec / "pyproject.toml").write_text('[tool.recipelint]\nfail-on = "warning"\n')
    assert config.find(rec) == rec / "pyproject.toml"
    (rec / ".recipelint.toml").write_text('select = ["B"]\n')
    assert config.find(rec) == rec / ".recipelint.toml"
    cfg = config.load(config.find(rec))
    assert (cfg.select, cfg.ignore, cfg.fail_on) == (["B"], None, None)  # files are not merged


def test_catalogue_config_applies_and_flags_win(catalogue):
    (catalogue / ".recipelint.toml").write_text('ignore = ["B001"]\n')
    code, out, err = cli("check", "rec", "--select", "B,X", cwd=catalogue)
    assert (code, out) == (0, "0 findings in 1 recipe\n"), err
    code, out, _ = cli("check", "rec", "--select", "B,X", "--ignore", "B003", cwd=catalogue)
    assert code == 1 and codes(out) == ["B001"]  # --ignore replaces the file's ignore
    code, out, _ = cli("check", "rec", "--select", "B,X", "--isolated", cwd=catalogue)
    assert code == 1 and codes(out) == ["B001"]


def test_recipe_pyproject_fail_on_and_the_flag(catalogue):
    rec = catalogue / "rec"
    rec.joinpath("compose.yml").write_text(DUMP + "    # recipelint: ignore[B002] stale\n")  # X001: a warning
    (rec / "pyproject.toml").write_text('[tool.recipelint]\nselect = ["B", "X"]\nignore = ["B001"]\n'
                                        'fail-on = "warning"\n')
    code, out, _ = cli("check", "rec", cwd=catalogue)
    assert code == 1 and codes(out) == ["X001"]
    code, out, _ = cli("check", "rec", "--fail-on", "error", cwd=catalogue)
    assert code == 0 and codes(out) == ["X001"]


def test_explicit_config_file(catalogue, tmp_path):
    other = tmp_path / "elsewhere.toml"
    other.write_text('select = ["B001"]\nignore = ["B001"]\n')
    code, out, _ = cli("check", "rec", "--config", other, cwd=catalogue)
    assert (code, out) == (0, "0 findings in 1 recipe\n")
    code, _, err = cli("check", "rec", "--config", tmp_path / "missing.toml", cwd=catalogue)
    assert code == 2 and "missing.toml" in err


def test_per_file_ignores(catalogue):
    rec = catalogue / "rec"
    (rec / "compose.extra.yml").write_text(DUMP.replace("db:", "db2:"))
    (catalogue / ".recipelint.toml").write_text('select = ["B001"]\n[per-file-ignores]\n"compose.*.yml" = ["B"]\n')
    code, out, _ = cli("check", "rec", cwd=catalogue)
    assert code == 1 and [ln.split(": ")[0] for ln in out.splitlines()[:-1]] == ["rec/compose.yml:6:9"]


def test_inline_ignores_false_in_the_file(catalogue):
    rec = catalogue / "rec"
    rec.joinpath("compose.yml").write_text(DUMP.replace('x.sql"\n', 'x.sql"  # recipelint: ignore[B001] ok\n'))
    assert cli("check", "rec", "--select", "B001", cwd=catalogue)[0] == 0
    (catalogue / ".recipelint.toml").write_text("inline-ignores = false\n")
    code, out, _ = cli("check", "rec", "--select", "B001", cwd=catalogue)
    assert code == 1 and codes(out) == ["B001"]


def test_knowledge_extends_the_app_rewritten_files_table(tmp_path):
    write_files(tmp_path / "myapp", {"compose.yml": MYAPP, "app.ini": "[server]\n"})
    code, out, _ = cli("check", "myapp", "--select", "C001", cwd=tmp_path)
    assert (code, out) == (0, "0 findings in 1 recipe\n")
    (tmp_path / ".recipelint.toml").write_text('[knowledge.app-rewritten-files]\nmyapp = ["/etc/myapp/app.ini"]\n')
    code, out, _ = cli("check", "myapp", "--select", "C001", cwd=tmp_path)
    assert code == 1 and out.splitlines()[0].startswith("myapp/compose.yml:6:17: C001 [config-over-writable-file]")
    assert "a file this app rewrites" in out


def test_knowledge_helper_merges_without_touching_the_builtin_table():
    base = {"gitea": ["/etc/gitea/app.ini"]}

    class R:
        config = config.Config(knowledge={"app-rewritten-files": {"gitea": ["/x"], "myapp": ["/y"]},
                                          "shared-networks": ["traefik-public"]})

    assert config.knowledge(R, "APP_REWRITTEN_FILES", base) == {"gitea": ["/etc/gitea/app.ini", "/x"],
                                                                "myapp": ["/y"]}
    assert base == {"gitea": ["/etc/gitea/app.ini"]}
    assert config.knowledge(R, "SHARED_NETWORKS", ("proxy",)) == ("proxy", "traefik-public")
    assert config.knowledge(object(), "SHARED_NETWORKS", ("proxy",)) == ("proxy",)


# ---------------------------------------------------------------- bad files: one line, file and key, exit 2
@pytest.mark.parametrize("name,text,needle", [
    (".recipelint.toml", 'selekt = ["B"]\n', ".recipelint.toml: selekt: unknown key"),
    (".recipelint.toml", 'fail-on = "fatal"\n', ".recipelint.toml: fail-on: 'fatal' is not one of error, warning, info"),
    (".recipelint.toml", 'ignore = ["B001", "bad code"]\n', ".recipelint.toml: ignore.1: 'bad code' is not a rule code"),
    (".recipelint.toml", 'select = ["Q9"]\n', ".recipelint.toml: select: no rule code starts with 'Q9'"),
    (".recipelint.toml", "[knowledge]\nshared-netwrks = []\n", ".recipelint.toml: knowledge.shared-netwrks: unknown key"),
    (".recipelint.toml", 'ignore = "B001"\n', ".recipelint.toml: ignore: 'B001' is not of type 'array'"),
    (".recipelint.toml", "select = [\n", ".recipelint.toml: not valid TOML"),
    ("pyproject.toml", '[tool.recipelint]\nfail-on = 3\n',
     "pyproject.toml: [tool.recipelint] fail-on: 3 is not one of error, warning, info"),
    ("pyproject.toml", '[tool.recipelint.per-file-ignores]\n"*.yml" = ["Q1"]\n',
     "pyproject.toml: [tool.recipelint] per-file-ignores.'*.yml': no rule code starts with 'Q1'"),
])
def test_config_errors_name_the_file_and_the_key(catalogue, name, text, needle):
    (catalogue / "rec" / name).write_text(text)
    code, out, err = cli("check", "rec", cwd=catalogue)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("recipelint: error: ") and needle in err, err
    assert str(catalogue / "rec" / name) in err


def test_a_config_file_that_is_not_utf8_is_one_line_naming_file_and_line(tmp_path):
    import subprocess
    import sys

    cfg = tmp_path / ".recipelint.toml"
    cfg.write_bytes(b'fail-on = "error"\nselect = ["B\xff"]\n')
    recipe = tmp_path / "r"
    recipe.mkdir()
    (recipe / "compose.yml").write_text('version: "3.8"\nservices: {}\n')
    p = subprocess.run([sys.executable, "-c", "from recipelint.cli import run; run()", "check", str(recipe),
                        "--config", str(cfg)], capture_output=True, text=True)
    assert p.returncode == 2
    assert p.stderr == f"recipelint: error: {cfg}:2: not UTF-8 text (byte 0xff); TOML files must be UTF-8\n"
