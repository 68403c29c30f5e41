from bot.ui.cli import main

raise SystemExit(main())
