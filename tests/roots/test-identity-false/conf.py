extensions = ["identity_book.sphinx"]
identity_book_catalogue = "identities"
project = "identity-false"
exclude_patterns = ["_build", "identities"]
