"""Officina payments: a payment gateway adapter with a deterministic
simulator. The plugin is `officina_payments.plugin`; the provider's answers
come from `officina_payments.simulator`."""

__version__ = "0.1.0"
