extensions = ["identity_book.sphinx"]
identity_book_catalogue = ["builtin", "mine"]
project = "identity-builtin"
exclude_patterns = ["_build", "mine"]
