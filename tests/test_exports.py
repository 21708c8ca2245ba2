"""The package's public names: every exception of the error tree is importable from ``graphmem``."""

from __future__ import annotations

import inspect

import graphmem
from graphmem import errors


def _error_classes() -> set[str]:
    return {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == errors.__name__
    }


def test_every_error_is_exported_from_the_package_and_drawn_in_the_tree() -> None:
    classes = _error_classes()
    assert {"UnknownNamespaceError", "UnknownSpeakerError", "QueryNamespaceError", "EmptyInputError"} <= classes
    assert classes == set(errors.__all__)
    missing = sorted(classes - set(graphmem.__all__))
    assert missing == [], f"not exported from graphmem: {missing}"
    for name in classes:
        assert getattr(graphmem, name) is getattr(errors, name)
        assert f" {name} " in errors.__doc__ or f" {name}\n" in errors.__doc__, f"{name} is not in the error tree"
    assert graphmem.__all__ == sorted(graphmem.__all__)
