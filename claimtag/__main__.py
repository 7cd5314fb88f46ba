from claimtag.cli import main

raise SystemExit(main())
