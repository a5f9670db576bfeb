"""Small counts on public pages: hidden, and not to be worked out from the totals beside them.

A count under THRESHOLD is shown as "少于5" (primary suppression). A table's totals tie its
cells together: a line is a list of cells and the total they add up to. If one member of a line
were hidden and the others shown, subtraction would give it back; so while some line hides
exactly one member, its smallest shown cell is hidden too (secondary suppression), until every
line hides none or at least two. Hiding the smallest keeps the most information visible.
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
            members = line.members
            if sum(key in hidden for key in members) != 1:
                continue
            # Prefer a cell over the total: a total is what a reader looks for first.
            shown = [key for key in line.cells if key not in hidden] or [line.total]
            hidden.add(min(shown, key=lambda key: values[key]))
            changed = True
    return hidden
