"""The store: the SQLite catalog (the source of truth) and the vector file (a cache of it).

* `catalog` (+ `catalog_<feature>` modules beside it): every SQL statement of the engine.
* `catalog_file`: the catalog as a file, what may be opened and what a storage failure says.
* `migrations/`: the Alembic schema history.
* `repair`: `medialens repair`, recovering what SQLite can from a damaged catalog.
* `vectors`: the memory-mapped vector file, scanned in int8 and re-ranked in float16.

SQL lives only here. The store never imports the model layer or search.
"""
