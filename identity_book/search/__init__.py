"""Search by formula: normal forms of expressions, the catalogue's formula index, ``find``."""
