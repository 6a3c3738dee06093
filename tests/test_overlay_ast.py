"""The overlay-test reader on Python's ast (recipelint/model/overlay_ast.py) gives exactly the facts
the libcst reader (overlay.py `_Extractor`, the reference) gives: positions, the assert's and each
operand's text, resolved strings, alternatives, context and guards. Compared on every Python file
of this repository (fixtures' overlay tests and our own tests: ~1,100 asserts) and on shapes built
to differ between the two trees."""

import textwrap
from pathlib import Path

import pytest

from recipelint.model import overlay

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("line", "col", "end_line", "end_col", "function", "source", "checks", "strings", "any_of", "context",
          "guarded")


def _facts(text: str, reader: str):
    tf = overlay.TestFile("overlay", "t/test_x.py", Path("t/test_x.py"), text)
    try:
        facts = tf.asserts if reader == "ast" else tf.libcst_asserts()
    except Exception as exc:  # noqa: BLE001 - both must fail the same way
        return ("raised", type(exc).__name__, str(exc))
    return [tuple(getattr(f, k) for k in FIELDS) for f in facts], [(p.code, p.line, p.col) for p in tf.problems]


FILES = sorted(p for d in ("fixtures", "tests", "benchmarks", "rules") for p in (ROOT / d).rglob("*.py")
               if "_build" not in p.parts)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_same_facts_as_libcst_on_this_repository(path):
    text = path.read_text(encoding="utf-8")
    if text.count("\n") > 1_500:
        pytest.fail(f"{path} is over the size the overlay reader analyses; choose smaller files")
    assert _facts(text, "ast") == _facts(text, "cst")


SHAPES = {
    "parenthesised operands": '''
        def test_a():
            assert (a) == ( "x" )
            assert ("a" "b") in (x)
            assert (a + "b").startswith(("c"))
            assert x.startswith("a", 1) and not y.endswith(prefix="z")
    ''',
    "implicit concatenation and f-strings": '''
        STACK = "app"
        IMG = "nginx:" "1.25"
        def test_b(host):
            assert f"{STACK}_db" in names
            assert "a" f"{STACK}" "b" == x
            assert f"{{literal}} {STACK!r} {STACK:>10} {STACK=}" == y
            assert f"""multi
        {STACK}
        line""" == z
    ''',
    "indentation of continuation lines": '''
        class TestX:
            def test_c(self):
                if cond:
                    assert [x for x in y] == [
                        "a",
                        "b"]
                assert value == \\
                        "tail"
                assert text == """first
                    second"""
    ''',
    "source order of mentions": '''
        A = "a"
        B = ["b1", "b2"]
        def test_d(x=A, *rest, k=B, **kw):
            d = {A: "v1", "k2": B}
            r = A if x else "no"
            call(B, key=A, *rest)
            obj.A.B
            assert x in B or x == A
            assert not (x != A and "q" in B)
    ''',
    "guards": '''
        import pytest
        pytestmark = pytest.mark.skipif(True, reason="x")  # whole module
        @pytest.mark.xfail
        def test_e():
            try:
                assert 1 == 1
            except ValueError as A:
                pass
            for i in range(3):
                assert i == "x"
            while False:
                assert "w" != y
            with ctx() as c:
                assert c == "c"
            match v:
                case {"k": p}:
                    assert p == "m"
    ''',
    "local constants shadowed": '''
        NAME = "mod"
        def test_f(param):
            NAME = "local"
            other = "once"
            twice = "1"
            twice = "2"
            lam = lambda q: q
            assert param == NAME and other == "x" and twice == "y"
            def inner():
                assert NAME == "z"
    ''',
    "non-ASCII before and inside": '''
        def test_g():
            x = "ä"; assert x == "é" + "ü"
            assert "日本" in x, "message with ß"
            assert x == "s";  y = 1
            assert x == "t" ;
    ''',
}


@pytest.mark.parametrize("name", SHAPES)
def test_same_facts_as_libcst_on_shapes(name):
    text = textwrap.dedent(SHAPES[name]).lstrip("\n")
    got = _facts(text, "ast")
    assert got == _facts(text, "cst")
    assert got[0], "each shape has asserts"


def test_reading_asserts_does_not_import_libcst():
    import subprocess
    import sys

    prog = ("import sys\nfrom recipelint.model.overlay import TestFile\nfrom pathlib import Path\n"
            "tf = TestFile('overlay', 'x.py', Path('x.py'), 'def test_a():\\n    assert x == \"y\"\\n')\n"
            "print(len(tf.asserts), 'libcst' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, cwd=ROOT)
    assert r.stdout.split() == ["1", "False"], r.stderr


def test_a_negated_ordering_comparison_is_read_as_a_check_no_rule_claims_from(tmp_path):
    """`assert not image < "x"` used to raise KeyError in both readers (an E001 crash of the T rules)."""
    from recipelint.cli import main
    from recipelint.testing import build_repo

    recipe = tmp_path / "r"
    build_repo(recipe, [{"files": {"compose.yml": 'version: "3.8"\nservices:\n  app:\n    image: example/app:1.0\n'},
                         "tag": "1.0.0+1.0"}])
    tests = tmp_path / "ov" / "r"
    tests.mkdir(parents=True)
    (tests / "test_a.py").write_text('def test_x(stack):\n    image = stack.image_of("app")\n'
                                     '    assert not image < "example/app:2.0"\n'
                                     '    assert not {"app"} <= set(stack.services())\n')
    from recipelint.model import Recipe

    r = Recipe.load(recipe, overlay_root=tmp_path / "ov")
    (tf,) = [t for t in r.overlay_tests if t.root_kind == "overlay"]
    ops = [[c.op for c in f.checks] for f in tf.asserts]
    assert ops == [["not <"], ["not <="]]
    assert ops == [[c.op for c in f.checks] for f in tf.libcst_asserts()]
    import pytest

    with pytest.raises(SystemExit) as exc:
        main.main(["check", str(recipe), "--overlay", str(tmp_path / "ov"), "--select", "T", "--no-cache"],
                  standalone_mode=False)
    assert exc.value.code == 0
