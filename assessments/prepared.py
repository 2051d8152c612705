"""Queries that a page runs on every request, compiled by the ORM once per process.

Django builds and compiles a query's SQL anew each time it runs. For the small queries of
the criterion page that is most of their cost: 0.3 to 0.5 ms each, where the database
answers in a few hundredths of that. A prepared query is written with the ORM as usual, in
a function of its parameters; the first run builds it with stand-in values, compiles it,
and notes where each stand-in went among the SQL's parameters. Every later run hands
Django's own model iterable a copy of that first compiler, which gives the same SQL with
the run's values: rows become instances exactly as for the queryset (select_related,
annotations, field converters), without the query being built or compiled again.

Model instances only (no values(), no prefetching), and parameters are whole numbers or
strings passed by name; anything the ORM would transform on its way to the SQL (a list, a
date, a pattern) is refused when the query is first compiled, so a query that cannot be
prepared fails its first test, not a later request. tests/assessments/test_prepared.py
runs each prepared query of the app against the same query built by the ORM.
"""

import copy

from django.db import connections
from django.db.models.query import ModelIterable, QuerySet

# Stand-ins: numbers the smallest of the models' integer fields still holds (the ORM
# answers "no rows" without asking for one out of its field's range) and that no query
# writes as a constant; strings with an invisible prefix.
_INT_BASE = 32_719
_STR_PREFIX = "\u2063prepared:"


class Prepared:
    """`build(**params) -> QuerySet`, compiled once per database connection alias; call the
    Prepared with the same names to get the list of instances."""

    def __init__(self, build, *, using="default"):
        self.build = build
        self.using = using
        self._plans = {}

    def __call__(self, **values):
        key = tuple(sorted((name, type(value)) for name, value in values.items()))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(values)
        model, compiled, sql, params, slots = plan
        params = list(params)
        for index, name in slots:
            params[index] = values[name]
        compiler = copy.copy(compiled)  # its select, klass_info and converters, as set up
        compiler.connection = connections[self.using]  # this thread's
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        return list(QuerySet(model=model, query=_Compiled(compiler), using=self.using))

    def _compile(self, values):
        stand_ins = {}
        for n, (name, value) in enumerate(sorted(values.items())):
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                raise TypeError(f"{name}: a prepared query takes whole numbers and strings")
            stand_ins[name] = _INT_BASE - n if isinstance(value, int) else f"{_STR_PREFIX}{n}"
        queryset = self.build(**stand_ins)
        query = queryset.query
        if queryset._iterable_class is not ModelIterable or queryset._prefetch_related_lookups:
            raise ValueError("a prepared query gives model instances, without prefetching")
        compiler = query.get_compiler(using=self.using)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in stand_ins.items()}
        slots = [(i, by_value[p]) for i, p in enumerate(params) if _hashable(p) in by_value]
        missing = set(stand_ins) - {name for _, name in slots}
        if missing:
            raise ValueError(f"not found in the compiled query: {', '.join(sorted(missing))}")
        return queryset.model, compiler, sql, tuple(params), slots


class _Compiled:
    """What a QuerySet's model iterable asks of its query: a compiler, here the prepared one."""

    def __init__(self, compiler):
        self.compiler = compiler

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self.compiler


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return None
    return value
