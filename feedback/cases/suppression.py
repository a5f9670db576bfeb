"""Small counts on public pages: hidden, and not to be worked out from the totals beside them.

A count under THRESHOLD is shown as "少于5" (primary suppression). A table's totals tie its
cells together: a line is a list of cells and the total they add up to. If one member of a line
were hidden and the others shown, subtraction would give it back; so while some line hides
exactly one member, or hides cells that the shown members say add up to 0, its smallest shown
cell is hidden too (secondary suppression). Hiding the smallest keeps the most visible.
"""

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

THRESHOLD = 5

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class Line(Generic[Key]):
    """Cells that add up to a total, all named by their keys in the table."""

    cells: Sequence[Key]
    total: Key

    @property
    def members(self) -> list[Key]:
        return [*self.cells, self.total]


def hidden_cells(values: Mapping[Key, int], lines: Sequence[Line[Key]]) -> set[Key]:
    """The keys to show as "少于5": every count under the threshold, and what would reveal one."""
    hidden = {key for key, value in values.items() if value < THRESHOLD}
    changed = True
    while changed:
        changed = False
        for line in lines:
            reveal = _revealing(values, line, hidden)
            if reveal is not None:
                hidden.add(reveal)
                changed = True
    return hidden


def _revealing(values: Mapping[Key, int], line: Line[Key], hidden: set[Key]) -> Key | None:
    """The cell to hide too if the line gives a hidden count back, else None.

    A line gives a count back when it hides only one member, or when its total is shown and its
    hidden cells add up to nothing: counts are never negative, so each of them is then 0.
    Prefer a cell over the total (a total is what a reader looks for first), the smallest one.
    """
    hidden_members = [key for key in line.members if key in hidden]
    if len(hidden_members) == 1:
        shown = [key for key in line.cells if key not in hidden] or [line.total]
        return min(shown, key=lambda key: values[key])
    if (
        hidden_members
        and line.total not in hidden
        and sum(values[key] for key in hidden_members) == 0
    ):
        shown = [key for key in line.cells if key not in hidden and values[key] > 0]
        return min(shown, key=lambda key: values[key])
    return None
