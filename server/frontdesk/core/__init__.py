"""Pure logic: no I/O, no asyncio, no clock reads. Whatever depends on "now" takes it."""
