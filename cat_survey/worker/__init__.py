"""The worker: the periodic work that nobody should have to type.

``flask --app cat_survey worker`` runs the scheduled jobs of :mod:`.jobs` (theme
assignment and the outbox every minute, a full theme run nightly, digests weekly,
retention daily) through the huey task queue of :mod:`.queue`; ``--once`` runs
every due job once and exits. :mod:`.claims` makes each run happen once across any
number of workers: a job's run for one period is a ``JobRun`` row with a unique
(job, period) key, claimed in a transaction and held by a lease that runs out when
its worker dies, so another worker retries it.
"""
