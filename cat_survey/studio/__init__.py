"""The survey studio: CX leads and admins edit, check, preview and publish surveys.

The database is the source of a survey after ``surveys load``: the studio edits
the newest stored version's YAML, checks it with the same reader as ``surveys
check`` (so the same ``file:line: question: field`` messages), previews the
conversation in each locale without storing anything, and publishes a new
version that new responses answer while earlier responses keep theirs. The
export gives the YAML back, to keep in ``surveys/`` or to load elsewhere.
"""
