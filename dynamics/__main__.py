import sys

from dynamics.cli import main

sys.exit(main())
