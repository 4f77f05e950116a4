"""The review page's forecast: objects and bytes from the agent's sampled listing (with its margin), a short
trial copy, the time that gives, and the cost by the operator's own price table, which ``PriceDialog`` edits.
No price is built in: an item left empty is "not set", never free."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication as Q
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wizard.errors import InputError
from wizard.prices import FIELDS, check_prices, forecast_cost, load_prices, prices_path, save_prices
from wizard.units import human_bytes


def duration_text(seconds: float) -> str:
    s = int(seconds)
    if s < 60:
        return Q.translate("Forecast", "{s} s").format(s=max(1, s))
    if s < 3600:
        return Q.translate("Forecast", "{m} min").format(m=max(1, round(s / 60)))
    if s < 2 * 86400:
        return Q.translate("Forecast", "{h} h {m} min").format(h=s // 3600, m=s % 3600 // 60)
    return Q.translate("Forecast", "{d} days {h} h").format(d=s // 86400, h=s % 86400 // 3600)


def forecast_text(found: dict[str, Any], prices: dict[str, Any]) -> str:
    """The forecast in a few translated lines."""
    e = found["estimate"]
    if e["method"] == "exact":
        lines = [Q.translate("Forecast", "Size: {n} files, {size} (counted).").format(
            n=f"{e['objects']:,}", size=human_bytes(e["bytes"]))]
    elif e["method"] == "folders":
        lines = [Q.translate("Forecast", "Size: about {n} ± {m} files, {size} ± {sm} (95%; {k} of {f} folders "
                                         "counted).").format(n=f"{e['objects']:,}", m=f"{e['objects_margin']:,}",
                                                             size=human_bytes(e["bytes"]),
                                                             sm=human_bytes(e["bytes_margin"]), k=e["sampled"],
                                                             f=e["folders"])]
    else:
        lines = [Q.translate("Forecast", "Size: more than {n} files, {size} (too many to count quickly).").format(
            n=f"{e['objects']:,}", size=human_bytes(e["bytes"]))]
    t = found.get("trial")
    if t:
        done = Q.translate("Forecast", "kept") if t["kept"] else Q.translate("Forecast", "removed again")
        lines.append(Q.translate("Forecast", "Trial: {n} files ({size}) in {s} s, {rate}/s; {done}.").format(
            n=f"{t['objects']:,}", size=human_bytes(t["bytes"]), s=f"{t['elapsed']:.1f}",
            rate=human_bytes(t["rate_bytes"]), done=done))
    w = found.get("time")
    if w:
        low, high = duration_text(w["low"]), duration_text(w["high"])
        lines.append(Q.translate("Forecast", "Time: about {t}.").format(t=duration_text(w["seconds"])) if low == high
                     else Q.translate("Forecast", "Time: about {t} ({low} to {high}).").format(
                         t=duration_text(w["seconds"]), low=low, high=high))
    c = forecast_cost(found, prices)
    if c["total"] is None:
        lines.append(Q.translate("Forecast", "Cost: no price set (Prices…)."))
    else:
        text = Q.translate("Forecast", "Cost: about {total} {currency} (up to {high}).").format(
            total=f"{c['total']:,.2f}", currency=c["currency"], high=f"{c['high']:,.2f}")
        if c["unset"]:
            text += " " + Q.translate("Forecast", "Not set: {items}.").format(items="; ".join(
                item_label(i) for i in c["unset"]))
        lines.append(text)
    return "\n".join(lines)


def item_label(name: str) -> str:
    return {"get_per_10k": Q.translate("Forecast", "GET requests, per 10,000"),
            "list_per_10k": Q.translate("Forecast", "LIST requests, per 10,000"),
            "put_per_10k": Q.translate("Forecast", "PUT requests, per 10,000"),
            "head_per_10k": Q.translate("Forecast", "HEAD requests, per 10,000"),
            "source_traffic_per_gib": Q.translate("Forecast", "Traffic out of the source, per GiB"),
            "destination_traffic_per_gib": Q.translate("Forecast", "Traffic into the destination, per GiB"),
            }.get(name, name)


class PriceDialog(QDialog):
    """Edit the price table (prices.toml); the same check as the CLI's, the sentence names the field."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(Q.translate("Forecast", "Prices"))
        self.note = QLabel(Q.translate("Forecast", "Type the prices from the vendors' price pages (they differ by "
                                                   "region and contract); leave a line empty if it does not "
                                                   "apply. Nothing is built in."))
        self.note.setWordWrap(True)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b")
        self.currency = QLineEdit()
        self.fields = {name: QLineEdit() for name in FIELDS}
        form = QFormLayout()
        form.addRow(Q.translate("Forecast", "Currency"), self.currency)
        for name, edit in self.fields.items():
            form.addRow(item_label(name), edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        try:
            table = load_prices()
        except InputError as exc:
            self.error.setText(str(exc))
            table = {"currency": ""}
        self.currency.setText(table.get("currency", ""))
        for name, edit in self.fields.items():
            if name in table:
                edit.setText(f"{table[name]:g}")

    def table(self) -> dict[str, Any]:
        """The prices typed; a text that is not a number is passed on for the check to name."""
        out: dict[str, Any] = {"currency": self.currency.text().strip()}
        for name, edit in self.fields.items():
            text = edit.text().strip().replace(",", "")
            if text:
                try:
                    out[name] = float(text)
                except ValueError:
                    out[name] = text
        return out

    def save(self) -> None:
        try:
            save_prices(check_prices(self.table()))
        except InputError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


class ForecastBox(QGroupBox):
    """The forecast's controls and its result; ``run_forecast`` asks the page to call the agent."""

    run_forecast = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.start, self.prices = QPushButton(), QPushButton()
        self.seconds = QSpinBox()
        self.seconds.setRange(0, 300)
        self.seconds.setValue(20)
        self.seconds_label = QLabel()
        self.keep = QCheckBox()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setObjectName("forecast")
        self.found: dict[str, Any] | None = None
        row = QHBoxLayout()
        for w in (self.start, self.seconds_label, self.seconds, self.keep):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.prices)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.result)
        self.start.clicked.connect(self.run_forecast)
        self.prices.clicked.connect(self.edit_prices)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(Q.translate("Forecast", "Forecast"))
        self.start.setText(Q.translate("Forecast", "Forecast"))
        self.start.setToolTip(Q.translate("Forecast", "Count the source (sampled when it is large), copy files for "
                                                      "a short trial, and reckon the time and the cost."))
        self.seconds_label.setText(Q.translate("Forecast", "Trial copy (s)"))
        self.keep.setText(Q.translate("Forecast", "Keep the files the trial copies"))
        self.keep.setToolTip(Q.translate("Forecast", "The trial copies only files the destination does not have; "
                                                     "unless kept, exactly those are removed again."))
        self.prices.setText(Q.translate("Forecast", "Prices…"))
        if self.found is not None:
            self.show_forecast(self.found)

    def busy(self) -> None:
        self.start.setEnabled(False)
        self.result.setText(Q.translate("Forecast", "Counting the source and copying for the trial…"))

    def show_forecast(self, found: dict[str, Any]) -> None:
        self.found = found
        self.start.setEnabled(True)
        try:
            prices = load_prices()
        except InputError:
            prices = {"currency": ""}
        self.result.setText(forecast_text(found, prices))

    def failed(self, text: str) -> None:
        self.start.setEnabled(True)
        self.result.setText(text)

    def edit_prices(self) -> None:
        dialog = PriceDialog(self)
        dialog.setObjectName("prices")
        dialog.accepted.connect(lambda: self.show_forecast(self.found) if self.found is not None else None)
        dialog.open()


__all__ = ["ForecastBox", "PriceDialog", "forecast_text", "prices_path"]
