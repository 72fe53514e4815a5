"""Orders API: validates orders with pydantic and quotes prices through an exchange-rate service."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Annotated

import requests
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

VERSION = "1"
RATES_URL = os.environ.get("RATES_URL", "https://rates.example.com/v1")
PRICES = {"SKU-1": Decimal("9.90"), "SKU-2": Decimal("24.00"), "SKU-3": Decimal("120.00")}

logger = Logger()
app = APIGatewayHttpResolver(enable_validation=True)
http = requests.Session()


class OrderLine(BaseModel):
    sku: str = Field(min_length=1, max_length=32)
    quantity: int = Field(gt=0, le=100)


class Order(BaseModel):
    customer: str = Field(min_length=1)
    lines: list[OrderLine] = Field(min_length=1)
    note: str | None = None


class OrderTotal(BaseModel):
    customer: str
    items: int
    total: Decimal
    version: str


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "version": VERSION}


@app.post("/orders")
def create_order(order: Order) -> OrderTotal:
    unknown = [line.sku for line in order.lines if line.sku not in PRICES]
    if unknown:
        raise NotFoundError(f"unknown SKU: {', '.join(unknown)}")
    total = sum((PRICES[line.sku] * line.quantity for line in order.lines), Decimal(0))
    logger.info("order priced", extra={"customer": order.customer, "total": str(total)})
    items = sum(line.quantity for line in order.lines)
    return OrderTotal(customer=order.customer, items=items, total=total, version=VERSION)


@app.get("/quotes/<currency>")
def quote(currency: Annotated[str, Path(pattern="^[A-Z]{3}$")]) -> dict[str, str]:
    response = http.get(f"{RATES_URL}/{currency}", timeout=3)
    response.raise_for_status()
    rate = Decimal(str(response.json()["rate"]))
    return {sku: str((price * rate).quantize(Decimal("0.01"))) for sku, price in PRICES.items()}


@logger.inject_lambda_context
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
