"""The stylesheet parses: every block it opens it closes (a merge that drops a closing brace
silently switches off every rule after it)."""

from pathlib import Path

CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "app.css"


def test_every_block_of_the_stylesheet_is_closed():
    depth = 0
    for number, line in enumerate(CSS.read_text(encoding="utf-8").splitlines(), start=1):
        code = line.split("/*")[0] if "*/" not in line else line
        depth += code.count("{") - code.count("}")
        assert depth >= 0, f"app.css:{number} closes a block it never opened"
        if line.startswith("/* === "):
            assert depth == 0, f"app.css:{number}: a section starts inside an unclosed block"
    assert depth == 0, "app.css ends inside an unclosed block"
