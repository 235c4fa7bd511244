"""Typer's parameter coercion, built when a value needs it rather than for every parameter.

Typer 0.29 coerces every parameter's value through a pydantic `TypeAdapter`, which it
builds on a parameter's first use (`_TyperParameter.get_runtime_param`), and calls that
for values it then hands back untouched: an option left out (`None`: `--help`,
`--install-completion` and `--show-completion` on every run, each unused option), and a
text value of a text parameter (`--org bench`). The first build imports pydantic (0.05 s
of CPU on this project's machine) and each build costs a little more: about a tenth of a
short command's start (`pqcplan org list`), which otherwise needs no pydantic at all.

`install()` makes the runtime parameter typer caches in that slot one that answers those
two cases itself, exactly as typer's would (`None` is handled by `RuntimeParam.coerce`
before any adapter is asked; a `str` is returned as it is by typer's `str` adapter), and
builds typer's own (`build_runtime_param`) for any other value, once, in the same slot.
`tests/app/cli/test_quick_params.py` holds the answers equal to typer's and checks that a
short command starts without pydantic. Nothing is patched on a typer other than the one
this was read against and tested with (`requirements.lock` installs it; `pyproject.toml`
allows others, which then coerce as typer itself does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# typer releases whose private coercion classes this module was read against and tested
READ_AGAINST = frozenset({"0.29.2"})


def install() -> bool:
    """Defer typer's coercion as above; False (nothing changed) on a typer without the
    internals this relies on."""
    import typer

    if typer.__version__ not in READ_AGAINST:
        return False
    try:
        from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
        from typer.core import _TyperParameter
    except ImportError:
        return False
    if not hasattr(_TyperParameter, "get_runtime_param"):
        return False
    if getattr(_TyperParameter.get_runtime_param, "_pqcplan_on_demand", False):
        return True

    @dataclass(frozen=True)
    class OnDemand(RuntimeParam):
        """A parameter's coercion until a value needs typer's adapter."""

        descriptor: TypeDescriptor

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            # typer's str adapter: str(value), then pydantic's str check: the same string
            if (
                type(value) is str
                and self.annotation is str
                and self.parameter_info.parser is None
                and self.descriptor.file_annotation is None
            ):
                return value
            built = build_runtime_param(self.descriptor)
            param._runtime_param = built
            return built._coerce_value(value, param=param, ctx=ctx)

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None:
            descriptor = self.type_descriptor
            self._runtime_param = OnDemand(
                parameter_info=descriptor.parameter_info,
                annotation=descriptor.annotation,
                descriptor=descriptor,
            )
        return self._runtime_param

    get_runtime_param._pqcplan_on_demand = True  # type: ignore[attr-defined]
    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
    return True
