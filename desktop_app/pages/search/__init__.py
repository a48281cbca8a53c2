"""The search page: the query row and filters, the results grid and header, the preview, and the controller
that turns what the user asked (`queries.Request`) into pages of results."""
