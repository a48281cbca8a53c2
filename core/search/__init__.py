"""Search: a query in, ranked photos and video moments out.

* `context`: the small `SearchContext` every query is built from (catalog, encoder, vector index).
* `find`: `Query` (what a person asked, the thing the facade trades in) made ready once (`Found`):
  its pages, its matches, its refined rounds; the only place that dispatches on a query's kind.
* `query`: query text syntax (`-avoided` terms), `QueryVector` (a query ready for the engine), text and
  look-alike query vectors.
* `compose` (+ `inversion`): a reference picture changed by words.
* `feedback`: multi-round sessions re-ranked from relevance marks.
* `explain`: which part of a photo matches.
* `engine`: `SearchEngine.by_vector`, where every query ends; `Filters`, `Hit`.
* `moments`: video moments and timelines (the engine's moment finder).
* `fusion`: text search fused from two experts, CLIP and the words read in pictures (OCR).
* `duplicates`: exact and near copies grouped, with the copy to keep.
"""
