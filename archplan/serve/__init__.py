"""``archplan serve``: a local page where a spec is edited and its trace redraws as one types.

The server computes everything with archplan's engine, planner and report modules (never a
deep-learning framework); the page only sends text and draws the answers. :mod:`.views` turns
text into data, :mod:`.files` keeps the served folder's files safe, :mod:`.planning` holds the
plan tab's searches, and :mod:`.app` is the Starlette application over them.
"""
