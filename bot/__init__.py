"""Ferryman: dispatch bot for the self-drive export drivers of the Horgos land port."""

__version__ = "0.1.0"
