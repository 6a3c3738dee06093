"""JUnit XML: one <testsuite> per recipe, one failing <testcase> per finding.

A recipe without findings gets one passing test case, so a clean run still reports what it checked.
"""

from __future__ import annotations

from .common import display_path, shown


def render_junit(findings, *, roots: dict | None = None, recipes: list[str] = (), **_ignored) -> str:
    import xml.etree.ElementTree as ET

    roots = roots or {}
    findings = shown(findings)
    names = list(dict.fromkeys(list(recipes) + [f.recipe for f in findings]))
    top = ET.Element("testsuites", name="recipelint", tests="0", failures="0", errors="0")
    total = fails = 0
    for name in names:
        mine = [f for f in findings if f.recipe == name]
        suite = ET.SubElement(top, "testsuite", name=name, tests=str(max(len(mine), 1)),
                              failures=str(len(mine)), errors="0", skipped="0")
        if not mine:
            ET.SubElement(suite, "testcase", name="recipelint check", classname=f"recipelint.{name}")
            total += 1
            continue
        for f in mine:
            path = display_path(f, roots)
            where = path + (f":{f.line}:{f.column}" if f.line is not None else "")
            case = ET.SubElement(suite, "testcase", name=f"{f.code} {f.name} at {where}",
                                 classname=f"recipelint.{name}", file=path)
            if f.line is not None:
                case.set("line", str(f.line))
            fail = ET.SubElement(case, "failure", type=f"{f.code} ({f.severity})", message=f.message)
            body = [f"{where}: {f.code} [{f.name}] {f.severity}: {f.message}"]
            if f.fix:
                body.append(f"fix: {f.fix}")
            if f.probe:
                body.append(f"live probe: {f.probe}")
            fail.text = "\n".join(body)
            total += 1
            fails += 1
    top.set("tests", str(total))
    top.set("failures", str(fails))
    ET.indent(top)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(top, encoding="unicode") + "\n"
