"""The shop floor: why machines stop (stop events and reasons), parts made (cycles and counts), OEE, and the
wall screen's display links. A domain package: no Flask."""
