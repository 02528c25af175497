"""Messages where owners are: a company's channels (group bots, Telegram, ntfy through Apprise), Web Push to
phones, and the end-of-shift report. A domain package: no Flask."""
