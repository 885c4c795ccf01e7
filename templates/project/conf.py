"""A minimal Sphinx project for `identity-book build` when there is no docs/ folder.

The catalogue and verification options arrive as configuration overrides from the command.
"""

from identity_book import config as book

project = book.BOOK_SHORT
author = book.BOOK_AUTHOR
release = version = book.BOOK_VERSION
extensions = ["myst_parser", "identity_book.handbook"]
root_doc = "index"
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = book.BOOK_TITLE
latex_engine = "pdflatex"
latex_documents = [("index", "identity-book.tex", book.BOOK_TITLE, book.BOOK_AUTHOR, "manual")]
latex_toplevel_sectioning = "chapter"
latex_elements = {"papersize": "a4paper", "pointsize": "10pt", "printindex": ""}
