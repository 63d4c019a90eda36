"""docs/ODD.md stays true to the code: its parameter table is the registry's, and it defines every metric."""

from pathlib import Path

from sim.docs import TABLE_BEGIN, TABLE_END, markdown_table
from sim.metrics_catalogue import METRIC_NAMES

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"


def test_parameter_table_matches_the_registry():
    text = ODD.read_text()
    assert TABLE_BEGIN in text and TABLE_END in text, "docs/ODD.md lacks the generated parameter table"
    start, end = text.index(TABLE_BEGIN), text.index(TABLE_END) + len(TABLE_END)
    assert text[start:end] == markdown_table(), (
        "docs/ODD.md's parameter table is out of date: run `python -m sim.docs` to regenerate it")


def test_every_metric_is_defined():
    text = ODD.read_text()
    missing = [m for m in METRIC_NAMES if f"`{m}`" not in text]
    assert not missing, f"docs/ODD.md does not define {missing}"


def test_the_odd_has_the_protocol_sections():
    text = ODD.read_text().lower()
    for section in ("purpose and patterns", "entities, state variables and scales", "process overview and scheduling",
                    "design concepts", "initialisation", "input data", "submodels"):
        assert section in text, section
