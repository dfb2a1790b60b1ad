"""The inline SVG charts of report.html: responses by status code and a latency histogram.
Plain SVG with <title> tooltips, no scripts; every label is escaped."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphcontract.report.markup import as_number, escaped

# Bar colours by status class; 429 and 503 are throttling (waited out), not server errors.
COLOURS = {
    "2": "#1e7b34",
    "3": "#607d8b",
    "4": "#2f6fb3",
    "5": "#c62828",
    "429": "#8e44ad",
    "503": "#8e44ad",
}
BUCKETS = 20


def status_chart(counts: Mapping[str, int]) -> str:
    width, height, left, bottom, top = 520, 230, 10, 30, 24
    plot_h, peak = height - bottom - top, max(counts.values())
    slot = (width - 2 * left) / len(counts)
    bar = min(64.0, slot * 0.7)
    shapes = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - left}" y2="{top + plot_h}" '
        'stroke="#8c959f"/>'
    ]
    for i, (code, count) in enumerate(sorted(counts.items())):
        h = max(1.0, plot_h * count / peak)
        x, y = left + i * slot + (slot - bar) / 2, top + plot_h - h
        colour = COLOURS.get(code) or COLOURS.get(code[:1], "#6b7280")
        shapes.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" rx="3" '
            f'fill="{colour}"><title>{escaped(code)}: {count}</title></rect>'
            f'<text x="{x + bar / 2:.1f}" y="{y - 5:.1f}" text-anchor="middle" font-size="12">'
            f'{count}</text><text x="{x + bar / 2:.1f}" y="{height - 10}" text-anchor="middle" '
            f'font-size="13" font-weight="600">{escaped(code)}</text>'
        )
    return _svg(width, height, "Responses by status code", "".join(shapes))


def _buckets(ordered: list[float], p99: float) -> tuple[list[int], float, float, bool]:
    """(counts, low edge, high edge, clipped): ``BUCKETS`` equal buckets from the fastest to
    the slowest request; when the slowest are far out (max > 2 × p99) the last bucket holds
    everything above p99 instead, so one outlier does not squash the rest into one bar."""
    low, high = ordered[0], ordered[-1]
    clipped = high > 2 * p99 and p99 > low
    edge = p99 if clipped else high
    slots = BUCKETS - 1 if clipped else BUCKETS
    span = (edge - low) or 1.0
    counts = [0] * BUCKETS
    for value in ordered:
        over = clipped and value > edge
        counts[slots if over else min(slots - 1, int((value - low) / span * slots))] += 1
    return counts[: slots + int(clipped)], low, low + span, clipped


def latency_chart(samples: list[float], summary: Mapping[str, Any]) -> str:
    ordered = sorted(samples)
    marks = {
        name: as_number(summary.get(name))  # the run's own figures, else from the sample
        or ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
        for name, fraction in (("median", 0.5), ("p90", 0.9), ("p99", 0.99))
    }
    counts, low, edge, clipped = _buckets(ordered, marks["p99"])
    slots = len(counts) - int(clipped)
    width, height, left, right, bottom, top = 520, 230, 10, 10, 34, 46
    step, base = (width - left - right) / len(counts), height - bottom
    peak = max(counts) or 1

    def x_of(value: float) -> float:
        return left + min(max((value - low) / (edge - low), 0.0), 1.0) * slots * step

    shapes = [f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#8c959f"/>']
    for i, count in enumerate(counts):
        start, over = low + (edge - low) * i / slots, clipped and i == slots
        label = f"> {edge:.1f}" if over else f"{start:.1f}–{start + (edge - low) / slots:.1f}"
        h = (base - top) * count / peak
        shapes.append(
            f'<rect x="{left + i * step + 1:.1f}" y="{base - h:.1f}" '
            f'width="{step - 2:.1f}" height="{h:.1f}" '
            f'fill="{"#c77700" if over else "#2f6fb3"}">'
            f"<title>{escaped(label)} ms: {count}</title></rect>"
        )
    right_label = f"{edge:.1f} ms" + (" (p99)" if clipped else "")
    shapes.append(
        f'<text x="{left}" y="{base + 16}" font-size="12">{low:.1f}</text>'
        f'<text x="{x_of(edge):.1f}" y="{base + 16}" text-anchor="end" '
        f'font-size="12">{escaped(right_label)}</text>'
    )
    for row, (name, value) in enumerate(marks.items()):
        x, y = x_of(value), 12 + row * 13
        flip = x > width - 90
        shapes.append(
            f'<line x1="{x:.1f}" y1="{y + 2}" x2="{x:.1f}" y2="{base}" '
            'stroke="#1f2328" stroke-dasharray="3 3"/>'
            f'<text x="{x - 4 if flip else x + 4:.1f}" y="{y}" font-size="11.5" '
            f'text-anchor="{"end" if flip else "start"}">{escaped(name)} {value:.1f}</text>'
        )
    caption = (
        f'<p class="muted">{len(ordered)} requests · median {marks["median"]:.1f} ms · '
        f"p90 {marks['p90']:.1f} ms · p99 {marks['p99']:.1f} ms · max {ordered[-1]:.1f} ms"
        + (" · the orange bar holds everything above p99" if clipped else "")
        + "</p>"
    )
    title = f"Latency histogram of {len(ordered)} requests"
    return _svg(width, height, title, "".join(shapes)) + caption


def _svg(width: int, height: int, title: str, content: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{escaped(title)}" '
        f'font-family="system-ui,sans-serif" fill="#1f2328"><title>{escaped(title)}</title>'
        f"{content}</svg>"
    )
