"""Every Terraform module's README lists its variables and outputs exactly as its .tf files declare them.

The tables are rendered here from the module's own ``variable`` and ``output`` blocks (name, type
as written, default or "required", description), so a README cannot fall behind its module. After
changing a module, rewrite its tables with::

    .venv/bin/python tests/test_terraform_module_docs.py --write
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

MODULES = Path(__file__).resolve().parents[1] / "terraform" / "modules"
INPUTS, OUTPUTS = "## Inputs", "## Outputs"


def _end(text: str, i: int, *, line: bool) -> int:
    """Where what starts at ``i`` ends: the bracket that closes one opened before ``i`` or, for a
    ``line`` (an attribute's expression), the first line break outside brackets and strings."""
    depth, in_string = 0, False
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return i
        elif ch == "\n" and depth == 0 and line:
            return i
        i += 1
    return i


def blocks(text: str, kind: str) -> list[tuple[str, str]]:
    """(name, body) of each top-level ``kind "name" { ... }`` block, in file order (brackets and
    strings matched)."""
    return [(match.group(1), text[match.end():_end(text, match.end(), line=False)])
            for match in re.finditer(rf'^{kind}\s+"([^"]+)"\s*\{{', text, re.M)]


def attribute(body: str, name: str) -> str | None:
    """The expression of a top-level ``name = ...`` in a block body, across lines while brackets
    are open; None when absent."""
    match = re.search(rf"^  {name}\s*=\s*", body, re.M)
    return one_line(body[match.end():_end(body, match.end(), line=True)]) if match else None


def one_line(expression: str) -> str:
    """A multi-line HCL expression on one line, its line breaks between items written as commas."""
    lines = [line.strip() for line in expression.strip().splitlines() if line.strip()]
    text = lines[0] if lines else ""
    for line in lines[1:]:
        joined = text.endswith(("{", "(", "[", ",")) or line.startswith(("}", ")", "]"))
        text += (" " if joined else ", ") + line
    return " ".join(text.split())


def text_of(expression: str | None) -> str:
    """A quoted HCL string's text (the descriptions)."""
    if expression is None:
        return ""
    assert expression.startswith('"') and expression.endswith('"'), f"not a plain string: {expression}"
    return re.sub(r'\\(["\\])', r"\1", expression[1:-1])


def cell(text: str) -> str:
    return text.replace("|", "\\|")


def tables(module: Path) -> tuple[str, str]:
    """The Inputs and Outputs tables of a module, rendered from its .tf files."""
    variables, outputs = [], []
    for path in sorted(module.glob("*.tf")):
        text = path.read_text()
        variables += blocks(text, "variable")
        outputs += blocks(text, "output")
    rows = ["| name | type | default | description |", "|---|---|---|---|"]
    for name, body in variables:
        default = attribute(body, "default")
        rows.append(f"| `{name}` | `{cell(attribute(body, 'type') or 'any')}` | "
                    f"{'required' if default is None else '`' + cell(default) + '`'} | "
                    f"{cell(text_of(attribute(body, 'description')))} |")
    inputs = "\n".join(rows)
    rows = ["| name | description |", "|---|---|"]
    rows += [f"| `{name}` | {cell(text_of(attribute(body, 'description')))} |" for name, body in outputs]
    return inputs, "\n".join(rows)


def section(readme: str, title: str) -> str:
    """The table that follows ``title`` in a README."""
    assert title in readme, f"no {title!r} section"
    after = readme.split(title, 1)[1].lstrip("\n")
    return "\n".join(line for line in after.splitlines()[:next(
        (i for i, line in enumerate(after.splitlines()) if not line.startswith("|")), None)])


def modules() -> list[Path]:
    return sorted(p for p in MODULES.iterdir() if (p / "variables.tf").exists() or (p / "main.tf").exists())


@pytest.mark.parametrize("module", modules(), ids=lambda p: p.name)
def test_each_module_readme_lists_its_variables_and_outputs_exactly(module):
    readme = (module / "README.md").read_text()
    inputs, outputs = tables(module)
    assert readme.startswith(f"# {module.name}\n"), "the README is titled with the module's name"
    assert section(readme, INPUTS) == inputs, f"run: python {Path(__file__).name} --write"
    assert section(readme, OUTPUTS) == outputs, f"run: python {Path(__file__).name} --write"
    # a README says what the module creates, not only its interface: every resource type but grants
    created = {t for path in module.glob("*.tf")
               for t in re.findall(r'^resource "([a-z0-9_]+)"', path.read_text(), re.M)}
    unnamed = sorted(t for t in created if not t.endswith("_iam_member") and f"`{t}`" not in readme)
    assert not unnamed, f"the README does not say it creates {unnamed}"


def test_every_variable_and_output_is_described():
    for module in modules():
        for path in module.glob("*.tf"):
            for kind in ("variable", "output"):
                for name, body in blocks(path.read_text(), kind):
                    assert text_of(attribute(body, "description")).strip(), f"{module.name}: {kind} {name}"


def write() -> None:
    """Rewrite each README's Inputs and Outputs tables (the sections must exist)."""
    for module in modules():
        path = module / "README.md"
        readme = path.read_text()
        inputs, outputs = tables(module)
        for title, table in ((INPUTS, inputs), (OUTPUTS, outputs)):
            if title not in readme:
                readme = readme.rstrip() + f"\n\n{title}\n\n{table}\n"
                continue
            old = section(readme, title)
            before, after = readme.split(title, 1)
            body = after.replace(old, table, 1) if old else "\n\n" + table + "\n" + after
            readme = before + title + body
        path.write_text(readme)
        print(path)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(f"usage: python {sys.argv[0]} --write")
    write()
