"""Vega-Lite specs for the app's charts, as plain dicts (no Streamlit, no Altair): honest axes and legends.

Scores and coverage live on 0..1, so their axis is fixed to 0..1 (20% coverage fills a fifth of the plot, not all
of it). A legend names only series that are drawn; two series that coincide are drawn as one and named so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from consultgym.records import Judgement, Turn

if TYPE_CHECKING:  # Replay draws `coverage_by_turn` only, from plain lists: it loads neither pandas nor numpy
    import pandas as pd

Spec = dict[str, Any]
UNIT_AXIS = {"scale": {"domain": [0, 1]}, "axis": {"format": "%", "values": [0, 0.25, 0.5, 0.75, 1]}}
RUN_COLORS = {"A": "#1f77b4", "B": "#d62728"}
CHART_HEIGHT = 300  # pixels, legend and axes included (Streamlit sizes the whole chart)
JUDGE, TALLY, BOTH = "judge", "offline tally", "judge = offline tally"


def coverage_by_turn(turns: Sequence[Turn], judgement: Judgement | None, asks: Mapping[str, str]) -> Spec | None:
    """Coverage after each doctor turn, on a fixed 0..1 axis, with a dot where the judge credited items.

    The offline tally (recorded per turn) and the judge's curve are one line when they agree and two when they do
    not; the legend names what is drawn. None when there are no turns.
    """
    tally = [t.coverage for t in turns]
    curve = list(judgement.curve) if judgement and judgement.curve else []
    if not tally and not curve:
        return None
    same = (
        bool(curve) and len(curve) == len(tally) and all(abs(x - y) < 1e-6 for x, y in zip(curve, tally, strict=False))
    )
    if same or not curve:
        series = {BOTH if same else TALLY: tally}
    else:
        series = {JUDGE: curve, TALLY: tally}
    lines = [{"turn": i + 1, "coverage": v, "series": name} for name, values in series.items()
             for i, v in enumerate(values)]  # fmt: skip
    marks = _item_marks(judgement, curve or tally, asks)
    order = list(series)
    layers: list[Spec] = [
        {
            "mark": {"type": "line", "point": {"size": 30}},
            "data": {"values": lines},
            "encoding": {
                "x": {"field": "turn", "type": "quantitative", "title": "doctor turn", "axis": {"tickMinStep": 1}},
                "y": {"field": "coverage", "type": "quantitative", "title": "coverage", **UNIT_AXIS},
                "color": {"field": "series", "type": "nominal", "title": None, "sort": order,
                          "scale": {"domain": order}, "legend": {"orient": "bottom"}},
                "strokeDash": {"field": "series", "type": "nominal", "sort": order, "legend": None,
                               "scale": {"domain": order, "range": [[1, 0], [5, 3]][: len(order)]}},
                "tooltip": [{"field": "series"}, {"field": "turn"}, {"field": "coverage", "format": ".0%"}],
            },
        }
    ]  # fmt: skip
    if marks:
        layers.append(
            {
                "mark": {"type": "point", "shape": "diamond", "filled": True, "size": 110, "color": "#2ca02c"},
                "data": {"values": marks},
                "encoding": {
                    "x": {"field": "turn", "type": "quantitative"},
                    "y": {"field": "coverage", "type": "quantitative", **UNIT_AXIS},
                    "tooltip": [{"field": "turn", "title": "turn"}, {"field": "items", "title": "items covered"}],
                },
            }
        )
    return {"layer": layers}


def _item_marks(judgement: Judgement | None, curve: Sequence[float], asks: Mapping[str, str]) -> list[dict]:
    """One dot per turn where the judge credited items, at that turn's coverage, naming the items."""
    by_turn: dict[int, list[str]] = {}
    for item in judgement.items if judgement else []:
        if item.covered and item.turn is not None and 0 <= item.turn < len(curve):
            by_turn.setdefault(item.turn, []).append(asks.get(item.id) or item.id)
    return [{"turn": t + 1, "coverage": curve[t], "items": "; ".join(names)} for t, names in sorted(by_turn.items())]


def run_coverage(curves: Sequence[Sequence[float]]) -> Spec | None:
    """Mean coverage after each turn over a run's episodes, with the band between the 25th and 75th percentiles.

    An episode that ended keeps its final coverage in later turns (it has stopped gaining, not fallen to zero).
    """
    import numpy as np  # the Run page's statistics; not loaded with the module (see the TYPE_CHECKING import)

    curves = [list(c) for c in curves if len(c)]
    if not curves:
        return None
    length = max(map(len, curves))
    grid = np.array([c + [c[-1]] * (length - len(c)) for c in curves], dtype=float)
    rows = [
        {"turn": t + 1, "mean": float(grid[:, t].mean()), "q25": float(np.percentile(grid[:, t], 25)),
         "q75": float(np.percentile(grid[:, t], 75)), "ongoing": int(sum(len(c) > t for c in curves))}
        for t in range(length)
    ]  # fmt: skip
    x = {"field": "turn", "type": "quantitative", "title": "doctor turn", "axis": {"tickMinStep": 1}}
    return {
        "data": {"values": rows},
        "layer": [
            {"mark": {"type": "area", "opacity": 0.25, "color": RUN_COLORS["A"]},
             "encoding": {"x": x, "y": {"field": "q25", "type": "quantitative", "title": "coverage", **UNIT_AXIS},
                          "y2": {"field": "q75"}}},
            {"mark": {"type": "line", "point": True, "color": RUN_COLORS["A"]},
             "encoding": {"x": x, "y": {"field": "mean", "type": "quantitative", **UNIT_AXIS},
                          "tooltip": [{"field": "turn"}, {"field": "mean", "format": ".1%", "title": "mean"},
                                      {"field": "q25", "format": ".1%"}, {"field": "q75", "format": ".1%"},
                                      {"field": "ongoing", "title": "episodes still going"}]}},
        ],
    }  # fmt: skip


def histogram(distribution: pd.DataFrame, title: str, runs: Sequence[str] = ("A", "B")) -> Spec:
    """Bars of each run's share of episodes per score bin (`consultgym.app.comparison.distribution`)."""
    values = distribution[distribution["run"].isin(runs)].to_dict("records")
    color = {"field": "run", "type": "nominal", "scale": {"domain": list(runs),
             "range": [RUN_COLORS.get(r, "#777") for r in runs]}, "legend": {"orient": "top"}}  # fmt: skip
    return {
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "bin", "type": "ordinal", "title": title, "sort": None, "axis": {"labelAngle": 0}},
            "xOffset": {"field": "run"},
            "y": {"field": "share", "type": "quantitative", "title": "share of run", "axis": {"format": "%"}},
            "color": color if len(runs) > 1 else {"value": RUN_COLORS[runs[0]]},
            "tooltip": [{"field": "run"}, {"field": "bin"}, {"field": "episodes"},
                        {"field": "share", "format": ".1%"}],
        },
    }  # fmt: skip


def rate_bars(rates: pd.DataFrame, title: str) -> Spec:
    """One bar per run for a 0/1 score: its rate on a 0..1 axis, with the 95% interval as a whisker."""
    values = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
              for row in rates.to_dict("records")]  # fmt: skip
    runs = [str(r) for r in rates["run"]]
    x = {"field": "run", "type": "nominal", "title": None, "axis": {"labelAngle": 0}}

    def y(field: str) -> Spec:
        return {"field": field, "type": "quantitative", "title": title, **UNIT_AXIS}

    tooltip = [{"field": "run"}, {"field": "hits"}, {"field": "episodes"}, {"field": "rate", "format": ".1%"},
               {"field": "ci_low", "format": ".1%"}, {"field": "ci_high", "format": ".1%"}]  # fmt: skip
    color = {"field": "run", "type": "nominal", "legend": None,
             "scale": {"domain": runs, "range": [RUN_COLORS.get(r, RUN_COLORS["A"]) for r in runs]}}  # fmt: skip
    whisker = {"type": "tick", "color": "#333", "size": 18, "thickness": 2}
    return {
        "data": {"values": values},
        "layer": [
            {"mark": {"type": "bar", "width": {"band": 0.4}},
             "encoding": {"x": x, "y": y("rate"), "color": color, "tooltip": tooltip}},
            {"mark": {"type": "rule", "color": "#333", "strokeWidth": 2},
             "encoding": {"x": x, "y": y("ci_low"), "y2": {"field": "ci_high"}}},
            {"mark": whisker, "encoding": {"x": x, "y": y("ci_low")}},
            {"mark": whisker, "encoding": {"x": x, "y": y("ci_high")}},
        ],
    }  # fmt: skip
