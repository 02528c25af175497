"""The factory overview, the machine page and threshold advice."""
