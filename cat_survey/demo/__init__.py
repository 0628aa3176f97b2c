"""Demo data: staff accounts and a year of realistic responses for every screen.

``flask --app cat_survey seed-demo`` calls :func:`cat_survey.demo.seeding.seed_demo`.
It loads the catalog and the surveys, creates an admin, a CX lead and advocates for
every department (random passwords, written owner-only to
``instance/demo-logins.txt``), then about two thousand responses over the year
before a given instant (by default the moment it runs).

The package has three parts, from the bottom up:

- ``phrases.txt`` and :mod:`~cat_survey.demo.phrases`: what customers write. The
  phrase bank is written for the demo: at least fifteen complaints per department
  plus praise and wishes, varied with openers, specifics and the odd typo, so themes
  recur without repeating strings. It deliberately shares no sentence with the
  routing catalog or the labelled routing test set, so routing the demo data is not
  a test the router has already seen the answers to.
- :mod:`~cat_survey.demo.simulation`: customers walking the surveys, pure (no
  database, no clock). Responses have the structure real ones have, so dashboards
  and themes show something worth looking at: NPS is lower for enterprise than for
  small customers and improves a few points over the year, one month has an outage
  in which detractors and complaints about reliability spike, about one response in
  eight stops midway, and one in ten is in Japanese. Each simulated customer walks
  the survey with the flow engine, so every response obeys the survey's ``when:``
  branching exactly as a real conversation would.
- :mod:`~cat_survey.demo.seeding`: the demo staff, their logins and the rows.
"""
