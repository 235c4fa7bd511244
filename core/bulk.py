"""Many rows into one table, or out of one query, in one go, as fast as each database
takes or gives them.

On PostgreSQL a Core executemany is either one statement per row (psycopg's pipeline) or
statements of 1,000 rows whose 15,000 placeholders psycopg parses in Python, about 0.2 ms
per row. COPY sends the rows as data: one statement, so statement triggers (the inventory
counters, migration 0013) run once, and no placeholder is parsed. Other databases get one
executemany. Either way the rows land in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Select, Table
from sqlalchemy import exc as sa_exc


def insert_rows(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table`, filling each missing column's
    Python-side default as an INSERT would; errors arrive as SQLAlchemy's (an
    `IntegrityError` for a broken constraint), and the caller's transaction is then failed.
    """
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    names = list(rows[0])
    defaults = _python_defaults(table, names)
    columns = names + list(defaults)
    processors = [table.c[name].type._cached_bind_processor(connection.dialect) for name in columns]

    def bound(row: dict[str, Any]) -> list[Any]:
        values = [row[name] for name in names] + [make() for make in defaults.values()]
        pairs = zip(processors, values, strict=True)
        return [v if p is None or v is None else p(v) for p, v in pairs]

    copy_rows(connection, table.name, columns, map(bound, rows))


def copy_rows(
    connection: Connection, table_name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """PostgreSQL's COPY of `rows` (values in `columns` order, as the driver takes them) in
    the caller's transaction; errors arrive as SQLAlchemy's."""
    quote = connection.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table_name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    raw = connection.connection.driver_connection
    dbapi = connection.dialect.loaded_dbapi
    try:
        with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as error:
        raise sa_exc.DBAPIError.instance(sql, None, error, dbapi.Error) from error
    except (LookupError, TypeError, ValueError) as error:  # a value its column cannot take
        raise sa_exc.StatementError(str(error), sql, None, error) from error


def _python_defaults(table: Table, present: list[str]) -> dict[str, Callable[[], Any]]:
    """Columns missing from the rows that SQLAlchemy would fill in Python (scalars and
    callables such as `utcnow`); server defaults and sequences are left to the database."""
    makers: dict[str, Callable[[], Any]] = {}
    for column in table.columns:
        default = column.default
        if column.name in present or default is None:
            continue
        if default.is_scalar:
            makers[column.name] = lambda value=default.arg: value  # type: ignore[attr-defined]
        elif default.is_callable:
            makers[column.name] = lambda make=default.arg: make(None)  # type: ignore[attr-defined]
        elif default.is_clause_element:  # SQL run per row by an INSERT: COPY cannot
            raise NotImplementedError(f"{table.name}.{column.name} has a SQL default")
    return makers


def read_rows(connection: Connection, statement: Select[Any]) -> list[tuple[Any, ...]]:
    """Every row of `statement` as the driver's own tuples, in the caller's transaction.

    For reads of hundreds of thousands of rows of plain columns (integers, strings: no
    type that needs result processing; enums as their stored text): SQLAlchemy's rows cost
    a third more CPU than the query itself. The statement is compiled for the connection's
    dialect and run on its driver connection; errors arrive as SQLAlchemy's.
    """
    compiled = statement.compile(
        dialect=connection.dialect,
        compile_kwargs={"render_postcompile": True},  # IN (...)
    )
    params: Any = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup or ())
    sql = str(compiled)
    dbapi = connection.dialect.loaded_dbapi
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    except dbapi.Error as error:
        raise sa_exc.DBAPIError.instance(sql, params, error, dbapi.Error) from error
    finally:
        cursor.close()
