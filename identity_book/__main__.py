from identity_book.cli import main

raise SystemExit(main())
