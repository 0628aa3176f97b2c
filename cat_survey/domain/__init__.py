"""The domain layer: what the customer pages, the JSON API, the CLI and the jobs share.

Layers, from the bottom: ``analysis/`` (pure) · models and definitions · this
package · jobs · views. A module here may import ``analysis``, ``cat_survey.db``,
``models``, ``definitions``, ``conditions`` and ``catalog``, and nothing that
serves a request: no blueprint, no ``flask.request``, no staff area (``auth``,
``reports``, ``themes.views``). So importing the conversation's flow engine loads
neither views nor sign-in, which ``tests/cat_survey/test_layers.py`` checks.

- ``flow``: the pure flow engine (next question, ``when:``, checking an answer);
- ``responses``: conversations in the database (start, record an answer, read back);
- ``theme_workflow``: what advocates do to a theme (status, owner, department,
  follow-ups) and the one writer of its audit trail, ``log_theme_event``;
- ``lifecycle``, ``signed_links``: when a survey is open, and links that carry a
  verified identity;
- ``accounts``, ``campaigns``, ``suspects``: staff accounts, e-mail campaigns and
  the screening of suspect responses.
"""
