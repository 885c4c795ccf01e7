"""The catalogue stage: YAML files in, checked and compiled identities out.

``yamlsafe`` reads untrusted YAML with positions, ``schema`` validates the fields, ``records``
holds the typed records (:class:`~.records.Identity`, :class:`~.records.Catalogue`),
``loader`` turns files into records (every problem located at its file, line and column),
``compile`` parses the expressions into trees with shapes, ``latexcheck`` is the whitelist for
hand-written LaTeX, ``numbering`` gives chapter/section/identity numbers, and ``var_option``
reads a variable written on the command line. Nothing here imports a later stage.
"""
