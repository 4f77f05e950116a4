"""The task page's rate chart: data per second and objects per second over the last minutes, fed with the rates of
the agent's snapshots (2-4 a second). Only the window's samples are kept, so a task that runs for days costs the
same memory as one that runs for ten minutes.
"""

from __future__ import annotations

from collections import deque

from PySide6.QtCharts import QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QCoreApplication, QPointF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QWidget

# Binary units, as the bandwidth limit the user types ("50MiB") and the failed objects' sizes are written.
_UNITS = (("B/s", 1), ("KiB/s", 1024), ("MiB/s", 1024**2), ("GiB/s", 1024**3), ("TiB/s", 1024**4))
_IDLE_UNIT = 2  # MiB/s: what an idle chart shows, the unit of a typical migration
MAX_SAMPLES = 6 * 60 * 10  # 6 a second over 10 minutes; more than the agent sends, a bound whatever comes


def _unit_for(peak: float) -> int:
    if peak <= 0:
        return _IDLE_UNIT
    return max(i for i, (_, factor) in enumerate(_UNITS) if factor <= peak or i == 0)


class RateChart(QChartView):
    """A line chart of bytes/s (left axis, in human units) and objects/s (right axis) over the last minutes."""

    def __init__(self, window_minutes: float = 10.0, parent: QWidget | None = None) -> None:
        super().__init__(QChart(), parent)
        self._window = window_minutes * 60.0
        self._samples: deque[tuple[float, float, float]] = deque()
        self._t0: float | None = None  # the first sample's time: the x axis counts minutes from it
        self._unit = _IDLE_UNIT
        chart = self.chart()
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self._bytes, self._objects = QLineSeries(), QLineSeries()
        self._x, self._y_bytes, self._y_objects = QValueAxis(), QValueAxis(), QValueAxis()
        # Ticks on whole minutes from the start, so labels stay put while the window slides.
        self._x.setTickType(QValueAxis.TickType.TicksDynamic)
        self._x.setTickAnchor(0.0)
        self._x.setTickInterval(max(1.0, round(window_minutes / 5)))
        self._x.setLabelFormat("%.0f")
        self._y_objects.setLabelFormat("%.0f")
        # Whole files a second: ticks at whole steps, so an empty chart reads 0 and 1, never "0 0 0 1 1 1".
        self._y_objects.setTickType(QValueAxis.TickType.TicksDynamic)
        self._y_objects.setTickAnchor(0.0)
        chart.addAxis(self._x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(self._y_bytes, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(self._y_objects, Qt.AlignmentFlag.AlignRight)
        for series, y_axis in ((self._bytes, self._y_bytes), (self._objects, self._y_objects)):
            chart.addSeries(series)
            series.attachAxis(self._x)
            series.attachAxis(y_axis)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._rescale()
        self.retranslate()

    @property
    def samples(self) -> list[tuple[float, float, float]]:
        """The samples kept, oldest first: (t_seconds, rate_bytes, rate_objects)."""
        return list(self._samples)

    @property
    def unit(self) -> str:
        """The unit of the bytes axis, such as "MiB/s"."""
        return _UNITS[self._unit][0]

    def add_sample(self, t_seconds: float, rate_bytes: float, rate_objects: float) -> None:
        """Add the rates at time ``t_seconds`` (any clock in seconds); samples older than the window go."""
        if self._samples and t_seconds < self._samples[-1][0]:
            self.clear()  # the clock went back: another task or a restarted agent; its history is not this one's
        if self._t0 is None:
            self._t0 = t_seconds
        self._samples.append((t_seconds, max(rate_bytes, 0.0), max(rate_objects, 0.0)))
        dropped = 0
        while self._samples[0][0] < t_seconds - self._window or len(self._samples) > MAX_SAMPLES:
            self._samples.popleft()
            dropped += 1
        unit = _unit_for(max(s[1] for s in self._samples))
        if unit != self._unit:
            # Every kept point is in the old unit: draw them all again (a few thousand at most, and rarely).
            self._unit = unit
            factor = _UNITS[unit][1]
            self._bytes.replace([QPointF(self._x_of(t), b / factor) for t, b, _ in self._samples])
            self._y_bytes.setTitleText(self._bytes_title())
        else:
            if dropped:
                self._bytes.removePoints(0, dropped)
            self._bytes.append(self._x_of(t_seconds), max(rate_bytes, 0.0) / _UNITS[unit][1])
        if dropped:
            self._objects.removePoints(0, dropped)
        self._objects.append(self._x_of(t_seconds), max(rate_objects, 0.0))
        self._rescale()

    def clear(self) -> None:
        """Forget every sample (another task is shown)."""
        self._samples.clear()
        self._t0 = None
        self._bytes.clear()
        self._objects.clear()
        self._unit = _IDLE_UNIT
        self._y_bytes.setTitleText(self._bytes_title())
        self._rescale()

    def _x_of(self, t_seconds: float) -> float:
        return (t_seconds - (self._t0 or 0.0)) / 60.0

    def _rescale(self) -> None:
        window = self._window / 60.0
        latest = self._x_of(self._samples[-1][0]) if self._samples else 0.0
        # The axis grows with the task (a minute at first) up to the window, so early history is not a sliver.
        span = min(window, max(1.0, latest))
        right = max(span, latest)
        self._x.setRange(right - span, right)
        interval = next((i for i in (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0) if span / i <= 6), 60.0)
        self._x.setTickInterval(interval)
        self._x.setLabelFormat("%.2f" if interval < 0.5 else "%.1f" if interval < 1 else "%.0f")
        # 10% headroom so the peak does not run along the top edge; never a zero-height axis.
        peak_bytes = max((s[1] for s in self._samples), default=0.0) / _UNITS[self._unit][1]
        peak_objects = max((s[2] for s in self._samples), default=0.0)
        self._y_bytes.setRange(0.0, max(peak_bytes * 1.1, 1.0))
        self._y_bytes.applyNiceNumbers()
        top = max(peak_objects * 1.1, 1.0)
        step = next(m * 10 ** e for e in range(0, 9) for m in (1, 2, 5) if top / (m * 10 ** e) <= 5)
        self._y_objects.setTickInterval(step)
        self._y_objects.setRange(0.0, step * max(1, -(-top // step)))

    def _bytes_title(self) -> str:
        return QCoreApplication.translate("RateChart", "Data ({unit})").format(unit=self.unit)

    def retranslate(self) -> None:
        """Set the axis titles and series names again in the language just installed."""
        self._bytes.setName(QCoreApplication.translate("RateChart", "Data"))
        self._objects.setName(QCoreApplication.translate("RateChart", "Files"))
        self._x.setTitleText(QCoreApplication.translate("RateChart", "Time (minutes)"))
        self._y_bytes.setTitleText(self._bytes_title())
        # Short: the axis title runs along the chart's height, which a 1366x768 screen keeps small.
        self._y_objects.setTitleText(QCoreApplication.translate("RateChart", "Files/s"))
