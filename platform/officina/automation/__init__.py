"""Automation: what makes definitions act.

- `hookspecs` — the plugin hooks (pluggy); `plugins` loads the plugins of a
  site (entry points group `officina`, the site's `plugins:` list, and the
  built-in actions, which are a plugin themselves).
- `engine` — the rules engine, installed into the records service's
  `after_write` hooks: triggers (created, updated, saved, deleted, fields
  changed from/to, transition taken, state entered, threshold crossed),
  conditions, actions run inside the transaction of the write, cascades
  with a depth limit, a run log (`officina_rule_run`). It also runs what
  the scheduler asks: cron and interval rules, and SLA breach actions.
- `outbox` — external effects written as jobs (`officina_job`) in the same
  transaction as the change; a rolled back change sends nothing.
- `worker` and `scheduler` — `officina worker`: delivers jobs (e-mail,
  webhooks, slow plugin actions) with retries, backoff and dead letters,
  claims jobs safely with several workers, and runs due schedules once.
"""
