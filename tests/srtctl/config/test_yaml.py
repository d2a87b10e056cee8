"""YAML parsing keeps lines, refuses what the safe loader would silently accept."""

import pytest

from srtctl._exceptions import ConfigError
from srtctl.config._yaml import describe, format_path, parse_yaml


def test_lines_are_recorded_for_keys_and_list_items() -> None:
    doc = parse_yaml("a:\n  b: 1\n  c:\n    - x\n    - y\n", "f.yaml")
    assert doc.lines[("a",)] == 1
    assert doc.lines[("a", "b")] == 2
    assert doc.lines[("a", "c", 1)] == 5


def test_line_of_a_missing_path_falls_back_to_its_nearest_ancestor() -> None:
    doc = parse_yaml("a:\n  b: 1\n", "f.yaml")
    assert doc.line_of(("a", "missing")) == 1


def test_duplicate_key_is_an_error_naming_both_lines() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert str(caught.value) == "f.yaml:3 a: duplicate key 'a' (first set on line 1); each key may appear once"


def test_syntax_error_names_its_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n", "f.yaml")
    assert caught.value.issues[0].line is not None
    assert str(caught.value).startswith("f.yaml:")
    assert "invalid YAML" in str(caught.value)


def test_empty_file_is_an_error() -> None:
    with pytest.raises(ConfigError, match="the file is empty"):
        parse_yaml("# nothing\n", "f.yaml")


def test_top_level_must_be_a_mapping() -> None:
    with pytest.raises(ConfigError, match="expected a mapping of settings at the top level, got a list"):
        parse_yaml("- 1\n- 2\n", "f.yaml")


def test_merge_keys_are_flattened() -> None:
    doc = parse_yaml("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n", "f.yaml")
    assert doc.data["other"] == {"x": 1, "y": 2}


def test_python_tag_on_a_list_is_refused() -> None:
    with pytest.raises(ConfigError, match="f.yaml:1 a: unsupported YAML tag .*python/object/apply:os.system"):
        parse_yaml("a: !!python/object/apply:os.system ['true']\n", "f.yaml")


def test_python_tag_on_a_scalar_is_refused_by_the_safe_loader() -> None:
    with pytest.raises(ConfigError, match="f.yaml:1: invalid YAML: could not determine a constructor"):
        parse_yaml("a: !!python/name:os.system x\n", "f.yaml")


def test_a_mapping_key_must_be_plain() -> None:
    with pytest.raises(ConfigError, match="expected a plain key, got a list"):
        parse_yaml("? [1, 2]\n: x\n", "f.yaml")


def test_format_path_spells_indexes_in_brackets() -> None:
    assert format_path(("benchmark", "concurrencies", 2)) == "benchmark.concurrencies[2]"
    assert format_path(()) == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, "null"), (True, "true"), (False, "false"), ({}, "a mapping"), ([], "a list"), ("x", "'x'"), (3, "3")],
)
def test_describe_names_values_as_yaml_spells_them(value: object, text: str) -> None:
    assert describe(value) == text


def test_describe_names_other_types_by_type() -> None:
    import datetime

    assert describe(datetime.date(2026, 1, 1)) == "a date"


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"f.yaml:1 a\[1\]: a YAML alias refers to itself"):
        parse_yaml("a: &x [1, *x]\n", "f.yaml")


def test_unreadable_characters_are_refused() -> None:
    with pytest.raises(ConfigError, match="f.yaml: invalid YAML: unacceptable character #x0007"):
        parse_yaml("a: \x07\n", "f.yaml")
