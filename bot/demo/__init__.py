"""`ferryman demo`: the emulator and the real bot in one process, playing a compressed day."""
