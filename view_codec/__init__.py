"""The dashboard's view (view.View: preset or dates, filters, compare, granularity) written to text and
read back: the saved-filters cookie (cookie.py).

Pure codecs: no Dash, no queries. Readers never raise on bad input; they return None and the caller falls back to
the default view.
"""
