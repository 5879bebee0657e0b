"""The LookML dashboards (``looker/``) drawn from the local DuckDB warehouse: ``make dashboard``.

``lookml`` reads the project, ``query`` compiles an element to DuckDB SQL, ``render`` draws a page
with Plotly, ``server`` serves the pages, ``browser`` drives Debian's Chromium (tests, screenshots).
docs/dashboards.md has the details.
"""
