"""The window's pages: each a module or package that builds its widgets and owns its actions and slots.

* `search/`: the search page (the top bar, the results grid, the preview) and its controller.
* `duplicates`: groups of copies, to decide what to keep.
* `first_run`: folders to index and the model, before there is a library.
"""
