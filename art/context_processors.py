from typing import Any

from django.http import HttpRequest


def railyard(request: HttpRequest) -> dict[str, Any]:
    return {"product_name": "Railyard"}
