"""Addresses of many rows of one kind, from one reverse().

A page that links every row (the team's members, the plan's actions, the nine criteria)
reversed the same URL pattern once per row, about 30 microseconds each. `row_address(name,
*args)` reverses the address of a stand-in id once, splits it around the id and gives a
function of the row's id; a pattern whose address the split cannot rebuild is reversed
for each row, as before.
"""

from django.urls import reverse

# A number no row has, reversed once in place of each row's id.
_STAND_IN = 987_654_321


def row_address(name, *args):
    """row id -> reverse(name, args=[*args, id])."""
    pieces = reverse(name, args=[*args, _STAND_IN]).split(str(_STAND_IN))
    if len(pieces) != 2:
        return lambda pk: reverse(name, args=[*args, pk])
    before, after = pieces
    return lambda pk: f"{before}{pk}{after}"
