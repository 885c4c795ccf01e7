extensions = ["myst_parser", "identity_book.sphinx"]
identity_book_catalogue = "identities"
project = "identity-basic"
exclude_patterns = ["_build", "identities"]
