"""Search: a query in, ranked photos and video moments out.

* `context`: the small `SearchContext` every query is built from (catalog, encoder, vector index).
* `query`: query text syntax (`-avoided` terms), `Query`, text and look-alike queries.
* `compose` (+ `inversion`): a reference picture changed by words.
* `feedback`: multi-round sessions re-ranked from relevance marks.
* `explain`: which part of a photo matches.
* `engine`: `SearchEngine.by_vector`, where every query ends; `Filters`, `Hit`.
* `moments`: video moments and timelines (the engine's moment finder).
"""
