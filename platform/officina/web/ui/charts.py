"""Charts drawn by the server as SVG: bars, lines, areas, pies and single
figures. No script and no CDN: the page carries the picture itself, and
colours come from classes in officina.css (CSP forbids inline styles)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 48
PALETTE_SIZE = 8
# Pie charts show this many slices; the rest become one "other" slice.
MAX_SLICES = 8


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    colour: int = 0


@dataclass(frozen=True)
class Slice:
    path: str
    label: str
    value: str
    share: str
    colour: int


@dataclass(frozen=True)
class Tick:
    y: float
    text: str


@dataclass(frozen=True)
class XLabel:
    x: float
    text: str


@dataclass
class Chart:
    kind: str
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    points: str = ""  # line: "x,y x,y ..."
    area: str = ""  # area: the closed polygon under the line
    dots: list[Bar] = field(default_factory=list)  # line/area: a point per value
    slices: list[Slice] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    x_labels: list[XLabel] = field(default_factory=list)
    baseline: float = HEIGHT - BOTTOM
    figure: str = ""
    details: list = field(default_factory=list)  # number: (measure, figure)
    measure: str = ""

    @property
    def empty(self) -> bool:
        return not (self.bars or self.dots or self.slices or self.figure)


def number_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal | float):
        value = Decimal(str(value))
        if value == value.to_integral_value():
            return f"{int(value):,}"
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def build_chart(kind: str, labels: list[str], values: list, measure: str) -> Chart:
    """A chart of one measure: `labels[i]` has `values[i]`."""
    chart = Chart(kind=kind, measure=measure)
    numbers = [_number(v) for v in values]
    if kind == "number":
        chart.figure = number_text(values[0]) if values else "—"
        return chart
    if not numbers:
        return chart
    if kind == "pie":
        _pie(chart, labels, numbers)
        return chart
    top = max([n for n in numbers if n is not None] + [0.0])
    bottom = min([n for n in numbers if n is not None] + [0.0])
    top, step = _nice_scale(top, bottom)
    span = top - bottom if top != bottom else 1.0
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT

    def y_of(number: float) -> float:
        return TOP + (top - number) / span * plot_height

    chart.baseline = y_of(0.0)
    value = bottom
    while value <= top + step / 2:
        chart.ticks.append(
            Tick(round(y_of(value), 1), number_text(Decimal(str(value))))
        )
        value += step
    count = len(numbers)
    slot = plot_width / count
    every = max(1, math.ceil(count / 12))  # at most ~12 labels under the axis
    for index, label in enumerate(labels):
        if index % every == 0:
            chart.x_labels.append(XLabel(round(LEFT + slot * (index + 0.5), 1), label))
    if kind == "bar":
        width = max(1.0, slot * 0.7)
        for index, number in enumerate(numbers):
            number = number or 0.0
            y = y_of(max(number, 0.0))
            height = abs(y_of(number) - y_of(0.0))
            chart.bars.append(
                Bar(
                    round(LEFT + slot * index + (slot - width) / 2, 1),
                    round(y, 1),
                    round(width, 1),
                    round(max(height, 0.5), 1),
                    labels[index],
                    number_text(values[index]),
                )
            )
        return chart
    # line and area
    coordinates = []
    for index, number in enumerate(numbers):
        x = round(LEFT + slot * (index + 0.5), 1)
        y = round(y_of(number or 0.0), 1)
        coordinates.append((x, y))
        chart.dots.append(Bar(x, y, 0, 0, labels[index], number_text(values[index])))
    chart.points = " ".join(f"{x},{y}" for x, y in coordinates)
    if kind == "area" and coordinates:
        base = round(chart.baseline, 1)
        chart.area = (
            f"{coordinates[0][0]},{base} {chart.points} {coordinates[-1][0]},{base}"
        )
    return chart


def _number(value) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _nice_scale(top: float, bottom: float) -> tuple[float, float]:
    """A round top of the axis and the step between its ticks (~4 ticks)."""
    span = top - bottom
    if span <= 0:
        return (top or 1.0), (top or 1.0) / 4
    raw = span / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * magnitude
        if step >= raw:
            break
    return math.ceil(top / step) * step, step


def _pie(chart: Chart, labels: list[str], numbers: list) -> None:
    pairs = [
        (label, n) for label, n in zip(labels, numbers, strict=True) if n and n > 0
    ]
    pairs.sort(key=lambda pair: -pair[1])
    if len(pairs) > MAX_SLICES:
        rest = sum(n for _, n in pairs[MAX_SLICES - 1 :])
        pairs = pairs[: MAX_SLICES - 1] + [("…", rest)]
    total = sum(n for _, n in pairs)
    if not total:
        return
    cx, cy, radius = HEIGHT / 2, HEIGHT / 2, HEIGHT / 2 - 10
    angle = -math.pi / 2
    for index, (label, number) in enumerate(pairs):
        sweep = number / total * 2 * math.pi
        if len(pairs) == 1:
            path = (
                f"M {cx - radius},{cy} a {radius},{radius} 0 1,0 {2 * radius},0 "
                f"a {radius},{radius} 0 1,0 {-2 * radius},0"
            )
        else:
            x1, y1 = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
            end = angle + sweep
            x2, y2 = cx + radius * math.cos(end), cy + radius * math.sin(end)
            large = 1 if sweep > math.pi else 0
            path = (
                f"M {cx},{cy} L {x1:.1f},{y1:.1f} "
                f"A {radius},{radius} 0 {large},1 {x2:.1f},{y2:.1f} Z"
            )
        chart.slices.append(
            Slice(
                path,
                label,
                number_text(Decimal(str(number))),
                f"{number / total:.0%}",
                index % PALETTE_SIZE,
            )
        )
        angle += sweep
