"""The house rules that reading alone would not keep: the layers and the absence of import circles
(import-linter's contracts in pyproject.toml), ruff's lint rules, mypy on the app (services,
routes, components, data, web, pages, portal.py) with no stale `type: ignore` (settings in
pyproject.toml), and no props, classes, style, HTML or JavaScript built from anything but constants."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold() -> None:
    result = _run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_ruff_finds_nothing() -> None:
    result = _run(str(BIN / "ruff"), "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_mypy_finds_nothing() -> None:
    result = _run(str(BIN / "mypy"), "--no-incremental")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


# Where a string is code to the browser: NiceGUI parses props strings (a `:name` prop is evaluated as
# JavaScript), classes and style go into attributes, and the rest is HTML, CSS or JavaScript as it is.
CODE_METHODS = {"props", "classes", "style", "tailwind"}
CODE_UI_FUNCTIONS = {"html", "markdown", "mermaid", "run_javascript", "add_head_html", "add_body_html", "add_css",
                     "add_scss", "add_sass", "add_style"}
NOT_CODE_KEYWORDS = {"sanitize", "timeout", "shared"}


def _is_constant(node: ast.expr) -> bool:
    """A literal, a module constant (UPPER_CASE), an entry of one, or a choice or join of those."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id.lstrip("_").isupper()
    if isinstance(node, ast.Attribute):
        return node.attr.lstrip("_").isupper()
    if isinstance(node, ast.Subscript):  # CONSTANT[key]: one of the constant's values, whatever the key
        return _is_constant(node.value)
    if isinstance(node, ast.IfExp):
        return _is_constant(node.body) and _is_constant(node.orelse)
    if isinstance(node, ast.JoinedStr):
        return all(_is_constant(part.value) for part in node.values if isinstance(part, ast.FormattedValue))
    if isinstance(node, ast.BinOp):
        return _is_constant(node.left) and _is_constant(node.right)
    return False


def code_built_from_values(source: str, filename: str) -> list[str]:
    """Each call in `source` that hands NiceGUI a props/classes/style string, HTML, CSS or JavaScript
    built from something other than constants."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        func = node.func
        is_sink = func.attr in CODE_METHODS or (
            func.attr in CODE_UI_FUNCTIONS and isinstance(func.value, ast.Name) and func.value.id == "ui")
        if not is_sink:
            continue
        arguments = [*node.args, *(k.value for k in node.keywords if k.arg not in NOT_CODE_KEYWORDS)]
        found += [f"{filename}:{node.lineno}: .{func.attr}({ast.unparse(argument)[:80]})"
                  for argument in arguments if not _is_constant(argument)]
    return found


def test_no_browser_code_is_built_from_values() -> None:
    """Values reach elements as data (components.attributes.attrs, set_text, element.props[...]),
    never formatted into a string the browser treats as code."""
    files = [path for folder in ("pages", "components", "web", "routes") for path in (ROOT / folder).rglob("*.py")]
    found = [hit for path in [*files, ROOT / "portal.py"]
             for hit in code_built_from_values(path.read_text(), str(path.relative_to(ROOT)))]
    assert not found, "\n".join(found)


def test_the_check_catches_each_way_of_formatting() -> None:
    source = (
        "ui.button('x').props(f'aria-label=\"{name}\"')\n"
        "ui.label('x').classes('a ' + extra)\n"
        "ui.label('x').style('color: %s' % colour)\n"
        "ui.html('<b>{}</b>'.format(text))\n"
        "ui.run_javascript(script)\n"
        "ui.add_head_html(f'<meta content={value}>')\n"
        "ui.label('x').props(add=props)\n"
    )
    assert len(code_built_from_values(source, "sample.py")) == 7
    allowed = (
        "ui.button('x').props('flat dense')\n"
        "ui.label('x').classes(TONES[tone]).classes('a' if wide else 'b')\n"
        "ui.label('x').classes(f'{_BASE} {STYLES[status]}')\n"
        "ui.run_javascript(SCRIPT, timeout=5)\n"
    )
    assert code_built_from_values(allowed, "sample.py") == []
