"""The native plugin, as Pulumi's Python language host runs a plugin directory: ``python
provider <engine-address>`` (``PulumiPlugin.yaml`` is beside this file). The working directory is
the program's, and this directory is first on ``sys.path``, so the package next to this file is
the one that runs."""

import sys

from pulumi_northflank_provider.native.serve import main

if __name__ == "__main__":
    main(sys.argv[1:])
