"""Dashboard panels: one Python file per chart (its query over the rollup, its figure, its name and id).

The framework is panel.py (what a panel declares, how it is rendered and tested) and board.py (the panels of a page,
computed together for one set of filters). Where each panel sits on the page is one line in layouts/placement.py.
"""
