extensions = ["identity_book.sphinx"]
identity_book_catalogue = "identities"
project = "identity-broken"
exclude_patterns = ["_build", "identities"]
