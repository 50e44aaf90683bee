"""How many SQL queries a request ran, in a response header the runner reads."""

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

HEADER = "X-Bench-Queries"


def count_queries(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Count the queries of each request with an execute wrapper (DEBUG's query log is off)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = get_response(request)
        response[HEADER] = str(count)
        return response

    return middleware
