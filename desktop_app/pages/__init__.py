"""The window's pages: each a plain widget (a module or package) that builds its widgets and owns its actions
and slots; the window places it — in its stack, or in a `PageWindow` of its own (`widgets/page_window.py`).

* `search/`: the search page (the top bar, the results grid, the preview) and its controller (the stack).
* `first_run`: folders to index and the model, before there is a library (the stack).
* `duplicates`: groups of copies, to decide what to keep (`Library ▸ Duplicates…`, its own window).
* `people`: the faces grouped into people, named, merged, searched (`Library ▸ People…`, its own window).
"""
