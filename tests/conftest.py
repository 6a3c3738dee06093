import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


import pytest  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _private_result_cache(tmp_path_factory):
    """Tests never read or write the user's result cache (recipelint/cache.py): one private cache dir per run."""
    import os

    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


def pytest_terminal_summary(terminalreporter):
    """How many generated inputs the property tests tried (tests/test_properties.py COUNTS), when they ran."""
    import json

    counts = getattr(sys.modules.get("test_properties"), "COUNTS", None)
    if counts:
        terminalreporter.write_line(f"property inputs tried: {json.dumps(counts, sort_keys=True)} "
                                    f"total {sum(counts.values())}")
