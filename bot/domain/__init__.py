"""Pure domain code: no Telegram, no database, no clock (time is always passed in)."""
