"""A body's month as people read it: labelled rows for the tables and downloads, SVG charts.

The charts are drawn on the server by pygal, with no script (the pages' CSP allows none); each
is an image of its own address, and the page shows the same numbers in a table beside it.
"""

import csv
import io
import sys
from collections.abc import Iterator
from typing import Any, NamedTuple

import pygal
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from pygal.etree import etree
from pygal.style import Style

from feedback.cases import xlsx
from feedback.cases.figures import Came, MonthFigures, Share
from feedback.web.labels import KIND, RATING, STATUS

# pygal appends to sys.meta_path a finder for its map plugins, of the old kind that has no
# find_spec: every import that reaches it afterwards warns (ImportWarning). No map is drawn here.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

CAME: dict[Came, LazyString] = {
    Came.CHOSEN: _l("Chosen by the citizen"),
    Came.PROPOSED: _l("Proposed by the rules"),
    Came.CONFLICT: _l("Redirected by the conflict-of-interest rule"),
    Came.TRANSFERRED: _l("Transferred in"),
    Came.REVIEW: _l("Review request"),
}

# A chart's own Content-Security-Policy: pygal writes its styles inline; nothing else loads.
CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
CHARTS = ("kinds", "came", "items", "satisfaction", "months")


class Line(NamedTuple):
    """One figure: its section, what it counts, the count, and a rate in percent if any."""

    section: str
    label: str
    number: int
    rate: float | None = None


def share_line(section: str, label: str, share: Share) -> Line:
    return Line(section, label, share.done, share.rate)


def lines(figures: MonthFigures) -> list[Line]:
    """Every figure of the month, in the order of the page: the rows of the downloads."""
    received = str(_l("Received"))
    found = [Line(received, str(_l("All cases")), figures.received)]
    found += [Line(received, str(KIND[k]), n) for k, n in figures.by_kind.items()]
    came = str(_l("How they came"))
    found += [Line(came, str(CAME[c]), n) for c, n in figures.by_came.items()]
    status = str(_l("Status now"))
    found += [Line(status, str(STATUS[s]), n) for s, n in figures.by_status.items()]
    limits = str(_l("Time limits"))
    found += [
        share_line(limits, str(_l("Accepted or declined in time")), figures.accepted_on_time),
        share_line(limits, str(_l("Closed in time")), figures.closed_on_time),
        Line(limits, str(_l("Overdue now (all months)")), figures.overdue),
    ]
    satisfaction = str(_l("Satisfaction"))
    rated = sum(figures.ratings.values())
    found += [
        Line(satisfaction, str(RATING[r]), n, Share(n, rated).rate)
        for r, n in figures.ratings.items()
    ]
    found += [
        Line(satisfaction, str(_l("Closed, not rated")), figures.unrated),
        Line(satisfaction, str(_l("Review requests received")), figures.reviews),
        Line(satisfaction, str(_l("Cases whose review was asked for")), figures.contested),
    ]
    items = str(_l("Items with most messages"))
    found += [Line(items, f"{item.code} {item.title}", item.cases) for item in figures.top_items]
    found.append(Line(items, str(_l("About no particular item")), figures.no_item))
    history = str(_l("Received by month"))
    found += [Line(history, line.month, line.received) for line in figures.history]
    return found


def headers() -> list[str]:
    return [str(_l("Section")), str(_l("Figure")), str(_l("Count")), str(_l("Rate (%)"))]


def csv_bytes(figures: MonthFigures) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that Excel reads the Chinese as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(headers())
    writer.writerows(_cells(figures))
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(figures: MonthFigures) -> bytes:
    buffer = io.BytesIO()
    xlsx.write_workbook(buffer, _cells(figures), sheet=figures.month, header=headers())
    return buffer.getvalue()


def _cells(figures: MonthFigures) -> Iterator[list[Any]]:
    for line in lines(figures):
        # An item's title is the administrator's text: neutralised like the export's.
        label = "'" + line.label if line.label.startswith(("=", "+", "-", "@")) else line.label
        # The workbook writes whole numbers and text: a rate goes as its text, "66.7".
        yield [line.section, label, line.number, None if line.rate is None else f"{line.rate:.1f}"]


STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#555555",
    colors=("#1f5fa8", "#c2410c", "#15803d", "#7c3aed", "#a16207"),
    font_family="sans-serif",
    label_font_size=14,
    major_label_font_size=14,
    value_font_size=14,
    legend_font_size=14,
    title_font_size=16,
)


def _chart(kind: Any, **options: Any) -> Any:
    return kind(
        style=STYLE,
        js=[],  # no script: the chart is an image
        width=640,
        height=360,
        print_values=True,
        show_legend=options.pop("show_legend", False),
        **options,
    )


def chart(name: str, figures: MonthFigures) -> bytes:
    """One chart of the month as an SVG document; KeyError for an unknown chart."""
    if name == "kinds":
        drawn = _chart(pygal.Bar, title=str(_l("Received by kind")))
        drawn.x_labels = [str(KIND[k]) for k in figures.by_kind]
        drawn.add(str(_l("Cases")), list(figures.by_kind.values()))
    elif name == "came":
        drawn = _chart(pygal.Bar, title=str(_l("How they came")), x_label_rotation=20)
        drawn.x_labels = [str(CAME[c]) for c in figures.by_came]
        drawn.add(str(_l("Cases")), list(figures.by_came.values()))
    elif name == "items":
        drawn = _chart(pygal.HorizontalBar, title=str(_l("Items with most messages")))
        drawn.x_labels = [item.code for item in figures.top_items]
        drawn.add(str(_l("Cases")), [item.cases for item in figures.top_items])
    elif name == "satisfaction":
        drawn = _chart(pygal.Pie, title=str(_l("Satisfaction")), show_legend=True)
        for rating, count in figures.ratings.items():
            drawn.add(str(RATING[rating]), count)
    elif name == "months":
        drawn = _chart(pygal.Bar, title=str(_l("Received by month")), show_legend=True)
        drawn.x_labels = [line.month for line in figures.history]
        drawn.add(str(_l("Received")), [line.received for line in figures.history])
        drawn.add(str(_l("Closed in time")), [line.closed_on_time.done for line in figures.history])
    else:
        raise KeyError(name)
    return without_script(drawn.render_tree())


def without_script(tree: Any) -> bytes:
    """The SVG document with pygal's scripts (its tooltips' settings) taken out."""
    for parent in list(tree.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.endswith("script"):
                parent.remove(child)
    svg: bytes = etree.tostring(tree, xml_declaration=True, encoding="utf-8")
    return svg
