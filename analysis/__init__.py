"""Pure-Python scoring and text analysis for survey answers.

Nothing here imports Flask or ``cat_survey``: every function takes plain values and
returns plain values or frozen dataclasses, so a notebook or another tool can use it.
"""
