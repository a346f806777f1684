"""Use cases shared by handlers and the scheduler. No Telegram types in here."""
