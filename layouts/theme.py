"""One look for the whole app: Bootstrap 5 (vendored in assets/vendor, served by Dash) and a plotly template to match.

Figures are plain dicts (no plotly.graph_objects validation on the request path: it costs milliseconds per figure).
"""

from __future__ import annotations

# Bootstrap 5 palette
PRIMARY = "#0d6efd"
PRIMARY_LIGHT = "#9ec5fe"
SELECTED = "#fd7e14"
BODY_COLOR = "#212529"
MUTED = "#6c757d"
GRID = "#e9ecef"
TOOLTIP_BORDER = "#6c757d"
FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "Noto Sans", "Liberation Sans", Arial, sans-serif'
)

# The stylesheet lives in assets/vendor/bootstrap.min.css: Dash links every CSS file under assets/ automatically, so it
# is never listed in external_stylesheets (that would load it twice). The login pages link the same path.

PLOTLY_TEMPLATE: dict = {
    "layout": {
        "font": {"family": FONT_FAMILY, "size": 13, "color": BODY_COLOR},
        "colorway": [PRIMARY, "#6610f2", "#198754", "#fd7e14", "#dc3545", "#0dcaf0", "#6f42c1", "#20c997"],
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": {"l": 48, "r": 16, "t": 16, "b": 48},
        # tooltips: dark text on white with a visible border (plotly's default text colour is the border colour)
        "hoverlabel": {
            "font": {"family": FONT_FAMILY, "color": BODY_COLOR, "size": 13},
            "bgcolor": "white",
            "bordercolor": TOOLTIP_BORDER,
            "align": "left",
        },
        "xaxis": {
            "showgrid": False,
            "linecolor": "#ced4da",
            "tickcolor": "#ced4da",
            "ticks": "outside",
            "tickfont": {"color": MUTED},
            "automargin": True,
            "fixedrange": True,
        },
        "yaxis": {
            "gridcolor": GRID,
            "zeroline": False,
            "tickfont": {"color": MUTED},
            "automargin": True,
            "rangemode": "tozero",
            "fixedrange": True,
        },
        "bargap": 0.35,
        "showlegend": False,
    }
}

# Charts are read, not zoomed: the only interaction is a click on a bar (each panel's tracked_as name).
GRAPH_CONFIG = {"displayModeBar": False, "responsive": True, "scrollZoom": False, "doubleClick": False}
