"""The price table the operator keeps for the forecast's cost (``prices.toml`` in the config folder).

No price is built in: vendors' prices differ by region, tier, contract and month, so every price here is one the
operator typed from the vendor's own price page (Alibaba Cloud OSS pricing, Amazon S3 pricing, Tencent Cloud COS
pricing). A price left unset is shown as "not set", never as free.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wizard.errors import InputError
from wizard.paths import config_dir
from wizard.task import read_toml

# (field, what it prices, the unit its count is in)
ITEMS = (("get_per_10k", "GET requests at the source", 10_000),
         ("list_per_10k", "LIST requests at the source", 10_000),
         ("put_per_10k", "PUT requests at the destination (parts included)", 10_000),
         ("head_per_10k", "HEAD requests", 10_000),
         ("source_traffic_per_gib", "traffic out of the source", 1024**3),
         ("destination_traffic_per_gib", "traffic into the destination", 1024**3))
FIELDS = tuple(name for name, _, _ in ITEMS)
PRICE_MAX = 1e9


def prices_path() -> Path:
    return config_dir() / "prices.toml"


def check_prices(data: Any, where: str = "prices") -> dict[str, Any]:
    """The one validation of a price table: ``currency`` (short text) and the FIELDS, each a non-negative
    finite number or absent (not set); every error names its field."""
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a table of prices")
    unknown = sorted(set(data) - {"currency", *FIELDS})
    if unknown:
        raise InputError(f"{where}.{unknown[0]}: unknown price (known: currency, {', '.join(FIELDS)})")
    out: dict[str, Any] = {}
    currency = data.get("currency", "")
    if not isinstance(currency, str) or len(currency) > 12 or any(ch in currency for ch in "\n\r\t\"\\"):
        raise InputError(f"{where}.currency: expected a short currency name like CNY or USD")
    out["currency"] = currency.strip()
    for name in FIELDS:
        value = data.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not 0 <= value <= PRICE_MAX:
            raise InputError(f"{where}.{name}: expected a price from 0, got {str(value)[:30]!r}")
        out[name] = float(value)
    return out


def load_prices(path: Path | None = None) -> dict[str, Any]:
    """The operator's price table ({} when there is none yet)."""
    path = path or prices_path()
    if not path.exists():
        return {"currency": ""}
    return check_prices(read_toml(path, "price table"), "prices")


def save_prices(prices: dict[str, Any], path: Path | None = None) -> Path:
    """Check and write the table atomically; returns where."""
    table = check_prices(prices)
    path = path or prices_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Prices for the forecast, typed from the vendors' price pages; a missing line is \"not set\".",
             f'currency = "{table["currency"]}"']
    lines += [f"{name} = {table[name]!r}" for name in FIELDS if name in table]
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


@dataclass
class CostLine:
    item: str
    count: float            # requests, or bytes for traffic
    amount: float | None    # None: the price is not set


def requests_for(objects: int, size: int, *, part_size: int, multipart_threshold: int, list_page: int = 1000,
                 heads_per_object: float = 0.0) -> dict[str, float]:
    """The requests a copy of ``objects`` objects of ``size`` bytes in all makes, by kind; objects above the
    threshold go in parts (the average object decides, as only counts and bytes are known)."""
    mean = size / objects if objects else 0
    parts = math.ceil(mean / part_size) if mean > multipart_threshold else 1
    puts = objects * (parts + (2 if parts > 1 else 0))     # parts + create + complete
    return {"get": objects * parts, "list": math.ceil(objects / list_page) if objects else 0, "put": puts,
            "head": objects * heads_per_object}


def cost(objects: int, size: int, prices: dict[str, Any], *, part_size: int, multipart_threshold: int,
         heads_per_object: float = 0.0) -> dict[str, Any]:
    """The request and traffic cost of a copy: one line per priced item and the total of the set ones."""
    n = requests_for(objects, size, part_size=part_size, multipart_threshold=multipart_threshold,
                     heads_per_object=heads_per_object)
    counts = {"get_per_10k": n["get"], "list_per_10k": n["list"], "put_per_10k": n["put"],
              "head_per_10k": n["head"], "source_traffic_per_gib": size, "destination_traffic_per_gib": size}
    lines = []
    for name, _what, unit in ITEMS:
        price = prices.get(name)
        lines.append(CostLine(name, counts[name], None if price is None else round(counts[name] / unit * price, 2)))
    set_lines = [line.amount for line in lines if line.amount is not None]
    return {"currency": prices.get("currency", ""), "lines": [vars(line) for line in lines],
            "total": round(sum(set_lines), 2) if set_lines else None,
            "unset": [line.item for line in lines if line.amount is None]}


def forecast_cost(forecast: dict[str, Any], prices: dict[str, Any]) -> dict[str, Any]:
    """The cost of a forecast's copy (the agent's forecast answer) with ``prices``; ``high`` at the upper end of
    the size's margin."""
    est, sizes = forecast["estimate"], forecast["sizes"]
    mid = cost(est["objects"], est["bytes"], prices, part_size=sizes["part_size"],
               multipart_threshold=sizes["multipart_threshold"])
    high = cost(est["objects"] + (est["objects_margin"] or 0), est["bytes"] + (est["bytes_margin"] or 0), prices,
                part_size=sizes["part_size"], multipart_threshold=sizes["multipart_threshold"])
    return {**mid, "high": high["total"]}
