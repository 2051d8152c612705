"""Queries that a page runs on every request, compiled by the ORM once per process.

Django builds and compiles a query's SQL anew each time it runs. For the small queries of
the criterion page that is most of their cost: 0.3 to 0.5 ms each, where the database
answers in a few hundredths of that. A prepared query is written with the ORM as usual, in
a function of its parameters; the first run builds it with stand-in values, compiles it,
and notes where each stand-in went among the SQL's parameters; every later run sends the
same SQL with its own values and builds the model instances as a raw query does (field
converters included, annotations as attributes).

Only what a raw query can rebuild is allowed: one model's rows with their annotations, no
select_related (the joined columns would clash with the model's own names). Parameters are
whole numbers or strings, each passed by name; anything the ORM would transform on its way
to the SQL (a list, a date, a model instance) is refused when the query is first compiled,
so a query that cannot be prepared fails its first test, not a later request.
tests/assessments/test_prepared.py runs each prepared query of the app against the same
query built by the ORM.
"""

from django.db import connections

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
        model, sql, params, slots = plan
        params = list(params)
        for index, name in slots:
            params[index] = values[name]
        return list(model._default_manager.db_manager(self.using).raw(sql, params))

    def _compile(self, values):
        stand_ins = {}
        for n, (name, value) in enumerate(sorted(values.items())):
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                raise TypeError(f"{name}: a prepared query takes whole numbers and strings")
            stand_ins[name] = _INT_BASE - n if isinstance(value, int) else f"{_STR_PREFIX}{n}"
        queryset = self.build(**stand_ins)
        query = queryset.query
        if query.select_related:
            raise ValueError("a prepared query cannot select_related(): it runs as raw SQL")
        if queryset._fields is not None or queryset._prefetch_related_lookups:
            raise ValueError("a prepared query gives model instances, without prefetching")
        sql, params = query.get_compiler(using=self.using).as_sql()
        by_value = {value: name for name, value in stand_ins.items()}
        slots = [(i, by_value[p]) for i, p in enumerate(params) if _hashable(p) in by_value]
        missing = set(stand_ins) - {name for _, name in slots}
        if missing:
            raise ValueError(f"not found in the compiled query: {', '.join(sorted(missing))}")
        connections[self.using]  # the alias must exist
        return queryset.model, sql, tuple(params), slots


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return None
    return value
