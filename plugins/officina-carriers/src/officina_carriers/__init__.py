"""Officina carriers: shipping services with rates and delivery estimates,
tracking numbers with a check digit, and a tracking-event simulator. The
plugin is `officina_carriers.plugin`; the pure parts are in
`officina_carriers.carriers`."""

__version__ = "0.1.0"
